"""A simulated ceiling fan: a Fan Control endpoint whose FanMode is written to change speed
(ZCL has no fan commands) and reported back."""

from __future__ import annotations

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl.clusters.general import Basic, Groups, Identify, Ota
from zigpy.zcl.clusters.hvac import Fan

from .catalogue import MANUFACTURER, basic
from .device import SimDevice
from .endpoint import SimEndpoint

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
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        FAN_DEVICE_TYPE,
        in_clusters={
            Basic: basic(model, mains=True, manufacturer=manufacturer),
            Identify: {"identify_time": 0},
            Groups: {"name_support": Groups.NameSupport.Supported},
            Fan: {
                "fan_mode": mode,
                "fan_mode_sequence": Fan.FanModeSequence.Low_Med_High_Auto,
            },
        },
        out_clusters=[Ota],
    )
    return SimDevice(ieee, nwk, [endpoint], router=True, name=name)
