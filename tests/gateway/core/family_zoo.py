"""Devices of the light families that are not lamps, as zigpy describes them after their
interview: a roller blind, a venetian blind, a door lock, a ceiling fan and a siren."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core_zoo import HA

from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource

BLIND_IEEE = "00:12:4b:00:1c:aa:01:01"
VENETIAN_IEEE = "00:12:4b:00:1c:aa:01:02"
LOCK_IEEE = "00:0d:6f:00:0f:aa:02:01"
FAN_IEEE = "00:0d:6f:00:0f:aa:03:01"
SIREN_IEEE = "00:12:4b:00:1c:aa:04:01"

Cache = Mapping[tuple[int, int, int], Any]


def _device(
    ieee: str, nwk: int, model: str, ep: EndpointInfo, cached: Cache, *, battery: bool = False
) -> DeviceInfo:
    return DeviceInfo(
        ieee,
        nwk,
        "zigbridge-test",
        model,
        PowerSource.BATTERY if battery else PowerSource.MAINS,
        LogicalType.END_DEVICE if battery else LogicalType.ROUTER,
        (ep,),
        cached=dict(cached),
    )


def roller_blind(cached: Cache | None = None) -> DeviceInfo:
    """A roller shade (WindowCoveringType 0): lift only, 30 % closed."""
    ep = EndpointInfo(1, HA, 0x0202, (0x0000, 0x0003, 0x0004, 0x0005, 0x0102), (0x0019,))
    return _device(
        BLIND_IEEE, 0x1C01, "BLIND-1", ep, {(1, 0x0102, 0x0000): 0, (1, 0x0102, 0x0008): 30,
                                            **(cached or {})}
    )  # fmt: skip


def venetian_blind(cached: Cache | None = None) -> DeviceInfo:
    """A tilt blind with lift and tilt (WindowCoveringType 8), fully open."""
    ep = EndpointInfo(1, HA, 0x0202, (0x0000, 0x0003, 0x0102), ())
    cache = {(1, 0x0102, 0x0000): 8, (1, 0x0102, 0x0008): 0, (1, 0x0102, 0x0009): 45}
    return _device(VENETIAN_IEEE, 0x1C02, "BLIND-2", ep, {**cache, **(cached or {})})


def door_lock(cached: Cache | None = None) -> DeviceInfo:
    """A battery deadbolt (HA Door Lock 0x000A), locked, door closed."""
    ep = EndpointInfo(1, HA, 0x000A, (0x0000, 0x0001, 0x0003, 0x0101), (0x0019,))
    cache = {(1, 0x0101, 0x0000): 1, (1, 0x0101, 0x0003): 1, (1, 0x0001, 0x0021): 180}
    return _device(LOCK_IEEE, 0x0F01, "LOCK-1", ep, {**cache, **(cached or {})}, battery=True)


def ceiling_fan(cached: Cache | None = None) -> DeviceInfo:
    """A fan controller (HA device id 0x000E) at medium speed (FanMode 2)."""
    ep = EndpointInfo(1, HA, 0x000E, (0x0000, 0x0003, 0x0202), ())
    return _device(FAN_IEEE, 0x0F02, "FAN-1", ep, {(1, 0x0202, 0x0000): 2, **(cached or {})})


def siren(cached: Cache | None = None) -> DeviceInfo:
    """A mains siren (HA IAS Warning Device 0x0403)."""
    ep = EndpointInfo(1, HA, 0x0403, (0x0000, 0x0003, 0x0502), ())
    return _device(SIREN_IEEE, 0x1C04, "SIREN-1", ep, {(1, 0x0502, 0x0000): 240,
                                                       **(cached or {})})  # fmt: skip
