"""What became of a request's Zigbee commands, told after the reply.

deCONZ answers a write before the device has it, so REST cannot say whether a light ever
switched. A transport that can speak later (websocket v1's `command_update`, after
DeviceHive's command/update) sets `Request.on_outcome`: the reply then comes without
waiting for the radio, and the callback gets one `CommandReport` once every command of the
plan has been delivered, refused or has timed out.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.core.values import group_id
from radio import commands as cmd

LOGGER = logging.getLogger("gateway")

DELIVERED, FAILED, TIMEOUT = "delivered", "failed", "timeout"
CANCELLED = "CANCELLED"  # the detail of a command the gateway stopped before sending it
INTERNAL_ERROR = "INTERNAL_ERROR"  # ... and of one a bug kept from being sent (logged)


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """One command: the resource path it was for (`/lights/1`, `/groups/3`, else
    `<ieee>-<endpoint>`), its name (`on`, `write_attributes`), `delivered`, `failed` or
    `timeout`, and the status name the radio gave (SUCCESS, DELIVERY_FAILED, ...)."""

    target: str
    command: str
    status: str
    detail: str


@dataclass(frozen=True, slots=True)
class CommandReport:
    """Every command of one plan, in the order they were sent."""

    outcomes: tuple[CommandOutcome, ...]

    @property
    def status(self) -> str:
        """The worst of them: a timeout says more than a failure (the device may have it)."""
        statuses = {outcome.status for outcome in self.outcomes}
        if TIMEOUT in statuses:
            return TIMEOUT
        return FAILED if FAILED in statuses else DELIVERED


OnOutcome = Callable[[CommandReport], None]


@dataclass(slots=True)
class OutcomeWatch:
    """A request's callback and the gate that holds its report back until the request has
    been answered, so a client always hears the reply before the outcome."""

    callback: OnOutcome
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    def deliver(self, report: CommandReport) -> None:
        """A callback that raises is the transport's bug: logged, never passed on."""
        try:
            self.callback(report)
        except Exception:
            LOGGER.exception("The command outcome callback failed")


def command_name(command: cmd.RadioCommand) -> str:
    """The ZCL command's own name, or the operation's (`write_attributes`, `add_scene`)."""
    if isinstance(command, cmd.ZclCommand):
        return command.command
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(command).__name__).lower()


def target_path(
    command: cmd.RadioCommand,
    address: str,
    lights: Mapping[str, Any],
    sensors: Mapping[str, Any],
) -> str:
    """The resource a command is for, as a REST path. Commands to no device or group
    (permit join, removing a device) are for the resource the request named (`address`)."""
    target = getattr(command, "target", None)
    if isinstance(command, cmd.SubscribeGroup):
        return f"/groups/{group_id(command.group)}"
    if isinstance(target, cmd.GroupTarget):
        return f"/groups/{group_id(target.group)}"
    if not isinstance(target, cmd.DeviceTarget):
        return address
    for light in lights.values():
        if light.ieee == target.ieee and light.endpoint == target.endpoint:
            return f"/lights/{light.id}"
    cluster = getattr(command, "cluster", None)
    on_endpoint = [
        s for s in sensors.values() if s.ieee == target.ieee and s.endpoint == target.endpoint
    ]
    for sensor in sorted(on_endpoint, key=lambda s: s.cluster != cluster):
        return f"/sensors/{sensor.id}"
    return f"{target.ieee}-{target.endpoint}"


def outcome(target: str, command: cmd.RadioCommand, result: cmd.CommandResult) -> CommandOutcome:
    return CommandOutcome(target, command_name(command), _status(result), result.status)


def _status(result: cmd.CommandResult) -> str:
    if result.ok:
        return DELIVERED
    return TIMEOUT if result.status == "TIMEOUT" else FAILED


def report(
    commands: Sequence[cmd.RadioCommand],
    targets: Sequence[str],
    results: Sequence[cmd.CommandResult],
) -> CommandReport:
    """Each command's outcome; one without a result was never sent (CANCELLED)."""
    unsent = cmd.CommandResult(ok=False, status=CANCELLED)
    return CommandReport(
        tuple(
            outcome(target, command, results[i] if i < len(results) else unsent)
            for i, (command, target) in enumerate(zip(commands, targets, strict=True))
        )
    )
