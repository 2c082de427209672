"""Air and soil measurement clusters → the deCONZ sensors pydeconz 115 knows for them.

- PM2.5 (0x042A) → `ZHAParticulateMatter`: `state.measured_value` in µg/m³ (ZCL sends a
  float; deCONZ publishes a whole number) with its unit and range in
  `capabilities.measured_value`, as deCONZ's generic PM2.5 item does.
- Soil moisture (0x0408) → `ZHAMoisture`: `state.moisture` in 0.01 % (MeasuredValue as
  is, like humidity) plus `config.offset`, clamped to 0..10000.

CO2 (0x040D) and formaldehyde (0x042B) are left out on purpose: deCONZ shows them as
`ZHACarbonDioxide` / `ZHAFormaldehyde`, which pydeconz 115 does not know (Home Assistant
would log them as unsupported device types).
"""

from __future__ import annotations

import math
from typing import Any

from radio.events import EndpointInfo

from . import zcl
from .resources import Sensor
from .sensors import Changes, Reader, SensorSpec

PM25_MAX = 999
MOISTURE_MAX = 10000


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

SPECS = {s.cluster: s for s in (PARTICULATE_MATTER, MOISTURE)}


def spec_for(_ep: EndpointInfo, cluster: int) -> SensorSpec | None:
    return SPECS.get(cluster)
