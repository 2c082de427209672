"""`PUT /groups/<id>/action`: one groupcast per command, deCONZ's group semantics.

Differences from a light's state PUT, all taken from deCONZ's `setGroupState`:
- parameters are checked in a fixed order and the first bad value ends the request with
  HTTP 400 and that error alone; we validate everything before planning, so unlike deCONZ
  (which has already queued the earlier commands by then) nothing is sent;
- unknown parameters are ignored, there is no "device is off" error, and `toggle` flips
  the group based on `state.any_on`;
- `on:true` together with `bri` is a single Move to Level (with On/Off) groupcast;
- `bri` may be `"stop"`, and a `bri_inc` success echoes the increment.

The group's `action` object caches what was last sent, and every reachable member light is
updated optimistically (deCONZ also updates unreachable ones, which then show values they
never received); the store recomputes the group's `any_on`/`all_on` from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core import values
from radio.commands import GroupTarget

from . import cover_state
from .changes import GroupAction, LightState
from .errors import ApiError
from .plan import Plan
from .resource import (
    ct_range,
    int_value,
    is_reachable,
    sub,
    supports_enhanced_hue,
)
from .state_core import (
    COMMAND_PARAMS,
    VALIDATORS,
    Receiver,
    StateRequest,
    build_commands,
    wrapped_increment,
)
from .validate import Invalid, as_bool

# deCONZ's checking order; the first invalid value found in this order is reported.
ORDER = (
    "toggle",
    "on",
    "bri",
    "hue",
    "sat",
    "xy",
    "ct_inc",
    "bri_inc",
    "ct",
    "alert",
    "effect",
    "colorloopspeed",
    "transitiontime",
    "ontime",
    "wrap",
)
ACTIONS = (COMMAND_PARAMS - {"speed"}) | {"toggle"}
GROUP_COLORLOOP_SPEED = 15


@dataclass(slots=True)
class GroupActionPlan(Plan):
    """Changes: the group's action cache, then each reachable member's state."""


def _parse(path: str, body: Mapping[str, Any]) -> tuple[StateRequest, bool] | ApiError:
    req, toggle = StateRequest(), False
    for key in ORDER:
        if key not in body:
            continue
        value = body[key]
        try:
            if key == "toggle":
                toggle = as_bool(value)
            elif key == "bri" and value == "stop":
                req.bri_stop = True
            else:
                setattr(req, key, VALIDATORS[key](value))
        except Invalid:
            return ApiError.invalid_value(f"{path}/{key}", key, value)
    return req, toggle


def _ct_span(lights: Mapping[str, Mapping[str, Any]]) -> tuple[int, int] | None:
    ranges = [r for light in lights.values() if (r := ct_range(light)) is not None]
    if not ranges:
        return None
    return min(lo for lo, _ in ranges), max(hi for _, hi in ranges)


def _member_changes(
    light: Mapping[str, Any], req: StateRequest, applied: Mapping[str, Any]
) -> dict[str, Any]:
    """What the group command does to one member, limited to the items it has."""
    state = sub(light, "state")
    out: dict[str, Any] = {}
    if "on" in applied:
        out["on"] = applied["on"]
    if "bri" in applied:
        if req.bri is not None:
            out["bri"] = req.bri
        elif out.get("on", state.get("on")) is True:  # a plain step leaves off lights alone
            out["bri"] = min(max(int_value(state, "bri", 0) + (req.bri_inc or 0), 1), 254)
    mode = applied.get("colormode")
    if mode == "xy" and "xy" in state:
        out.update(xy=applied["xy"], colormode="xy")
    elif mode == "ct" and "ct" in state:
        if req.ct_inc is not None:
            ct = max(int_value(state, "ct", 0) + req.ct_inc, 0)
        else:
            ct = req.ct or 0
        out.update(ct=values.clamp_ct(ct, ct_range(light)), colormode="ct")
    elif mode == "hs" and "hue" in state and "sat" in state:
        out.update({k: applied[k] for k in ("hue", "sat") if k in applied}, colormode="hs")
    if "effect" in applied:
        out["effect"] = applied["effect"]
    return {key: value for key, value in out.items() if key in state}


def plan_group_action(
    group_id: str,
    group: Mapping[str, Any],
    members: Mapping[str, Mapping[str, Any]],
    body: Any,
) -> GroupActionPlan:
    """Plan `PUT /groups/<group_id>/action`.

    `group` is the group's deCONZ JSON (uses `action` and `state.any_on`); `members` maps
    light id → light JSON for the group's lights; `address` is the Zigbee group address
    when it is not `int(group_id)` (the all-lights group "0").
    """
    path = f"/groups/{group_id}/action"
    if not isinstance(body, Mapping) or not body:
        return GroupActionPlan.rejected(ApiError.invalid_json(path))
    if cover_state.GROUP_KEYS & body.keys():
        return _plan_cover_action(group_id, path, body)
    parsed = _parse(path, body)
    if isinstance(parsed, ApiError):
        return GroupActionPlan.rejected(parsed)
    if not any(key in body for key in ACTIONS):
        return GroupActionPlan.rejected(ApiError.missing_parameters(path))
    req, toggle = parsed
    if toggle:
        req.on = sub(group, "state").get("any_on") is not True

    reachable = {lid: light for lid, light in members.items() if is_reachable(light)}
    if req.wrap and req.bri_inc is not None:
        levels = [int_value(sub(m, "state"), "bri", 0) for m in reachable.values()]
        if levels:
            req.bri_inc = wrapped_increment(req.bri_inc, min(levels), max(levels))

    action = sub(group, "action")
    receiver = Receiver(
        address=GroupTarget(values.group_address(group_id)),
        path=path,
        group=True,
        colorloop_active=action.get("effect") == "colorloop",
        enhanced_hue=all(
            supports_enhanced_hue(m) for m in members.values() if "hue" in sub(m, "state")
        ),
        ct_limits=_ct_span(members),
        bri=int_value(action, "bri", 0),
        ct=int_value(action, "ct", 0),
        colorloop_speed=GROUP_COLORLOOP_SPEED,
    )
    outcome = build_commands(receiver, req)
    plan = GroupActionPlan(responses=outcome.responses, commands=outcome.commands)
    if outcome.state:
        plan.change(GroupAction(group_id, outcome.state))
    for lid, light in reachable.items():
        if changes := _member_changes(light, req, outcome.state):
            plan.change(LightState(lid, changes))
    return plan


def _plan_cover_action(group_id: str, path: str, body: Mapping[str, Any]) -> GroupActionPlan:
    """A group of coverings: `open`/`stop`/`lift`/`tilt` as one groupcast each, the first
    bad value ending the request as any group action's does. The members report their
    positions as they move, so nothing is set optimistically."""
    outcome, errors = cover_state.group_cover_outcome(path, values.group_address(group_id), body)
    if errors:
        return GroupActionPlan.rejected(errors[0])
    return GroupActionPlan(responses=outcome.responses, commands=outcome.commands)
