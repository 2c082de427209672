"""Air and soil measurement clusters → the deCONZ sensors pydeconz 115 knows for them.

- PM2.5 (0x042A) → `ZHAParticulateMatter`: `state.measured_value` in µg/m³ (ZCL sends a
  float; deCONZ publishes a whole number) with its unit and range in
  `capabilities.measured_value`, as deCONZ's generic PM2.5 item does.
- Soil moisture (0x0408) → `ZHAMoisture`: `state.moisture` in 0.01 % (MeasuredValue as
  is, like humidity) plus `config.offset`, clamped to 0..10000.

- CO2 (0x040D) and formaldehyde (0x042B) → one `ZHAAirQuality` per endpoint carrying
  `state.airquality_co2_density` (ppm) and/or `state.airquality_formaldehyde_density`
  (µg/m³), the keys pydeconz 115 reads (deCONZ's own `ZHACarbonDioxide` /
  `ZHAFormaldehyde` types are unknown to it). ZCL sends both as a fraction of one.
- VOC has no cluster of its own: an Analog Input (0x000C) whose EngineeringUnits (read at
  join) is 96, parts per billion, gives `state.airqualityppb` and the `airquality` word,
  in the endpoint's CO2/formaldehyde sensor if it has one, else in a ZHAAirQuality of its own.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

from radio.events import EndpointInfo

from . import zcl
from .resources import Sensor
from .sensors import Changes, DeviceReader, Reader, SensorSpec, SpecFinder

PM25_MAX = 999
MOISTURE_MAX = 10000
# Formaldehyde: a volume fraction → µg/m³ at 25 °C and 1 atm (molar volume 24.45 L/mol)
CH2O_MOLAR_MASS = 30.026  # g/mol
MOLAR_VOLUME = 24.45  # L/mol
UNITS_PPB = 96  # BACnet engineering unit "parts per billion"
VOC_WORDS = (
    (65, "excellent"),
    (220, "good"),
    (660, "moderate"),
    (2200, "poor"),
    (5500, "unhealthy"),
)
"""deCONZ's `airquality` word: the first whose upper bound (ppb) the reading does not pass."""


def _fraction(read: Reader, cluster: int) -> float | None:
    """A concentration cluster's MeasuredValue (fraction of one); NaN or < 0 is no reading."""
    raw = read(cluster, zcl.ATTR_MEASURED_VALUE)
    if raw is None or not math.isfinite(float(raw)) or float(raw) < 0:
        return None
    return float(raw)


def _co2(_sensor: Sensor, read: Reader) -> Changes | None:
    if (fraction := _fraction(read, zcl.CO2)) is None:
        return None
    return {"state": {"airquality_co2_density": round(fraction * 1e6)}}


def _formaldehyde(_sensor: Sensor, read: Reader) -> Changes | None:
    if (fraction := _fraction(read, zcl.FORMALDEHYDE)) is None:
        return None
    density = fraction * 1e9 * CH2O_MOLAR_MASS / MOLAR_VOLUME  # ppb * g/mol / (L/mol)
    return {"state": {"airquality_formaldehyde_density": round(density)}}


def voc_word(ppb: int) -> str:
    return next((word for bound, word in VOC_WORDS if ppb <= bound), "out of scale")


def _voc(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.ANALOG_INPUT, zcl.ATTR_PRESENT_VALUE)
    if raw is None or not math.isfinite(float(raw)) or float(raw) < 0:
        return None
    ppb = round(float(raw))
    return {"state": {"airquality": voc_word(ppb), "airqualityppb": ppb}}


def _pm25(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.PM25, zcl.ATTR_MEASURED_VALUE)
    if raw is None or not math.isfinite(float(raw)) or float(raw) < 0:
        return None
    return {"state": {"measured_value": min(round(float(raw)), PM25_MAX)}}


def _moisture(sensor: Sensor, read: Reader) -> Changes | None:
    raw: Any = read(zcl.SOIL_MOISTURE, zcl.ATTR_MEASURED_VALUE)
    if raw is None or int(raw) == 0xFFFF:
        return None
    value = int(raw) + int(sensor.config.get("offset") or 0)
    return {"state": {"moisture": min(max(value, 0), MOISTURE_MAX)}}


PARTICULATE_MATTER = SensorSpec(
    "ZHAParticulateMatter",
    zcl.PM25,
    {"measured_value": None},
    attributes={zcl.ATTR_MEASURED_VALUE: _pm25},
    capabilities={
        "measured_value": {
            "max": PM25_MAX,
            "min": 0,
            "quantity": "density",
            "substance": "PM2.5",
            "unit": "ug/m^3",
        }
    },
)
MOISTURE = SensorSpec(
    "ZHAMoisture",
    zcl.SOIL_MOISTURE,
    {"moisture": None},
    {"offset": 0},
    {zcl.ATTR_MEASURED_VALUE: _moisture},
)

_CO2_STATE = {"airquality_co2_density": None}
_CH2O_STATE = {"airquality_formaldehyde_density": None}
CO2_AIR_QUALITY = SensorSpec(
    "ZHAAirQuality", zcl.CO2, _CO2_STATE, attributes={zcl.ATTR_MEASURED_VALUE: _co2}
)
FORMALDEHYDE_AIR_QUALITY = SensorSpec(
    "ZHAAirQuality",
    zcl.FORMALDEHYDE,
    _CH2O_STATE,
    attributes={zcl.ATTR_MEASURED_VALUE: _formaldehyde},
)
CO2_AND_FORMALDEHYDE = SensorSpec(
    "ZHAAirQuality",
    zcl.CO2,
    {**_CO2_STATE, **_CH2O_STATE},
    attributes={zcl.ATTR_MEASURED_VALUE: _co2},
    other={zcl.FORMALDEHYDE: {zcl.ATTR_MEASURED_VALUE: _formaldehyde}},
)

SPECS = {s.cluster: s for s in (PARTICULATE_MATTER, MOISTURE, CO2_AIR_QUALITY)}
SPECS[zcl.FORMALDEHYDE] = FORMALDEHYDE_AIR_QUALITY


def spec_for(ep: EndpointInfo, cluster: int) -> SensorSpec | None:
    """CO2 and formaldehyde on one endpoint share one sensor, named after the CO2 cluster."""
    if zcl.CO2 in ep.in_clusters and zcl.FORMALDEHYDE in ep.in_clusters:
        if cluster == zcl.CO2:
            return CO2_AND_FORMALDEHYDE
        if cluster == zcl.FORMALDEHYDE:
            return None
    return SPECS.get(cluster)


_VOC_STATE = {"airquality": None, "airqualityppb": None}
_VOC_COMPUTES = {zcl.ATTR_PRESENT_VALUE: _voc}
VOC_AIR_QUALITY = SensorSpec(
    "ZHAAirQuality", zcl.ANALOG_INPUT, _VOC_STATE, attributes=_VOC_COMPUTES
)


@cache
def _plus_voc(spec: SensorSpec) -> SensorSpec:
    """A CO2/formaldehyde row that also carries VOC (cached: rows stay singletons)."""
    return SensorSpec(
        spec.type,
        spec.cluster,
        {**spec.state, **_VOC_STATE},
        attributes=spec.attributes,
        other={**spec.other, zcl.ANALOG_INPUT: _VOC_COMPUTES},
    )


def with_voc(read: DeviceReader, base: SpecFinder) -> SpecFinder:
    """`base`, with an endpoint's Analog Input in ppb read as VOC (merged into its
    CO2/formaldehyde sensor when it has one); any other unit maps nothing."""

    def find(ep: EndpointInfo, cluster: int) -> SensorSpec | None:
        spec = base(ep, cluster)
        if zcl.ANALOG_INPUT not in ep.in_clusters:
            return spec
        if read(ep.id, zcl.ANALOG_INPUT, zcl.ATTR_ENGINEERING_UNITS) != UNITS_PPB:
            return spec
        merged = zcl.CO2 in ep.in_clusters or zcl.FORMALDEHYDE in ep.in_clusters
        if cluster == zcl.ANALOG_INPUT:
            return None if merged else VOC_AIR_QUALITY
        if spec in (CO2_AIR_QUALITY, FORMALDEHYDE_AIR_QUALITY, CO2_AND_FORMALDEHYDE):
            return _plus_voc(spec)
        return spec

    return find
