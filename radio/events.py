"""Typed events the radio layer emits upward.

These dataclasses are the whole contract between `radio` and `gateway`: the gateway never
touches zigpy objects. Values are plain Python (int, float, bool, str, None); ZCL enums and
bitmaps arrive as their integer value. IEEE addresses are lowercase colon-separated strings,
the form zigpy prints (`00:15:8d:00:02:aa:bb:cc`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PowerSource(StrEnum):
    MAINS = "mains"
    BATTERY = "battery"
    UNKNOWN = "unknown"


class LogicalType(StrEnum):
    COORDINATOR = "coordinator"
    ROUTER = "router"
    END_DEVICE = "end_device"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class EndpointInfo:
    id: int
    profile_id: int
    device_type: int
    in_clusters: tuple[int, ...]
    out_clusters: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    ieee: str
    nwk: int
    manufacturer: str | None
    model: str | None
    power_source: PowerSource
    logical_type: LogicalType
    endpoints: tuple[EndpointInfo, ...]
    sw_build: str | None = None
    last_seen: float | None = None  # epoch seconds of the last frame zigpy recorded
    # Attribute values zigpy already had cached, keyed (endpoint, cluster, attribute id).
    # Lets the gateway build a resource with real state after a restart, before any report.
    cached: dict[tuple[int, int, int], Any] = field(default_factory=dict)
    # When zigpy stored each cached value (epoch seconds; zigpy rewrites an unchanged value
    # at most every 30 s), so a restored sensor's `lastupdated` is its last report's time.
    cached_at: dict[tuple[int, int, int], float] = field(default_factory=dict)


def _now() -> float:
    return time.time()


@dataclass(frozen=True, slots=True)
class NetworkUp:
    """The radio formed or resumed the network and is ready for commands."""

    ieee: str
    pan_id: int
    extended_pan_id: str
    channel: int
    radio_type: str
    firmware: str | None = None
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class NetworkDown:
    """The coordinator is unreachable; the radio layer is reconnecting."""

    reason: str
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class DeviceJoined:
    ieee: str
    nwk: int
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class DeviceInitialized:
    """A device is fully known. `restored` is true for devices loaded from the database at
    start-up (zigpy fires no event for those), false for a fresh interview."""

    device: DeviceInfo
    restored: bool = False
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class InterviewFailed:
    """zigpy could not interview a device that joined (or re-interview one on request): it
    is in the network, but what it is stays unknown until a re-interview succeeds."""

    ieee: str
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class DeviceAnnounced:
    """ZDO Device_annce: the device (re)joined or power-cycled."""

    ieee: str
    nwk: int
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class DeviceLeft:
    ieee: str
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class DeviceRemoved:
    ieee: str
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class AttributeReport:
    """An attribute value received from a device: a report, or the answer to a read."""

    ieee: str
    endpoint: int
    cluster: int
    attribute: int
    attribute_name: str | None
    value: Any
    read: bool = False
    timestamp: float = field(default_factory=_now)
    more: bool = False
    """Another attribute of the same report frame follows: the gateway publishes the
    resource once, after the frame's last attribute (one event per report, as deCONZ)."""


@dataclass(frozen=True, slots=True)
class ClusterCommand:
    """A cluster command a device sent (a remote's button, an IAS zone notification).

    `cluster` is the cluster the frame travelled on; `group` is the destination group when
    the device sent it as a groupcast, else None.
    """

    ieee: str
    endpoint: int
    cluster: int
    command: int
    command_name: str
    args: dict[str, Any]
    group: int | None = None
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class AvailabilityChanged:
    ieee: str
    available: bool
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class DeviceSeen:
    """Something was received from the device; emitted at most every `SEEN_INTERVAL` s."""

    ieee: str
    lqi: int | None = None
    rssi: int | None = None
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class PermitJoinChanged:
    seconds: int
    timestamp: float = field(default_factory=_now)


@dataclass(frozen=True, slots=True)
class StoredDevicesLoaded:
    """Every device zigpy knew from its database has been announced (`restored=True`):
    from now on the gateway's resources are all there, even while the stick still starts."""

    count: int
    timestamp: float = field(default_factory=_now)


RadioEvent = (
    NetworkUp
    | NetworkDown
    | DeviceJoined
    | DeviceInitialized
    | InterviewFailed
    | DeviceAnnounced
    | DeviceLeft
    | DeviceRemoved
    | AttributeReport
    | ClusterCommand
    | AvailabilityChanged
    | DeviceSeen
    | PermitJoinChanged
    | StoredDevicesLoaded
)
