"""Device → deCONZ sensors, table-driven (the sensor types of deCONZ's REST API).

One `SensorSpec` per sensor type says which server cluster it comes from (also the
uniqueid suffix), its `state`/`config` items, and for each attribute of that cluster the
function that recomputes items from the endpoint's attribute cache. Recomputing from the
cache (instead of converting the reported value) lets a multiplier report rescale power, an
offset change re-apply to the temperature, and a restart rebuild state from zigpy's cache,
all through the same functions. A compute returns None for an invalid reading; that report
then changes nothing, not even `lastupdated`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource

from . import switches, zcl
from .resources import Sensor, copy_json
from .uniqueid import sensor_uniqueid

Reader = Callable[[int, int], Any]
"""`read(cluster, attribute)` → the cached value on the sensor's endpoint, or None."""
Changes = dict[str, dict[str, Any]]
Compute = Callable[[Sensor, Reader], Changes | None]

THOLD_DARK = 12000
THOLD_OFFSET = 7000
PRESENCE_DURATION = 60
USER_CONFIG_KEYS = frozenset({"on", "offset", "duration", "tholddark", "tholdoffset", "group"})
"""Config the user (or a learned remote group) sets; persisted, unlike report state."""
RECOMPUTE_ON = frozenset({"offset", "tholddark", "tholdoffset"})
"""Config items whose change re-applies to the published state (computed here)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True, eq=False)
class SensorSpec:
    """One table row; rows are singletons compared by identity."""

    type: str
    cluster: int
    state: Mapping[str, Any]
    config: Mapping[str, Any] = field(default_factory=dict)
    attributes: Mapping[int, Compute] = field(default_factory=dict)
    other: Mapping[int, Mapping[int, Compute]] = field(default_factory=dict)
    """Computes for attributes of the endpoint's other clusters (a thermostat's keypad lock)."""
    capabilities: Mapping[str, Any] = field(default_factory=dict)
    """Fixed `capabilities` items beyond `sleeper` (a measurement's unit and range)."""
    recompute_on: frozenset[str] = RECOMPUTE_ON
    """Config items whose change recomputes the state; empty when the device applies them."""

    @property
    def default_name(self) -> str:
        return self.type.removeprefix("ZHA")

    def compute_for(self, cluster: int, attribute: int) -> Compute | None:
        table = self.attributes if cluster == self.cluster else self.other.get(cluster, _EMPTY)
        return table.get(attribute)

    def computes(self) -> list[Compute]:
        """Every compute once (several attributes share one), in table order."""
        every = [*self.attributes.values()]
        for table in self.other.values():
            every.extend(table.values())
        return list(dict.fromkeys(every))


# --- value helpers ---------------------------------------------------------------------


def _s16(raw: Any) -> int | None:
    """int16 measurement; 0x8000 (either sign convention) means invalid."""
    return None if raw is None or raw in (-0x8000, 0x8000) else int(raw)


def _u16(raw: Any) -> int | None:
    return None if raw is None or raw == 0xFFFF else int(raw)


def _u48(raw: Any) -> int | None:
    return None if raw is None or raw == 0xFFFFFFFFFFFF else int(raw)


def _s24(raw: Any) -> int | None:
    return None if raw is None or raw in (-0x800000, 0x800000) else int(raw)


def _round(value: float) -> int:
    return math.floor(value + 0.5)


def _scale(read: Reader, cluster: int, mult_attr: int, div_attr: int) -> float | None:
    """multiplier/divisor when either is cached (a missing or zero one counts as 1);
    None when neither is known, meaning "the raw value is already in the published unit"."""
    mult, div = read(cluster, mult_attr), read(cluster, div_attr)
    if mult is None and div is None:
        return None
    return (int(mult or 1) or 1) / (int(div or 1) or 1)


def battery_percent(raw: Any) -> int | None:
    """BatteryPercentageRemaining is in half percent; 0xFF means unknown."""
    if raw is None or raw == 0xFF:
        return None
    return min(max(int(raw) // 2, 0), 100)


def _combine(*computes: Compute) -> Compute:
    def compute(sensor: Sensor, read: Reader) -> Changes | None:
        merged: Changes = {}
        for part in computes:
            for section, items in (part(sensor, read) or {}).items():
                merged.setdefault(section, {}).update(items)
        return merged or None

    return compute


# --- computes -------------------------------------------------------------------------


def _measured(
    cluster: int,
    item: str,
    valid: Callable[[Any], int | None],
    lo: int | None = None,
    hi: int | None = None,
) -> Compute:
    """MeasuredValue + config.offset (same unit), optionally clamped."""

    def compute(sensor: Sensor, read: Reader) -> Changes | None:
        raw = valid(read(cluster, zcl.ATTR_MEASURED_VALUE))
        if raw is None:
            return None
        value = raw + int(sensor.config.get("offset") or 0)
        if lo is not None and hi is not None:
            value = min(max(value, lo), hi)
        return {"state": {item: value}}

    return compute


def _lightlevel(sensor: Sensor, read: Reader) -> Changes | None:
    # 0xFFFF is ZCL's "invalid measurement": ignored like the other invalid readings.
    raw = _u16(read(zcl.ILLUMINANCE, zcl.ATTR_MEASURED_VALUE))
    if raw is None:
        return None
    dark = int(sensor.config.get("tholddark", THOLD_DARK))
    offset = int(sensor.config.get("tholdoffset", THOLD_OFFSET))
    lux = 0 if raw == 0 else _round(10 ** ((raw - 1) / 10000))
    state = {"dark": raw <= dark, "daylight": raw >= dark + offset, "lightlevel": raw, "lux": lux}
    return {"state": state}


def _occupancy(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.OCCUPANCY, zcl.ATTR_OCCUPANCY)
    return None if raw is None else {"state": {"presence": bool(int(raw) & 0x01)}}


def _occupancy_delay(_sensor: Sensor, read: Reader) -> Changes | None:
    raw = read(zcl.OCCUPANCY, zcl.ATTR_PIR_O_TO_U_DELAY)
    return None if raw is None else {"config": {"delay": int(raw)}}


def _zone_status(item: str) -> Compute:
    """IAS ZoneStatus: alarm1|alarm2 → main item, bit 2 tamper, bit 3 battery low."""

    def compute(_sensor: Sensor, read: Reader) -> Changes | None:
        raw = read(zcl.IAS_ZONE, zcl.ATTR_ZONE_STATUS)
        if raw is None:
            return None
        status = int(raw)
        return {
            "state": {
                item: bool(status & 0x03),
                "lowbattery": bool(status & 0x08),
                "tampered": bool(status & 0x04),
            }
        }

    return compute


def _electrical(
    item: str, attr: int, valid: Callable[[Any], int | None], mult: int, div: int, factor: int
) -> Compute:
    """ElectricalMeasurement value * multiplier / divisor * factor (A → mA)."""

    def compute(_sensor: Sensor, read: Reader) -> Changes | None:
        raw = valid(read(zcl.ELECTRICAL_MEASUREMENT, attr))
        if raw is None:
            return None
        scale = _scale(read, zcl.ELECTRICAL_MEASUREMENT, mult, div)
        return {"state": {item: raw if scale is None else _round(raw * scale * factor)}}

    return compute


def _metering(item: str, attr: int, valid: Callable[[Any], int | None]) -> Compute:
    """Metering value * multiplier / divisor is kWh (kW); published *1000 as Wh (W)."""

    def compute(_sensor: Sensor, read: Reader) -> Changes | None:
        raw = valid(read(zcl.METERING, attr))
        if raw is None:
            return None
        scale = _scale(read, zcl.METERING, zcl.ATTR_METERING_MULTIPLIER, zcl.ATTR_METERING_DIVISOR)
        return {"state": {item: raw if scale is None else _round(raw * scale * 1000)}}

    return compute


def _battery_state(_sensor: Sensor, read: Reader) -> Changes | None:
    value = battery_percent(read(zcl.POWER_CONFIGURATION, zcl.ATTR_BATTERY_PERCENTAGE))
    return None if value is None else {"state": {"battery": value}}


# --- the table --------------------------------------------------------------------------

_power = _electrical(
    "power", zcl.ATTR_ACTIVE_POWER, _s16, zcl.ATTR_AC_POWER_MULTIPLIER, zcl.ATTR_AC_POWER_DIVISOR, 1
)
_voltage = _electrical(
    "voltage",
    zcl.ATTR_RMS_VOLTAGE,
    _u16,
    zcl.ATTR_AC_VOLTAGE_MULTIPLIER,
    zcl.ATTR_AC_VOLTAGE_DIVISOR,
    1,
)
_current = _electrical(
    "current",
    zcl.ATTR_RMS_CURRENT,
    _u16,
    zcl.ATTR_AC_CURRENT_MULTIPLIER,
    zcl.ATTR_AC_CURRENT_DIVISOR,
    1000,
)
_consumption = _metering("consumption", zcl.ATTR_CURRENT_SUMM_DELIVERED, _u48)
_demand = _metering("power", zcl.ATTR_INSTANTANEOUS_DEMAND, _s24)

TEMPERATURE = SensorSpec(
    "ZHATemperature",
    zcl.TEMPERATURE,
    {"temperature": None},
    {"offset": 0},
    {zcl.ATTR_MEASURED_VALUE: _measured(zcl.TEMPERATURE, "temperature", _s16)},
)
HUMIDITY = SensorSpec(
    "ZHAHumidity",
    zcl.HUMIDITY,
    {"humidity": None},
    {"offset": 0},
    {zcl.ATTR_MEASURED_VALUE: _measured(zcl.HUMIDITY, "humidity", _u16, 0, 10000)},
)
PRESSURE = SensorSpec(
    "ZHAPressure",
    zcl.PRESSURE,
    {"pressure": None},
    {"offset": 0},
    {zcl.ATTR_MEASURED_VALUE: _measured(zcl.PRESSURE, "pressure", _s16)},
)
LIGHT_LEVEL = SensorSpec(
    "ZHALightLevel",
    zcl.ILLUMINANCE,
    {"dark": None, "daylight": None, "lightlevel": None, "lux": None},
    {"tholddark": THOLD_DARK, "tholdoffset": THOLD_OFFSET},
    {zcl.ATTR_MEASURED_VALUE: _lightlevel},
)
OCCUPANCY = SensorSpec(
    "ZHAPresence",
    zcl.OCCUPANCY,
    {"presence": None},
    {"delay": None, "duration": PRESENCE_DURATION},
    {zcl.ATTR_OCCUPANCY: _occupancy, zcl.ATTR_PIR_O_TO_U_DELAY: _occupancy_delay},
)
POWER = SensorSpec(
    "ZHAPower",
    zcl.ELECTRICAL_MEASUREMENT,
    {"current": None, "power": None, "voltage": None},
    attributes={
        zcl.ATTR_ACTIVE_POWER: _power,
        zcl.ATTR_AC_POWER_MULTIPLIER: _power,
        zcl.ATTR_AC_POWER_DIVISOR: _power,
        zcl.ATTR_RMS_VOLTAGE: _voltage,
        zcl.ATTR_AC_VOLTAGE_MULTIPLIER: _voltage,
        zcl.ATTR_AC_VOLTAGE_DIVISOR: _voltage,
        zcl.ATTR_RMS_CURRENT: _current,
        zcl.ATTR_AC_CURRENT_MULTIPLIER: _current,
        zcl.ATTR_AC_CURRENT_DIVISOR: _current,
    },
)
CONSUMPTION = SensorSpec(
    "ZHAConsumption",
    zcl.METERING,
    {"consumption": None},
    attributes={
        zcl.ATTR_CURRENT_SUMM_DELIVERED: _consumption,
        zcl.ATTR_INSTANTANEOUS_DEMAND: _demand,
        zcl.ATTR_METERING_MULTIPLIER: _combine(_consumption, _demand),
        zcl.ATTR_METERING_DIVISOR: _combine(_consumption, _demand),
    },
)
BATTERY = SensorSpec(
    "ZHABattery",
    zcl.POWER_CONFIGURATION,
    {"battery": None},
    attributes={zcl.ATTR_BATTERY_PERCENTAGE: _battery_state},
)
SWITCH = SensorSpec("ZHASwitch", zcl.ON_OFF, {"buttonevent": None}, {"group": ""})

MEASUREMENT_SPECS: Mapping[int, SensorSpec] = {
    s.cluster: s
    for s in (TEMPERATURE, HUMIDITY, PRESSURE, LIGHT_LEVEL, OCCUPANCY, POWER, CONSUMPTION)
}

FAMILY_SPECS: dict[int, SensorSpec] = {}
"""Sensors of device families kept in their own modules (a door lock's ZHADoorLock), by
cluster; they map like the measurement clusters."""


def register_family_spec(spec: SensorSpec) -> None:
    FAMILY_SPECS[spec.cluster] = spec


def _ias(type_: str, item: str, config: Mapping[str, Any] = _EMPTY) -> SensorSpec:
    return SensorSpec(
        type_,
        zcl.IAS_ZONE,
        {item: None, "lowbattery": None, "tampered": None},
        config,
        {zcl.ATTR_ZONE_STATUS: _zone_status(item)},
    )


IAS_ALARM = _ias("ZHAAlarm", "alarm")
IAS_ZONE_TYPES: Mapping[int, SensorSpec] = {
    0x000D: _ias("ZHAPresence", "presence", {"duration": PRESENCE_DURATION}),
    0x0015: _ias("ZHAOpenClose", "open"),
    0x0028: _ias("ZHAFire", "fire"),
    0x002A: _ias("ZHAWater", "water"),
    0x002B: _ias("ZHACarbonMonoxide", "carbonmonoxide"),
    0x002D: _ias("ZHAVibration", "vibration"),
}
IAS_SPECS_BY_TYPE: Mapping[str, SensorSpec] = {
    s.type: s for s in (IAS_ALARM, *IAS_ZONE_TYPES.values())
}


def ias_spec(zone_type: Any) -> SensorSpec:
    """The sensor type for an IAS zone type; ZHAAlarm for unknown or unlisted types."""
    return IAS_ZONE_TYPES.get(zone_type, IAS_ALARM) if isinstance(zone_type, int) else IAS_ALARM


# --- planning ----------------------------------------------------------------------------

DeviceReader = Callable[[int, int, int], Any]
"""`read(endpoint, cluster, attribute)` over the whole device."""
SpecFinder = Callable[[EndpointInfo, int], SensorSpec | None]
"""The measurement sensor a server cluster of an endpoint makes, if any."""


def measurement_spec(_ep: EndpointInfo, cluster: int) -> SensorSpec | None:
    return MEASUREMENT_SPECS.get(cluster)


@dataclass(frozen=True, slots=True)
class SensorPlan:
    endpoint: int
    cluster: int  # uniqueid suffix
    spec: SensorSpec
    provisional: bool = False  # IAS zone whose zone type is not known yet


def plan_sensors(
    device: DeviceInfo,
    has_light: bool,
    read: DeviceReader,
    spec_for: SpecFinder = measurement_spec,
) -> list[SensorPlan]:
    """The sensors a device maps to, in a stable order (ids are allocated in this order).

    Measurement and IAS clusters always map. A remote becomes one ZHASwitch only when the
    device has no light and no measurement/IAS sensor (a Hue motion sensor also has
    On/Off client clusters). A device whose only mapped cluster is Power Configuration
    gets a ZHABattery.
    """
    plans: list[SensorPlan] = []
    for ep in device.endpoints:
        for cluster in sorted(set(ep.in_clusters)):
            spec = spec_for(ep, cluster) or FAMILY_SPECS.get(cluster)
            if spec is not None:
                plans.append(SensorPlan(ep.id, cluster, spec))
            elif cluster == zcl.IAS_ZONE:
                zone_type = read(ep.id, zcl.IAS_ZONE, zcl.ATTR_ZONE_TYPE)
                plans.append(
                    SensorPlan(ep.id, cluster, ias_spec(zone_type), not isinstance(zone_type, int))
                )
    if not plans and not has_light:
        remote = next((ep for ep in device.endpoints if switches.is_switch_endpoint(ep)), None)
        if remote is not None:
            plans.append(SensorPlan(remote.id, switches.switch_cluster(remote), SWITCH))
        else:
            battery = next(
                (ep for ep in device.endpoints if zcl.POWER_CONFIGURATION in ep.in_clusters), None
            )
            if battery is not None:
                plans.append(SensorPlan(battery.id, zcl.POWER_CONFIGURATION, BATTERY))
    return plans


def has_battery(device: DeviceInfo) -> bool:
    return any(zcl.POWER_CONFIGURATION in ep.in_clusters for ep in device.endpoints)


def is_sleeper(device: DeviceInfo) -> bool:
    if device.power_source is PowerSource.BATTERY:
        return True
    return (
        device.power_source is PowerSource.UNKNOWN and device.logical_type is LogicalType.END_DEVICE
    )


def create_sensor(
    sensor_id: str,
    device: DeviceInfo,
    plan: SensorPlan,
    attr: Mapping[str, Any],
    user_config: Mapping[str, Any],
    battery: int | None,
) -> Sensor:
    """A sensor with every item present (unknown values null); `recompute` fills it in.

    `battery` is the device's battery level: every sensor of a battery device carries it
    in `config.battery`, except ZHABattery which has it as its state."""
    spec = plan.spec
    uniqueid = sensor_uniqueid(device.ieee, plan.endpoint, plan.cluster)
    config: dict[str, Any] = {"on": True, "reachable": False, **spec.config}
    if spec is not BATTERY and has_battery(device):
        config["battery"] = battery
    config.update({k: v for k, v in user_config.items() if k in config})
    return Sensor(
        sensor_id,
        uniqueid,
        device.ieee,
        plan.endpoint,
        attr={**attr, "type": spec.type, "uniqueid": uniqueid},
        state={**spec.state, "lastupdated": "none"},
        config=config,
        capabilities={**copy_json(dict(spec.capabilities)), "sleeper": is_sleeper(device)},
        top={"ep": plan.endpoint},
        spec=spec,
        cluster=plan.cluster,
    )


def apply_attribute(
    sensor: Sensor, cluster: int, attribute: int, read: Reader, lastupdated: str
) -> bool:
    """Apply a report of `(cluster, attribute)`; True if the sensor uses it.

    A report that yields state always sets `lastupdated` and is pushed even when the
    value is unchanged (deCONZ behaviour)."""
    compute = sensor.spec.compute_for(cluster, attribute)
    changes = compute(sensor, read) if compute else None
    if not changes:
        return False
    _apply(sensor, changes, lastupdated)
    return True


def recompute(sensor: Sensor, read: Reader, lastupdated: str | None = None) -> bool:
    """Recompute every item from the cache (creation, offset/threshold change).

    With `lastupdated` (creation from a cache) it is set when any state item is known;
    without it, `lastupdated` is left alone (not a report). True if any state was known."""
    computes = sensor.spec.computes()
    merged = _combine(*computes)(sensor, read) if computes else None
    if not merged:
        return False
    if lastupdated is None:
        for section, items in merged.items():
            sensor.update(section, items)
    else:
        _apply(sensor, merged, lastupdated)
    return "state" in merged


def _apply(sensor: Sensor, changes: Changes, lastupdated: str) -> None:
    if "state" in changes:
        sensor.update(
            "state", {**changes["state"], "lastupdated": lastupdated}, push=("lastupdated",)
        )
    if "config" in changes:
        sensor.update("config", changes["config"])
