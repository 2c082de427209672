"""Fans: `PUT /lights/<id>/state {"speed": 0-6}` writes FanMode; `on` turns it off (0) or
on (FanMode "on", 4) unless the same body gives a speed. Both are set at once, as deCONZ
sets `speed`; the fan's FanMode report confirms them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.fans import MAX_SPEED, MODE_OFF, MODE_ON
from radio.clusters import FAN_CONTROL

from .family_state import FamilyParams, Outcome, plan_family_state
from .plan import Plan
from .validate import as_bool, as_int


def _build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    if "speed" in values:
        mode = values["speed"]
    elif "on" in values:
        mode = MODE_ON if values["on"] else MODE_OFF
    else:
        return
    out.write(FAN_CONTROL, {"fan_mode": mode})
    if "on" in values:
        out.ok("on", values["on"])
    if "speed" in values:
        out.ok("speed", mode)
    out.state.update(speed=mode, on=mode != MODE_OFF)


PARAMS = FamilyParams(
    validators={"on": as_bool, "speed": lambda v: as_int(v, 0, MAX_SPEED)},
    actions=frozenset({"on", "speed"}),
    build=_build,
)


def plan_fan_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    return plan_family_state(light_id, light, body, PARAMS)
