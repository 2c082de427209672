"""`PUT /lights/<id>/state`: deCONZ's per-parameter semantics for a single light.

Every parameter is checked first; unknown ones get error 6, bad values error 7, and the
valid ones still run (HTTP 200 with mixed items, errors first). A light that is off takes
no level or colour change unless the same body turns it on or the light is configured to
execute while off (error 201). An unreachable light gets a single error 202 and nothing is
sent. Successful commands update the stored state at once (optimistic), as deCONZ does.

Group actions (`PUT /groups/<id>/action`) live in `group_action.py` and are re-exported
here, since both share `state_core`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .changes import LightState
from .errors import ApiError
from .group_action import GroupActionPlan, plan_group_action
from .plan import Plan
from .resource import (
    ct_range,
    device_target,
    execute_if_off,
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
from .validate import Invalid

__all__ = ["GroupActionPlan", "LightStatePlan", "plan_group_action", "plan_light_state"]


def _has(*keys: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda state: all(key in state for key in keys)


def _always(_state: Mapping[str, Any]) -> bool:
    return True


# Which parameters a light accepts, decided by the state items it publishes (as deCONZ).
AVAILABLE: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "on": _has("on"),
    "bri": _has("bri"),
    "bri_inc": _has("bri"),
    "hue": _has("hue", "sat"),
    "sat": _has("hue", "sat"),
    "xy": _has("xy"),
    "ct": _has("ct"),
    "ct_inc": _has("ct"),
    "effect": _has("effect"),
    "colorloopspeed": _has("effect"),
    "alert": _has("alert"),
    "speed": _has("speed"),
    "transitiontime": _always,
    "ontime": _always,
    "wrap": _always,
}


@dataclass(slots=True)
class LightStatePlan(Plan):
    """`changes` holds the light's optimistic state as one `LightState` (see `optimistic`)."""

    @property
    def optimistic(self) -> Mapping[str, Any]:
        return next((c.values for c in self.changes if isinstance(c, LightState)), {})


def _parse(
    path: str, state: Mapping[str, Any], body: Mapping[str, Any]
) -> tuple[StateRequest, list[ApiError]]:
    """Validate in sorted key order, which is the order deCONZ reports errors in."""
    req, errors, has_command = StateRequest(), [], False
    for key in sorted(body):
        value, address = body[key], f"{path}/{key}"
        if key == "colormode" and "colormode" in state:
            errors.append(ApiError.light_param_not_modifiable(address, "colormode"))
            continue
        available = AVAILABLE.get(key)
        if available is None or not available(state):
            errors.append(ApiError.parameter_not_available(address, key))
            continue
        has_command |= key in COMMAND_PARAMS
        try:
            setattr(req, key, VALIDATORS[key](value))
        except Invalid:
            errors.append(ApiError.invalid_value(address, key, value))
    if req.ontime and req.on is None and req.alert is None:
        errors.append(ApiError.missing_companion(path, "on or alert", "ontime"))
    if req.wrap is not None and req.bri_inc is None:
        errors.append(ApiError.missing_companion(path, "bri_inc", "wrap"))
    if req.colorloopspeed is not None and req.effect != "colorloop":
        errors.append(ApiError.missing_companion(path, "effect", "colorloopspeed"))
    if not has_command:
        errors.append(ApiError.missing_parameters(path, "missing parameter to set light state"))
    return req, errors


def plan_light_state(light_id: str, light: Mapping[str, Any], body: Any) -> LightStatePlan:
    """Plan `PUT /lights/<light_id>/state` for `light` (its deCONZ JSON, as in GET).

    Uses `uniqueid` (target), `state` (current values and which parameters exist),
    `ctmin`/`ctmax` or `capabilities.color.ct`, `colorcapabilities` (enhanced hue) and
    `config.bri|color.execute_if_off`. HTTP status is 200 unless the body is not a
    non-empty JSON object (400, type 2).
    """
    path = f"/lights/{light_id}/state"
    if not is_reachable(light):  # deCONZ checks this before looking at the body
        return LightStatePlan(responses=[ApiError.not_reachable(path).to_dict()])
    if not isinstance(body, Mapping) or not body:
        return LightStatePlan.rejected(ApiError.invalid_json(path))

    state = sub(light, "state")
    req, errors = _parse(path, state, body)
    plan = LightStatePlan(responses=[error.to_dict() for error in errors])

    current_bri = int_value(state, "bri", 0)
    if req.wrap and req.bri_inc is not None:
        req.bri_inc = wrapped_increment(req.bri_inc, current_bri, current_bri)
    receiver = Receiver(
        address=device_target(light),
        path=path,
        is_on=state.get("on") is True,
        check_off=True,
        bri_if_off=execute_if_off(light, "bri"),
        color_if_off=execute_if_off(light, "color"),
        colorloop_active=state.get("effect") == "colorloop",
        enhanced_hue=supports_enhanced_hue(light),
        ct_limits=ct_range(light),
        bri=current_bri,
        ct=int_value(state, "ct", 0),
    )
    outcome = build_commands(receiver, req)
    plan.responses.extend(outcome.responses)
    plan.commands.extend(outcome.commands)
    if optimistic := {k: v for k, v in outcome.state.items() if k in state}:
        plan.change(LightState(light_id, optimistic))
    return plan
