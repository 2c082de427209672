"""`PUT /lights/<id>`, `DELETE /lights/<id>` and the device search (`POST /lights|/sensors`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gateway.core.values import ALL_LIGHTS_GROUP
from radio.commands import PermitJoin, RemoveDevice, RemoveFromGroup

from .changes import Delete, Rename
from .errors import ApiError, success_items
from .plan import Plan
from .resource import device_target, sub
from .validate import Invalid, as_bool, as_str

LIGHT_NAME_MAX = 32


@dataclass(slots=True)
class LightPlan(Plan):
    pass


def plan_light_attributes(light_id: str, light: Mapping[str, Any], body: Any) -> LightPlan:
    """Plan `PUT /lights/<light_id>`: `name` (≤32, trimmed; empty resets it to the id).

    deCONZ handles only the first attribute it recognises (name, then powerup/reverse/
    calibration, which zigbridge does not offer) and ignores the rest; a body with none
    of them gets error 5 (deCONZ answers "method not available" there, a leftover).
    """
    path = f"/lights/{light_id}"
    if not isinstance(body, Mapping) or not body:
        return LightPlan.rejected(ApiError.invalid_json(path))
    if "name" not in body:
        return LightPlan.rejected(ApiError.missing_parameters(path))
    try:
        name = as_str(body["name"], max_len=LIGHT_NAME_MAX) or light_id
    except Invalid:
        return LightPlan.rejected(ApiError.invalid_value(f"{path}/name", "name", body["name"]))
    plan = LightPlan()
    plan.ok(f"{path}/name", name)
    plan.change(Rename("lights", light_id, name))
    return plan


def plan_light_delete(light_id: str, light: Mapping[str, Any], body: Any) -> LightPlan:
    """Plan `DELETE /lights/<light_id>`, body `{"reset": bool}` optional (may be empty).

    `reset: true` makes the device leave the network (ZDO Mgmt Leave via `RemoveDevice`;
    that removes every light and sensor of the device). Without it the light is only
    forgotten and taken out of its groups so it stops following group commands.
    """
    path = f"/lights/{light_id}"
    if not isinstance(body, Mapping):
        return LightPlan.rejected(ApiError.invalid_json(path))
    plan = LightPlan()
    reset = False
    if "reset" in body:
        try:
            reset = as_bool(body["reset"])
        except Invalid:
            return LightPlan.rejected(
                ApiError.invalid_value(f"{path}/reset", "reset", body["reset"])
            )
        plan.ok(f"{path}/reset", reset)
    else:
        plan.ok("id", light_id)
    plan.change(Delete("lights", light_id))
    target = device_target(light)
    if reset:
        plan.commands.append(RemoveDevice(target.ieee))
    else:
        groups = sub(light, "config").get("groups", [])
        plan.commands.extend(
            RemoveFromGroup(target, int(gid))
            for gid in groups
            if isinstance(gid, str) and gid.isdecimal() and gid != ALL_LIGHTS_GROUP
        )
    return plan


def plan_search(resource: Literal["lights", "sensors"], duration: int) -> LightPlan:
    """Plan `POST /lights` or `POST /sensors` with an empty body: open the network for
    `duration` seconds (config `networkopenduration`) and say so. The shell records the
    caller's API key as the one that opened the network (see `plan_config_put`)."""
    plan = LightPlan()
    plan.responses.append(
        success_items(
            {f"/{resource}": "Searching for new devices", f"/{resource}/duration": duration}
        )
    )
    plan.commands.append(PermitJoin(duration))
    return plan
