"""Simulated air and soil sensors: a PM2.5 monitor and a soil moisture probe.

Values are raw ZCL: PM2.5 as a float in µg/m³, soil moisture in 0.01 %. The demo driver
makes them drift (`radio.sim.demo`); configured reporting sends changes on its own.
"""

from __future__ import annotations

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl.clusters.general import Basic, Identify, Ota, PowerConfiguration
from zigpy.zcl.clusters.measurement import PM25, SoilMoisture

from .catalogue import MANUFACTURER, basic, battery
from .device import SimDevice
from .endpoint import SimEndpoint


def pm25_monitor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-PM1",
    manufacturer: str = MANUFACTURER,
    pm25: float = 8.0,
) -> SimDevice:
    """A mains-powered particulate matter monitor (router), HA simple sensor 0x000C."""
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        zha.DeviceType.SIMPLE_SENSOR,
        in_clusters={
            Basic: basic(model, mains=True, manufacturer=manufacturer),
            Identify: {"identify_time": 0},
            PM25: {
                "measured_value": pm25,
                "min_measured_value": 0.0,
                "max_measured_value": 999.0,
                "tolerance": 1.0,
            },
        },
        out_clusters=[Ota],
    )
    return SimDevice(ieee, nwk, [endpoint], router=True, name=name)


def soil_moisture_sensor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-SM1",
    manufacturer: str = MANUFACTURER,
    moisture: float = 42.0,
) -> SimDevice:
    """A battery soil probe: moisture in 0.01 %."""
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        zha.DeviceType.SIMPLE_SENSOR,
        in_clusters={
            Basic: basic(model, mains=False, manufacturer=manufacturer),
            PowerConfiguration: battery(percent=90),
            Identify: {"identify_time": 0},
            SoilMoisture: {
                "measured_value": round(moisture * 100),
                "min_measured_value": 0,
                "max_measured_value": 10000,
                "tolerance": 100,
            },
        },
    )
    return SimDevice(ieee, nwk, [endpoint], router=False, name=name)
