"""Which planner answers `PUT /lights/<id>/state`: the light's `type` decides, as deCONZ
routes coverings, locks, fans and sirens to their own handlers; every other type is a lamp."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.core import covers, fans, locks, sirens

from . import cover_state, fan_state, light_state, lock_state, siren_state
from .plan import Plan

Planner = Callable[[str, Mapping[str, Any], Any], Plan]

PLANNERS: Mapping[str, Planner] = {
    covers.TYPE: cover_state.plan_cover_state,
    locks.TYPE: lock_state.plan_lock_state,
    fans.TYPE: fan_state.plan_fan_state,
    sirens.TYPE: siren_state.plan_siren_state,
}


def plan_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    planner = PLANNERS.get(str(light.get("type", "")), light_state.plan_light_state)
    return planner(light_id, light, body)
