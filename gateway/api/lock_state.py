"""Door locks: `PUT /lights/<id>/state {"on": true}` locks, `false` unlocks.

`on` is set at once, as deCONZ does; the lock's LockState report confirms it (or puts it
back, when the bolt jammed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.clusters import DOOR_LOCK

from .family_state import FamilyParams, Outcome, plan_family_state
from .plan import Plan
from .validate import as_bool


def lock_command(locked: bool) -> str:
    return "lock_door" if locked else "unlock_door"


def _build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    out.zcl(DOOR_LOCK, lock_command(values["on"]))
    out.ok("on", values["on"], on=values["on"])


PARAMS = FamilyParams(validators={"on": as_bool}, actions=frozenset({"on"}), build=_build)


def plan_lock_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    return plan_family_state(light_id, light, body, PARAMS)
