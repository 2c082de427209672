"""`PUT /lights/<id>/state` for the light families that are not lamps, and what their
planners share.

A covering, lock, fan or siren takes its own few parameters, each checked first in sorted
key order (unknown or not offered by this device: error 6, bad value: error 7), and a body
with no parameter that asks for something is error 5; an unreachable device gets a single
error 202 with nothing sent. A fan is answered like a lamp (HTTP 200, the valid parameters
still carried out). Coverings, locks and sirens have their own handlers in deCONZ, which
are `Strict`: one bad parameter answers the whole request with HTTP 400 and its errors,
and nothing is sent. Each family's `build` turns the checked values into replies, radio
commands and the state items set at once (none where the device's report is the truth).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from radio.commands import DeviceTarget, RadioCommand, Target, WriteAttributes, ZclCommand

from .changes import LightState
from .errors import ApiError, success
from .plan import Plan
from .resource import device_target, is_reachable, sub
from .validate import Invalid

Validator = Callable[[Any], Any]


@dataclass(slots=True)
class Outcome:
    """One request's replies, commands and optimistic state, built in order."""

    target: Target
    path: str
    responses: list[dict[str, Any]] = field(default_factory=list)
    commands: list[RadioCommand] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def ok(self, param: str, value: Any, **state: Any) -> None:
        self.responses.append(success(f"{self.path}/{param}", value))
        self.state.update(state)

    def zcl(self, cluster: int, command: str, **args: Any) -> None:
        self.commands.append(ZclCommand(self.target, cluster, command, args))

    def write(self, cluster: int, attributes: dict[str | int, Any]) -> None:
        """Attribute writes are unicast only (a ZCL write cannot be groupcast)."""
        if not isinstance(self.target, DeviceTarget):
            raise ValueError(f"cannot write attributes to {self.target!r}")
        self.commands.append(WriteAttributes(self.target, cluster, attributes))


Build = Callable[[Outcome, Mapping[str, Any], Mapping[str, Any]], None]
"""`build(outcome, values, state)`: the checked values → replies, commands, state."""


@dataclass(frozen=True, slots=True)
class Strict:
    """deCONZ's all-or-nothing handlers: `missing` is their "missing parameter" text, and
    `invalid_at_param` whether an invalid value's error names the parameter's path (locks,
    sirens) or the state path (coverings)."""

    missing: str
    invalid_at_param: bool = True


@dataclass(frozen=True, slots=True)
class FamilyParams:
    """The parameters one family takes: their validators, which of them need a `state` key
    to be offered (tilt only on a covering that tilts), which ask for an action, and which
    need another one in the same body (`companions`: a siren's `ontime` needs `alert`)."""

    validators: Mapping[str, Validator]
    actions: frozenset[str]
    needs: Mapping[str, str] = field(default_factory=dict)
    build: Build | None = None
    strict: Strict | None = None
    companions: Mapping[str, str] = field(default_factory=dict)

    def offered(self, key: str, state: Mapping[str, Any]) -> bool:
        return key in self.validators and (key not in self.needs or self.needs[key] in state)


def parse(
    path: str, state: Mapping[str, Any], body: Mapping[str, Any], params: FamilyParams
) -> tuple[dict[str, Any], list[ApiError]]:
    """The valid values and the errors, in sorted key order (deCONZ's)."""
    strict = params.strict
    values: dict[str, Any] = {}
    errors: list[ApiError] = []
    for key in sorted(body):
        address, value = f"{path}/{key}", body[key]
        if not params.offered(key, state):
            errors.append(ApiError.parameter_not_available(path if strict else address, key))
            continue
        try:
            values[key] = params.validators[key](value)
        except Invalid:
            at_param = strict is None or strict.invalid_at_param
            errors.append(ApiError.invalid_value(address if at_param else path, key, value))
    for key, needed in params.companions.items():
        if values.get(key) and needed not in body:
            errors.append(ApiError.missing_companion(path, needed, key))
    asks = any(key in params.actions for key in body if params.offered(key, state))
    if not asks and not (strict and errors):
        missing = strict.missing if strict else "missing parameter to set light state"
        errors.append(ApiError.missing_parameters(path, missing))
    return values, errors


def plan_family_state(
    light_id: str, light: Mapping[str, Any], body: Any, params: FamilyParams
) -> Plan:
    """Plan `PUT /lights/<light_id>/state` for a light of a family (its deCONZ JSON)."""
    path = f"/lights/{light_id}/state"
    if not is_reachable(light):
        return Plan(responses=[ApiError.not_reachable(path).to_dict()])
    if not isinstance(body, Mapping) or not body:
        return Plan.rejected(ApiError.invalid_json(path))
    state = sub(light, "state")
    values, errors = parse(path, state, body, params)
    plan = Plan(responses=[error.to_dict() for error in errors])
    if errors and params.strict:
        plan.status = 400
        return plan
    if not values or params.build is None:
        return plan
    outcome = Outcome(device_target(light), path)
    params.build(outcome, values, state)
    plan.responses.extend(outcome.responses)
    plan.commands.extend(outcome.commands)
    if optimistic := {k: v for k, v in outcome.state.items() if k in state}:
        plan.change(LightState(light_id, optimistic))
    return plan
