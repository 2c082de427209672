"""`PUT /lights/<id>/state` for the light families that are not lamps, and what their
planners share.

A covering, lock, fan or siren takes its own few parameters, answered like a lamp's: every
parameter is checked first in sorted key order (unknown or not offered by this device:
error 6, bad value: error 7, HTTP 200 with the valid ones still carried out), a body with
no parameter that asks for something is error 5, and an unreachable device gets a single
error 202 with nothing sent. Each family's `build` turns the checked values into replies,
radio commands and the state items deCONZ sets at once (empty where the device's own
report is the only truth, as for a covering that takes seconds to move).
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
class FamilyParams:
    """The parameters one family takes: their validators, which of them need a `state` key
    to be offered (tilt only on a covering that tilts), and which ask for an action."""

    validators: Mapping[str, Validator]
    actions: frozenset[str]
    needs: Mapping[str, str] = field(default_factory=dict)
    build: Build | None = None

    def offered(self, key: str, state: Mapping[str, Any]) -> bool:
        return key in self.validators and (key not in self.needs or self.needs[key] in state)


def parse(
    path: str, state: Mapping[str, Any], body: Mapping[str, Any], params: FamilyParams
) -> tuple[dict[str, Any], list[ApiError]]:
    """The valid values and the errors, in sorted key order (deCONZ's)."""
    values: dict[str, Any] = {}
    errors: list[ApiError] = []
    for key in sorted(body):
        address, value = f"{path}/{key}", body[key]
        if not params.offered(key, state):
            errors.append(ApiError.parameter_not_available(address, key))
            continue
        try:
            values[key] = params.validators[key](value)
        except Invalid:
            errors.append(ApiError.invalid_value(address, key, value))
    if not any(key in params.actions for key in body if params.offered(key, state)):
        errors.append(ApiError.missing_parameters(path, "missing parameter to set light state"))
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
    if not values or params.build is None:
        return plan
    outcome = Outcome(device_target(light), path)
    params.build(outcome, values, state)
    plan.responses.extend(outcome.responses)
    plan.commands.extend(outcome.commands)
    if optimistic := {k: v for k, v in outcome.state.items() if k in state}:
        plan.change(LightState(light_id, optimistic))
    return plan
