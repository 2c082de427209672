"""Door locks: `PUT /lights/<id>/state {"on": true}` locks, `false` unlocks.

As deCONZ's `setDoorLockState`: one bad parameter answers HTTP 400 with nothing sent, and
`on` is not set at once: the lock reports its LockState when the bolt has moved (or not,
when it jammed), and that report changes the light and the ZHADoorLock sensor together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.clusters import DOOR_LOCK

from .family_state import FamilyParams, Outcome, Strict, plan_family_state
from .plan import Plan
from .validate import as_bool


def lock_command(locked: bool) -> str:
    return "lock_door" if locked else "unlock_door"


def _build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    out.zcl(DOOR_LOCK, lock_command(values["on"]))
    out.ok("on", values["on"])


PARAMS = FamilyParams(
    validators={"on": as_bool},
    actions=frozenset({"on"}),
    build=_build,
    strict=Strict("missing parameter to set door lock state"),
)


def plan_lock_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    return plan_family_state(light_id, light, body, PARAMS)
