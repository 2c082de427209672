"""Typed commands the gateway hands to the radio layer (`Radio.execute`).

Commands name ZCL clusters and commands by id and name as zigpy defines them
(`on_off`/`on`, `level`/`move_to_level_with_on_off`, `scenes`/`recall`, ...); zigpy encodes
the frames. A command addressed to a group travels as one APS groupcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class DeviceTarget:
    ieee: str
    endpoint: int


@dataclass(frozen=True, slots=True)
class GroupTarget:
    group: int


Target = DeviceTarget | GroupTarget


@dataclass(frozen=True, slots=True)
class ZclCommand:
    """A cluster-specific command (On/Off, Level, Color, Scenes, Identify, ...)."""

    target: Target
    cluster: int
    command: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SceneColour:
    """A scene's Color extension fields in ZCL units: CurrentX/Y, EnhancedCurrentHue and
    CurrentSaturation (a ct scene travels as its xy point, as deCONZ stores it)."""

    x: int
    y: int
    enhanced_hue: int = 0
    saturation: int = 0


@dataclass(frozen=True, slots=True)
class AddScene:
    """Scenes Add with extension field sets: what one light restores when the scene is
    recalled. `transition` is in tenths of a second; the radio sends Add when it is whole
    seconds and Enhanced Add otherwise. No `level`/`colour`: the light has no such cluster.
    """

    target: DeviceTarget
    group: int
    scene_id: int
    transition: int
    on: bool
    level: int | None = None
    colour: SceneColour | None = None


@dataclass(frozen=True, slots=True)
class ReadAttributes:
    target: DeviceTarget
    cluster: int
    attributes: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class WriteAttributes:
    target: DeviceTarget
    cluster: int
    attributes: dict[str | int, Any]


@dataclass(frozen=True, slots=True)
class AddToGroup:
    target: DeviceTarget
    group: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class RemoveFromGroup:
    target: DeviceTarget
    group: int


@dataclass(frozen=True, slots=True)
class SubscribeGroup:
    """Make the coordinator receive a group's groupcasts (a remote talking to group 5).
    EmberZNet passes up only groups in its multicast table; other sticks take every one."""

    group: int
    subscribe: bool = True


@dataclass(frozen=True, slots=True)
class PermitJoin:
    seconds: int
    via: str | None = None  # IEEE of a router to open through, None for the whole network


@dataclass(frozen=True, slots=True)
class RemoveDevice:
    ieee: str


@dataclass(frozen=True, slots=True)
class Reinterview:
    """Interview a device again (its endpoints, clusters, model), e.g. after a first
    interview that failed. Answered once it has started; the outcome arrives as a
    `DeviceInitialized` (restored=False) or an `InterviewFailed` event."""

    ieee: str


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What came back. `status` is the ZCL/ZDO status name ("SUCCESS", "UNSUP_CLUSTER_COMMAND",
    ...) or "DELIVERY_FAILED"/"TIMEOUT"; `values` holds attribute values for a read."""

    ok: bool
    status: str = "SUCCESS"
    values: dict[str | int, Any] = field(default_factory=dict)


RadioCommand = (
    ZclCommand
    | AddScene
    | ReadAttributes
    | WriteAttributes
    | AddToGroup
    | RemoveFromGroup
    | SubscribeGroup
    | PermitJoin
    | RemoveDevice
    | Reinterview
)


class RadioError(Exception):
    """The command could not be carried out; the message says why in plain words."""


class NetworkNotReady(RadioError):
    """The coordinator is not connected (maps to deCONZ error 950)."""


class UnknownDevice(RadioError):
    pass
