"""Thermostat cluster (0x0201) → a deCONZ `ZHAThermostat` sensor.

What deCONZ shows of a standard thermostat: `state.temperature` (LocalTemperature, already
0.01 °C), `state.valve` (PIHeatingDemand, %), `state.on` (heating or cooling: RunningState
not zero, or, for a device that does not report it, a valve open more than 3 %), and the
settings `config.heatsetpoint` (0.01 °C), `config.mode` (SystemMode by name) and
`config.offset` (LocalTemperatureCalibration, 0.1 °C on the device, 0.01 °C here). With a
Thermostat User Interface cluster (0x0204) the keypad lock is `config.locked`.

The device applies its calibration itself and reports the corrected temperature, so a
changed `offset` is written to it and never added to the reading here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.events import EndpointInfo

from . import zcl
from .resources import Sensor
from .sensors import Changes, Reader, SensorSpec

SYSTEM_MODES: Mapping[str, int] = {
    "off": 0,
    "auto": 1,
    "cool": 3,
    "heat": 4,
    "emergency heating": 5,
    "precooling": 6,
    "fan only": 7,
    "dry": 8,
    "sleep": 9,
}
"""deCONZ's `config.mode` names for the ZCL SystemMode values."""
_MODE_NAMES = {value: name for name, value in SYSTEM_MODES.items()}

CALIBRATION_LIMIT = 25
"""LocalTemperatureCalibration is an int8 in 0.1 °C, within ±2.5 °C."""
OFFSET_LIMIT = CALIBRATION_LIMIT * 10
VALVE_OPEN = 3
"""PIHeatingDemand above this many percent counts as heating (deCONZ's rule)."""
SETPOINT_MIN, SETPOINT_MAX = 500, 3200


def offset_to_calibration(offset: int) -> int:
    """A REST `offset` (0.01 °C) as the calibration the device stores (0.1 °C, toward 0)."""
    return max(-CALIBRATION_LIMIT, min(CALIBRATION_LIMIT, int(offset / 10)))


def published_offset(offset: int) -> int:
    """The `offset` the device will report back after being sent `offset`."""
    return offset_to_calibration(offset) * 10


def _int16(raw: Any) -> int | None:
    return None if raw is None or raw in (-0x8000, 0x8000) else int(raw)


def _temperature(_sensor: Sensor, read: Reader) -> Changes | None:
    value = _int16(read(zcl.THERMOSTAT, zcl.ATTR_LOCAL_TEMPERATURE))
    return None if value is None else {"state": {"temperature": value}}


def _heating(_sensor: Sensor, read: Reader) -> Changes | None:
    """`valve` from PIHeatingDemand; `on` from RunningState, else from the valve."""
    demand = read(zcl.THERMOSTAT, zcl.ATTR_PI_HEATING_DEMAND)
    running = read(zcl.THERMOSTAT, zcl.ATTR_RUNNING_STATE)
    state: dict[str, Any] = {}
    if demand is not None and 0 <= int(demand) <= 100:
        state["valve"] = int(demand)
    if running is not None:
        state["on"] = int(running) != 0
    elif "valve" in state:
        state["on"] = state["valve"] > VALVE_OPEN
    return {"state": state} if state else None


def _setpoint(_sensor: Sensor, read: Reader) -> Changes | None:
    value = _int16(read(zcl.THERMOSTAT, zcl.ATTR_OCCUPIED_HEATING_SETPOINT))
    return None if value is None else {"config": {"heatsetpoint": value}}


def _mode(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.THERMOSTAT, zcl.ATTR_SYSTEM_MODE)
    name = None if raw is None else _MODE_NAMES.get(int(raw))
    return None if name is None else {"config": {"mode": name}}


def _calibration(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.THERMOSTAT, zcl.ATTR_LOCAL_TEMPERATURE_CALIBRATION)
    return None if raw is None else {"config": {"offset": int(raw) * 10}}


def _locked(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.THERMOSTAT_UI, zcl.ATTR_KEYPAD_LOCKOUT)
    return None if raw is None else {"config": {"locked": int(raw) != 0}}


_STATE = {"on": None, "temperature": None, "valve": None}
_CONFIG = {"heatsetpoint": None, "mode": None, "offset": 0}
_ATTRIBUTES = {
    zcl.ATTR_LOCAL_TEMPERATURE: _temperature,
    zcl.ATTR_PI_HEATING_DEMAND: _heating,
    zcl.ATTR_RUNNING_STATE: _heating,
    zcl.ATTR_OCCUPIED_HEATING_SETPOINT: _setpoint,
    zcl.ATTR_SYSTEM_MODE: _mode,
    zcl.ATTR_LOCAL_TEMPERATURE_CALIBRATION: _calibration,
}

THERMOSTAT = SensorSpec(
    "ZHAThermostat",
    zcl.THERMOSTAT,
    _STATE,
    _CONFIG,
    _ATTRIBUTES,
    recompute_on=frozenset(),
)
THERMOSTAT_WITH_LOCK = SensorSpec(
    "ZHAThermostat",
    zcl.THERMOSTAT,
    _STATE,
    {**_CONFIG, "locked": None},
    _ATTRIBUTES,
    other={zcl.THERMOSTAT_UI: {zcl.ATTR_KEYPAD_LOCKOUT: _locked}},
    recompute_on=frozenset(),
)


def spec_for(ep: EndpointInfo, cluster: int) -> SensorSpec | None:
    if cluster != zcl.THERMOSTAT:
        return None
    return THERMOSTAT_WITH_LOCK if zcl.THERMOSTAT_UI in ep.in_clusters else THERMOSTAT
