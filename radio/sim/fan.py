"""A simulated ceiling fan: a Fan Control endpoint whose FanMode is written to change speed
(ZCL has no fan commands) and reported back."""

from __future__ import annotations

import zigpy.types as t
from zigpy.zcl.clusters.general import Groups
from zigpy.zcl.clusters.hvac import Fan

from .catalogue import MANUFACTURER
from .device import SimDevice
from .single import single_endpoint_device

FAN_DEVICE_TYPE = 0x000E  # deCONZ's "Fan" device id


def ceiling_fan(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-FAN1",
    manufacturer: str = MANUFACTURER,
    mode: Fan.FanMode = Fan.FanMode.Off,
) -> SimDevice:
    """A mains fan controller offering off, low, medium, high, on and auto."""
    return single_endpoint_device(
        SimDevice,
        ieee,
        nwk,
        device_type=FAN_DEVICE_TYPE,
        model=model,
        manufacturer=manufacturer,
        mains=True,
        name=name,
        clusters={
            Groups: {"name_support": Groups.NameSupport.Supported},
            Fan: {"fan_mode": mode, "fan_mode_sequence": Fan.FanModeSequence.Low_Med_High_Auto},
        },
    )
