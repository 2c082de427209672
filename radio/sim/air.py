"""Simulated air and soil sensors: PM2.5, CO2 and VOC monitors and a soil moisture probe.

Values are raw ZCL: PM2.5 as a float in µg/m³, CO2 as a fraction of one (0.0004 is
400 ppm), VOC as an Analog Input's PresentValue in ppb (EngineeringUnits 96), soil
moisture in 0.01 %. The demo driver
makes them drift (`radio.sim.demo`); configured reporting sends changes on its own.
"""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl import Cluster
from zigpy.zcl.clusters.general import AnalogInput, Basic, Identify, Ota, PowerConfiguration
from zigpy.zcl.clusters.measurement import PM25, CarbonDioxideConcentration, SoilMoisture

from .catalogue import MANUFACTURER, basic, battery
from .device import SimDevice
from .endpoint import SimEndpoint


def _measuring_device(
    ieee: t.EUI64 | str,
    nwk: int,
    name: str | None,
    model: str,
    manufacturer: str,
    *,
    mains: bool,
    measurement: type[Cluster],
    values: dict[str, Any],
) -> SimDevice:
    """One HA simple-sensor endpoint (0x000C) with one measurement cluster: a mains device
    is a router, a battery one an end device with Power Configuration."""
    clusters: dict[type[Cluster], dict[str, Any]] = {
        Basic: basic(model, mains=mains, manufacturer=manufacturer),
        Identify: {"identify_time": 0},
    }
    if not mains:
        clusters[PowerConfiguration] = battery(percent=90)
    clusters[measurement] = values
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        zha.DeviceType.SIMPLE_SENSOR,
        in_clusters=clusters,
        out_clusters=[Ota] if mains else [],
    )
    return SimDevice(ieee, nwk, [endpoint], router=mains, name=name)


def pm25_monitor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-PM1",
    manufacturer: str = MANUFACTURER,
    pm25: float = 8.0,
) -> SimDevice:
    """A mains-powered particulate matter monitor (a router)."""
    values = {"measured_value": pm25, "min_measured_value": 0.0, "max_measured_value": 999.0}
    return _measuring_device(
        ieee, nwk, name, model, manufacturer, mains=True, measurement=PM25, values=values
    )


def co2_monitor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-CO2",
    manufacturer: str = MANUFACTURER,
    ppm: float = 620.0,
) -> SimDevice:
    """A mains-powered (USB) indoor CO2 monitor, a router; ZCL sends ppm as a fraction."""
    values = {"measured_value": ppm / 1e6, "min_measured_value": 0.0, "max_measured_value": 0.01}
    return _measuring_device(
        ieee,
        nwk,
        name,
        model,
        manufacturer,
        mains=True,
        measurement=CarbonDioxideConcentration,
        values=values,
    )


UNITS_PPB = 96  # BACnet engineering unit: parts per billion


def voc_monitor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-VOC",
    manufacturer: str = MANUFACTURER,
    ppb: float = 180.0,
) -> SimDevice:
    """A mains-powered VOC monitor, a router: no ZCL cluster is meant for VOC, so like
    real ones it reports on an Analog Input whose unit says parts per billion."""
    values = {"present_value": ppb, "engineering_units": UNITS_PPB, "description": "VOC"}
    return _measuring_device(
        ieee, nwk, name, model, manufacturer, mains=True, measurement=AnalogInput, values=values
    )


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
    values = {
        "measured_value": round(moisture * 100),
        "min_measured_value": 0,
        "max_measured_value": 10000,
    }
    return _measuring_device(
        ieee, nwk, name, model, manufacturer, mains=False, measurement=SoilMoisture, values=values
    )
