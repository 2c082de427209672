"""Sensor PUTs: `/sensors/<id>/config`, `/sensors/<id>` and `/sensors/<id>/state`.

Config (deCONZ `changeSensorConfig`): each key is answered on its own, in sorted key order,
HTTP 200 throughout. Read-only items get error 8 (`battery`/`reachable` are writable on
CLIP sensors only), items the sensor does not have error 6, bad values error 7, and items
it has but we cannot write yet error 608 "Could not set attribute". Accepted values are
stored at once; some are also written to the device (occupancy delay, thermostat
setpoints/mode/calibration). Changing `offset` re-applies to the published measurement and
`tholddark`/`tholdoffset` recompute `dark`/`daylight`, as deCONZ does.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core.thermostats import (
    OFFSET_LIMIT,
    SYSTEM_MODES,
    offset_to_calibration,
    published_offset,
)
from radio.clusters import DOOR_LOCK, OCCUPANCY, THERMOSTAT, THERMOSTAT_UI
from radio.commands import WriteAttributes, ZclCommand

from .changes import Delete, Rename, SensorConfig, SensorState
from .errors import ApiError, success, success_items
from .lock_state import lock_command
from .plan import Plan
from .resource import device_target, int_value, sub
from .validate import Invalid, as_bool, as_choice, as_int, as_int_choice, as_str

READ_ONLY = frozenset(
    {
        "pending",
        "sensitivitymax",
        "hostflags",
        "lastchange_amount",
        "lastchange_source",
        "lastchange_time",
        "enrolled",
    }
)
CLIP_ONLY = frozenset({"battery", "reachable"})
_GROUP_LIST = re.compile(r"[0-9]{1,5}(,[0-9]{1,5})*")

Validator = Callable[[Any, Mapping[str, Any]], Any]  # (value, sensor) -> checked value
Writer = Callable[[Mapping[str, Any], Any], dict[str, Any] | None]  # -> ZCL attributes


@dataclass(frozen=True, slots=True)
class ConfigItem:
    validate: Validator
    cluster: int | None = None  # written to the device when set (never for CLIP sensors)
    write: Writer | None = None
    command: Callable[[Any], str] | None = None  # or sent as this command (no arguments)


def _int(lo: int, hi: int) -> Validator:
    return lambda value, _sensor: as_int(value, lo, hi)


def _bool(value: Any, _sensor: Mapping[str, Any]) -> bool:
    return as_bool(value)


def _sensitivity(value: Any, sensor: Mapping[str, Any]) -> int:
    return as_int(value, 0, int_value(sub(sensor, "config"), "sensitivitymax", 0xFF))


def _group(value: Any, _sensor: Mapping[str, Any]) -> str:
    """`"12"` or `"12,13"`: the groups a remote controls."""
    if not isinstance(value, str) or not _GROUP_LIST.fullmatch(value):
        raise Invalid(value)
    if any(int(part) > 0xFFFF for part in value.split(",")):
        raise Invalid(value)
    return value


def _coordinate(value: Any, _sensor: Mapping[str, Any]) -> str:
    """Daylight `lat`/`long`: a decimal number as a string."""
    text = as_str(value, min_len=1, max_len=32)
    try:
        number = float(text)
    except ValueError as err:
        raise Invalid(value) from err
    if text.lower() in ("nan", "inf", "+inf", "-inf", "infinity") or abs(number) > 180:
        raise Invalid(value)
    return text


def _is_thermostat(sensor: Mapping[str, Any]) -> bool:
    return sensor.get("type") == "ZHAThermostat"


def _thermostat_mode(value: Any, _sensor: Mapping[str, Any]) -> str:
    return as_choice(value, SYSTEM_MODES)


def _offset(value: Any, sensor: Mapping[str, Any]) -> int:
    """A thermostat calibrates itself, in 0.1 °C within ±2.5 °C: a value beyond is refused,
    and the one accepted is what the device will report back."""
    if _is_thermostat(sensor):
        return published_offset(as_int(value, -OFFSET_LIMIT, OFFSET_LIMIT))
    return as_int(value, -0x8000, 0x7FFF)


def _calibration(sensor: Mapping[str, Any], offset: int) -> dict[str, Any] | None:
    if not _is_thermostat(sensor):
        return None
    return {"local_temperature_calibration": offset_to_calibration(offset)}


ITEMS: dict[str, ConfigItem] = {
    "on": ConfigItem(_bool),
    "battery": ConfigItem(_int(0, 100)),
    "reachable": ConfigItem(_bool),
    "offset": ConfigItem(_offset, THERMOSTAT, _calibration),
    "duration": ConfigItem(_int(0, 0xFFFF)),  # the gateway resets presence after it
    "delay": ConfigItem(_int(0, 0xFFFF), OCCUPANCY, lambda _s, v: {"pir_o_to_u_delay": v}),
    "sensitivity": ConfigItem(_sensitivity),
    "tholddark": ConfigItem(_int(0, 0xFFFE)),
    "tholdoffset": ConfigItem(_int(1, 0xFFFE)),
    "group": ConfigItem(_group),
    "sunriseoffset": ConfigItem(_int(-120, 120)),
    "sunsetoffset": ConfigItem(_int(-120, 120)),
    "lat": ConfigItem(_coordinate),
    "long": ConfigItem(_coordinate),
    "heatsetpoint": ConfigItem(
        _int(500, 3200), THERMOSTAT, lambda _s, v: {"occupied_heating_setpoint": v}
    ),
    "coolsetpoint": ConfigItem(
        _int(700, 3500), THERMOSTAT, lambda _s, v: {"occupied_cooling_setpoint": v}
    ),
    "mode": ConfigItem(
        _thermostat_mode, THERMOSTAT, lambda _s, v: {"system_mode": SYSTEM_MODES[v]}
    ),
    "lock": ConfigItem(_bool, DOOR_LOCK, command=lock_command),  # ZHADoorLock
    "locked": ConfigItem(_bool, THERMOSTAT_UI, lambda _s, v: {"keypad_lockout": int(v)}),
}
WRITE_ONLY = frozenset({"lat", "long"})  # Daylight: accepted although GET never shows them


def _is_clip(sensor: Mapping[str, Any]) -> bool:
    return str(sensor.get("type", "")).startswith("CLIP")


def _offset_state(sensor: Mapping[str, Any], offset: int) -> dict[str, int]:
    """Re-apply a changed `offset` to the published temperature/humidity/pressure.

    Thermostats calibrate on the device instead and report the corrected value.
    """
    if _is_thermostat(sensor):
        return {}
    state = sub(sensor, "state")
    delta = offset - int_value(sub(sensor, "config"), "offset", 0)
    out: dict[str, int] = {}
    for key in ("temperature", "humidity", "pressure"):
        value = state.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and delta:
            out[key] = min(max(value + delta, 0), 10000) if key == "humidity" else value + delta
    return out


def _light_thresholds(state: Mapping[str, Any], config: Mapping[str, Any]) -> dict[str, bool]:
    """`dark`/`daylight` from `lightlevel` and the (new) thresholds."""
    level = state.get("lightlevel")
    if not isinstance(level, int) or isinstance(level, bool):
        return {}
    dark_limit = int_value(config, "tholddark", 12000)
    out = {
        "dark": level <= dark_limit,
        "daylight": level >= dark_limit + int_value(config, "tholdoffset", 7000),
    }
    return {key: value for key, value in out.items() if key in state}


@dataclass(slots=True)
class SensorConfigPlan(Plan):
    """Changes: the sensor's config and, when derived values move, its state."""


def plan_sensor_config(sensor_id: str, sensor: Mapping[str, Any], body: Any) -> SensorConfigPlan:
    """Plan `PUT /sensors/<sensor_id>/config` for `sensor` (its deCONZ JSON).

    Uses `type` (CLIP or not, thermostat), `config` (which items exist, current offset and
    thresholds, `sensitivitymax`), `state` (for derived values) and `uniqueid` (target of
    device writes).
    """
    path = f"/sensors/{sensor_id}/config"
    if not isinstance(body, Mapping) or not body:
        return SensorConfigPlan.rejected(ApiError.invalid_json(path))
    config, clip = sub(sensor, "config"), _is_clip(sensor)
    plan, applied = SensorConfigPlan(), {}
    for key in sorted(body):
        address, value = f"{path}/{key}", body[key]
        # `mode` means something else on switches and air purifiers; only thermostats here.
        item = ITEMS.get(key) if key != "mode" or _is_thermostat(sensor) else None
        if key in READ_ONLY or (key in CLIP_ONLY and not clip):
            plan.error(ApiError.attribute_not_modifiable(address, key))
        elif key not in config and not (key in WRITE_ONLY and sensor.get("type") == "Daylight"):
            plan.error(ApiError.parameter_not_available(address, key))
        elif item is None:
            plan.error(ApiError.could_not_set(address))
        else:
            try:
                checked = item.validate(value, sensor)
            except Invalid:
                plan.error(ApiError.invalid_value(address, key, value))
                continue
            attributes = item.write(sensor, checked) if item.write and not clip else None
            if attributes and item.cluster is not None:
                plan.commands.append(
                    WriteAttributes(device_target(sensor), item.cluster, attributes)
                )
            if item.command is not None and item.cluster is not None and not clip:
                command = item.command(checked)
                plan.commands.append(ZclCommand(device_target(sensor), item.cluster, command))
            plan.ok(address, checked)
            applied[key] = checked
    if applied:
        plan.change(SensorConfig(sensor_id, applied))
    derived: dict[str, Any] = {}
    if "offset" in applied:
        derived.update(_offset_state(sensor, applied["offset"]))
    if "tholddark" in applied or "tholdoffset" in applied:
        derived.update(_light_thresholds(sub(sensor, "state"), {**config, **applied}))
    if derived:
        plan.change(SensorState(sensor_id, derived))
    return plan


# -- PUT /sensors/<id> -------------------------------------------------------------------

SENSOR_NAME_MAX = 32
SWITCH_MODES = (1, 3)  # scenes, dimmer (IKEA SYMFONISK only)
READ_ONLY_ATTRIBUTES = frozenset(
    {
        "ep",
        "etag",
        "id",
        "lastannounced",
        "lastseen",
        "manufacturername",
        "modelid",
        "nwkaddress",
        "productid",
        "swversion",
        "type",
        "uniqueid",
    }
)


def plan_sensor_put(sensor_id: str, sensor: Mapping[str, Any], body: Any) -> SensorConfigPlan:
    """Plan `PUT /sensors/<sensor_id>`: `name` (1..32), `mode` (SYMFONISK; answered, not
    stored), `config`.

    Any other key ends the request first with HTTP 400: error 8 for a read-only attribute,
    6 for an unknown one. The remaining keys are answered one by one (HTTP 400 if one is
    invalid, as deCONZ); `config` is handled exactly like `PUT /sensors/<id>/config`.
    """
    path = f"/sensors/{sensor_id}"
    if not isinstance(body, Mapping) or not body:
        return SensorConfigPlan.rejected(ApiError.invalid_json(path))
    symfonisk = str(sensor.get("modelid", "")).startswith("SYMFONISK")
    for key in sorted(body):
        address = f"{path}/{key}"
        if key in READ_ONLY_ATTRIBUTES or (key == "mode" and not symfonisk):
            error = ApiError.attribute_not_modifiable(address, key)
            return SensorConfigPlan.rejected(dataclasses.replace(error, status=400))
        if key not in ("name", "mode", "config"):
            return SensorConfigPlan.rejected(ApiError.parameter_not_available(address, key))

    plan = SensorConfigPlan()
    for key, check in (
        ("name", lambda v: as_str(v, min_len=1, max_len=SENSOR_NAME_MAX)),
        ("mode", lambda v: as_int_choice(v, SWITCH_MODES)),
    ):
        if key not in body:
            continue
        try:
            value = check(body[key])
        except Invalid:
            plan.error(ApiError.invalid_value(f"{path}/{key}", key, body[key]))
            plan.status = 400
            continue
        plan.ok(f"{path}/{key}", value)
        if key == "name":
            plan.change(Rename("sensors", sensor_id, value))
    if "config" in body:
        if not isinstance(body["config"], Mapping):
            plan.error(ApiError.invalid_value(f"{path}/config", "config", body["config"]))
            plan.status = 400
        else:
            nested = plan_sensor_config(sensor_id, sensor, body["config"])
            plan.responses.extend(nested.responses)
            plan.commands.extend(nested.commands)
            plan.changes.extend(nested.changes)
            plan.status = max(plan.status, nested.status)
    return plan


# -- PUT /sensors/<id>/state -------------------------------------------------------------


def _b(value: Any) -> bool:
    return as_bool(value)


def _i(lo: int, hi: int) -> Callable[[Any], int]:
    return lambda value: as_int(value, lo, hi)


STATE_ITEMS: dict[str, Callable[[Any], Any]] = {
    "buttonevent": _i(0, 0x7FFFFFFF),
    **dict.fromkeys(
        (
            "alarm",
            "carbonmonoxide",
            "fire",
            "flag",
            "lowbattery",
            "open",
            "presence",
            "tampered",
            "vibration",
            "water",
        ),
        _b,
    ),
    "battery": _i(0, 100),
    "consumption": _i(0, 2**63 - 1),
    "current": _i(0, 0xFFFF),
    "humidity": _i(0, 10000),
    "lightlevel": _i(0, 0xFFFF),
    "power": _i(-0x8000, 0x7FFF),
    "pressure": _i(0, 0xFFFF),
    "status": _i(-(2**31), 2**31 - 1),
    "temperature": _i(-0x8000, 0x7FFF),
    "voltage": _i(0, 0xFFFF),
}


def _lux(level: int) -> int:
    """ZCL MeasuredValue = 10000·log10(lux) + 1; 0 and 0xFFFF mean no reading."""
    return 0 if level in (0, 0xFFFF) else round(10 ** ((level - 1) / 10000))


def plan_sensor_state(sensor_id: str, sensor: Mapping[str, Any], body: Any) -> SensorConfigPlan:
    """Plan `PUT /sensors/<sensor_id>/state`.

    CLIP sensors take any of their state items; other sensors only `buttonevent` (apps
    inject presses that way), other known items are ignored as deCONZ does. The first
    unknown or invalid key ends the request with HTTP 400. All accepted items are answered
    in one success object. The shell stamps `lastupdated` and must push a websocket event
    even when the value repeats (a repeated `buttonevent` is a new press).
    """
    path = f"/sensors/{sensor_id}/state"
    if not isinstance(body, Mapping) or not body:
        return SensorConfigPlan.rejected(ApiError.invalid_json(path))
    state, clip = sub(sensor, "state"), _is_clip(sensor)
    values: dict[str, Any] = {}
    for key in sorted(body):
        address, value = f"{path}/{key}", body[key]
        check = STATE_ITEMS.get(key)
        if check is not None and key != "buttonevent" and not clip:
            continue
        if check is None or key not in state:
            return SensorConfigPlan.rejected(ApiError.parameter_not_available(address, key))
        try:
            values[key] = check(value)
        except Invalid:
            return SensorConfigPlan.rejected(ApiError.invalid_value(address, key, value))

    plan = SensorConfigPlan()
    if not values:
        return plan
    config = sub(sensor, "config")
    published = dict(values)
    offset = int_value(config, "offset", 0)
    for key in ("temperature", "humidity", "pressure"):
        if key in published and offset:
            published[key] += offset
    if "humidity" in published:
        published["humidity"] = min(max(published["humidity"], 0), 10000)
    plan.responses.append(success_items({f"{path}/{k}": v for k, v in published.items()}))
    if "lightlevel" in published:
        derived = {"lux": _lux(published["lightlevel"])}
        derived.update(_light_thresholds({**state, **published}, config))
        published.update({k: v for k, v in derived.items() if k in state})
    plan.change(SensorState(sensor_id, published))
    return plan


def plan_sensor_delete(sensor_id: str, body: Any) -> SensorConfigPlan:
    """Plan `DELETE /sensors/<sensor_id>`, body optional: the sensor is forgotten; a
    `reset` in the body is only echoed (deCONZ's answer names it instead of the id)."""
    if not isinstance(body, Mapping):
        return SensorConfigPlan.rejected(ApiError.invalid_json(f"/sensors/{sensor_id}"))
    plan = SensorConfigPlan()
    if "reset" in body:
        plan.responses.append(success(f"/sensors/{sensor_id}/reset", bool(body["reset"])))
    else:
        plan.ok("id", sensor_id)
    plan.change(Delete("sensors", sensor_id))
    return plan
