"""Factories for realistic simulated devices.

Profiles, device ids and clusters follow what real Zigbee 3.0 products expose, so the
gateway's deCONZ-style mapping sees familiar shapes. Names are invented ("zigbridge-sim",
"SIM-XL1"); no real brand is impersonated. Attribute values are raw ZCL units
(temperature in 0.01 °C, battery in half percent, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import zigpy.types as t
from zigpy.profiles import zha, zll
from zigpy.zcl import Cluster
from zigpy.zcl.clusters.general import (
    Basic,
    Groups,
    Identify,
    LevelControl,
    OnOff,
    Ota,
    PowerConfiguration,
    Scenes,
)
from zigpy.zcl.clusters.homeautomation import ElectricalMeasurement
from zigpy.zcl.clusters.lighting import Color
from zigpy.zcl.clusters.measurement import (
    IlluminanceMeasurement,
    OccupancySensing,
    PressureMeasurement,
    RelativeHumidity,
    TemperatureMeasurement,
)
from zigpy.zcl.clusters.security import IasZone
from zigpy.zcl.clusters.smartenergy import Metering

from .behaviours import color_mode_for
from .device import SimDevice
from .endpoint import SimEndpoint

MANUFACTURER = "zigbridge-sim"
SW_BUILD = "1.4.2"
DATE_CODE = "20240611"

Attributes = dict[type[Cluster], dict[str, Any]]
_CAP = Color.ColorCapabilities
_MODE = Color.EnhancedColorMode

# White point D65 as CIE xy in ZCL units (value / 65536)
D65_X, D65_Y = 0x5000, 0x5555


def basic(model: str, *, mains: bool, manufacturer: str = MANUFACTURER) -> dict[str, Any]:
    return {
        "zcl_version": 8,
        "app_version": 1,
        "stack_version": 2,
        "hw_version": 1,
        "manufacturer": manufacturer,
        "model": model,
        "date_code": DATE_CODE,
        "power_source": (
            Basic.PowerSource.Mains_single_phase if mains else Basic.PowerSource.Battery
        ),
        "sw_build_id": SW_BUILD,
    }


def battery(percent: float = 100.0, volts: float = 3.0) -> dict[str, Any]:
    """Power Configuration of a coin-cell device (percentage in half-percent units)."""
    return {
        "battery_voltage": round(volts * 10),
        "battery_percentage_remaining": round(percent * 2),
        "battery_size": PowerConfiguration.BatterySize.Other,
        "battery_quantity": 1,
    }


def _ieee(ieee: t.EUI64 | str) -> t.EUI64:
    return t.EUI64.convert(ieee) if isinstance(ieee, str) else ieee


def _device(
    ieee: t.EUI64 | str,
    nwk: int,
    endpoint: SimEndpoint,
    *,
    router: bool,
    name: str | None,
    cls: type[SimDevice] = SimDevice,
    **kwargs: Any,
) -> Any:
    return cls(_ieee(ieee), nwk, [endpoint], router=router, name=name, **kwargs)


# -- lights ---------------------------------------------------------------------------


def _light_clusters(model: str, manufacturer: str) -> Attributes:
    return {
        Basic: basic(model, mains=True, manufacturer=manufacturer),
        Identify: {"identify_time": 0},
        Groups: {"name_support": Groups.NameSupport.Supported},
        Scenes: {
            "count": 0,
            "current_scene": 0,
            "current_group": 0,
            "scene_valid": False,
            "name_support": Scenes.NameSupport.Supported,
        },
        OnOff: {
            "on_off": True,
            "global_scene_control": True,
            "on_time": 0,
            "off_wait_time": 0,
            "start_up_on_off": OnOff.StartUpOnOff.PreviousValue,
        },
    }


def _level(level: int = 254) -> dict[str, Any]:
    return {
        "current_level": level,
        "remaining_time": 0,
        "min_level": 1,
        "max_level": 254,
        "options": 0,
        "on_off_transition_time": 0,
        "default_move_rate": 50,
    }


def _color(capabilities: int, mode: Color.EnhancedColorMode, ct_range=(153, 500)) -> dict:
    values: dict[str, Any] = {
        "remaining_time": 0,
        "color_mode": color_mode_for(mode),
        "enhanced_color_mode": mode,
        "options": 0,
        "num_primaries": 0,
        "color_capabilities": capabilities,
    }
    if capabilities & (_CAP.Hue_and_saturation | _CAP.Enhanced_hue):
        values.update(current_hue=0, current_saturation=0, enhanced_current_hue=0)
    if capabilities & _CAP.Color_loop:
        values.update(
            color_loop_active=0,
            color_loop_direction=1,
            color_loop_time=25,
            color_loop_start_enhanced_hue=0x2300,
            color_loop_stored_enhanced_hue=0,
        )
    if capabilities & _CAP.XY_attributes:
        values.update(current_x=D65_X, current_y=D65_Y)
    if capabilities & _CAP.Color_temperature:
        low, high = ct_range
        values.update(
            color_temperature=370,
            color_temp_physical_min=low,
            color_temp_physical_max=high,
            couple_color_temp_to_level_min=high,
            start_up_color_temperature=0xFFFF,
        )
    return values


def _light(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    endpoint_id: int,
    profile: int,
    device_type: int,
    model: str,
    manufacturer: str,
    name: str | None,
    extra: Attributes,
) -> SimDevice:
    clusters = _light_clusters(model, manufacturer) | extra
    endpoint = SimEndpoint(
        endpoint_id, profile, device_type, in_clusters=clusters, out_clusters=[Ota]
    )
    return _device(ieee, nwk, endpoint, router=True, name=name)


def extended_color_light(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-XL1",
    manufacturer: str = MANUFACTURER,
    zll_profile: bool = False,
) -> SimDevice:
    """Full colour + tunable white bulb on endpoint 11 (HA 0x010D, or ZLL 0x0210)."""
    return _light(
        ieee,
        nwk,
        endpoint_id=11,
        profile=zll.PROFILE_ID if zll_profile else zha.PROFILE_ID,
        device_type=(
            zll.DeviceType.EXTENDED_COLOR_LIGHT
            if zll_profile
            else zha.DeviceType.EXTENDED_COLOR_LIGHT
        ),
        model=model,
        manufacturer=manufacturer,
        name=name,
        extra={
            LevelControl: _level(),
            Color: _color(
                _CAP.Hue_and_saturation
                | _CAP.Enhanced_hue
                | _CAP.Color_loop
                | _CAP.XY_attributes
                | _CAP.Color_temperature,
                _MODE.Color_temperature,
            ),
        },
    )


def manufacturer_id_light(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-MXL1",
    manufacturer: str = MANUFACTURER,
    device_type: int = 0xABCD,
) -> SimDevice:
    """A colour + white bulb announcing its maker's own device id (HA profile, 0xABCD) on
    standard On/Off + Level + Color clusters, with a manufacturer cluster beside them, as
    some real bulbs do. deCONZ drops it; its clusters say exactly what it is."""
    return _light(
        ieee,
        nwk,
        endpoint_id=1,
        profile=zha.PROFILE_ID,
        device_type=device_type,
        model=model,
        manufacturer=manufacturer,
        name=name,
        extra={
            LevelControl: _level(),
            Color: _color(
                _CAP.Hue_and_saturation
                | _CAP.Enhanced_hue
                | _CAP.XY_attributes
                | _CAP.Color_temperature,  # no colour loop
                _MODE.Color_temperature,
            ),
            0xFC01: {},
        },
    )


def manufacturer_only_device(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-MFR1",
    manufacturer: str = MANUFACTURER,
) -> SimDevice:
    """A gadget that speaks only its maker's clusters (beside Basic and Identify): nothing
    a gateway without its manufacturer's support can serve, and must say so."""
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        0x0061,
        in_clusters={
            Basic: basic(model, mains=True, manufacturer=manufacturer),
            Identify: {"identify_time": 0},
            0xFC00: {},
            0xFC7C: {},
        },
        out_clusters=[0xFC00, Ota],
    )
    return _device(ieee, nwk, endpoint, router=True, name=name)


def color_temperature_light(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-CT1",
    manufacturer: str = MANUFACTURER,
) -> SimDevice:
    """Tunable white bulb, 2200-6500 K (454-153 mired), HA 0x010C."""
    return _light(
        ieee,
        nwk,
        endpoint_id=1,
        profile=zha.PROFILE_ID,
        device_type=zha.DeviceType.COLOR_TEMPERATURE_LIGHT,
        model=model,
        manufacturer=manufacturer,
        name=name,
        extra={
            LevelControl: _level(),
            Color: _color(_CAP.Color_temperature, _MODE.Color_temperature, ct_range=(153, 454)),
        },
    )


def dimmable_light(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-DL1",
    manufacturer: str = MANUFACTURER,
) -> SimDevice:
    """Warm white dimmable bulb, HA 0x0101."""
    return _light(
        ieee,
        nwk,
        endpoint_id=1,
        profile=zha.PROFILE_ID,
        device_type=zha.DeviceType.DIMMABLE_LIGHT,
        model=model,
        manufacturer=manufacturer,
        name=name,
        extra={LevelControl: _level()},
    )


# -- plug -----------------------------------------------------------------------------


class SimPlug(SimDevice):
    """A metering plug: switching it changes the measured power, as the real thing does."""

    load_watts: float = 60.0
    mains_volts: float = 230.0

    def attribute_changed(
        self, endpoint: SimEndpoint, cluster: type[Cluster], name: str, value: Any
    ) -> None:
        if cluster is OnOff and name == "on_off":
            self.apply_load(endpoint, self.load_watts if value else 0.0)

    def apply_load(self, endpoint: SimEndpoint, watts: float) -> None:
        """Set instantaneous power/current (e.g. a drifting load from the demo driver)."""
        if not endpoint.get(OnOff, "on_off"):
            watts = 0.0
        endpoint.update(
            ElectricalMeasurement,
            active_power=round(watts * 10),  # divisor 10: 0.1 W
            rms_current=round(watts / self.mains_volts * 1000),  # mA
        )
        endpoint.set(Metering, "instantaneous_demand", round(watts))


def onoff_plug_with_metering(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-PLUG1",
    manufacturer: str = MANUFACTURER,
    load_watts: float = 60.0,
) -> SimPlug:
    """Smart plug (HA 0x010A) with Electrical Measurement and Metering."""
    clusters = _light_clusters(model, manufacturer)
    clusters[ElectricalMeasurement] = {
        "measurement_type": ElectricalMeasurement.MeasurementType.Active_measurement_AC,
        "rms_voltage": 2300,
        "rms_current": 0,
        "active_power": 0,
        "ac_voltage_multiplier": 1,
        "ac_voltage_divisor": 10,
        "ac_current_multiplier": 1,
        "ac_current_divisor": 1000,
        "ac_power_multiplier": 1,
        "ac_power_divisor": 10,
    }
    clusters[Metering] = {
        "current_summ_delivered": 12_345,  # Wh (multiplier 1 / divisor 1000 → kWh)
        "status": 0,
        "unit_of_measure": Metering.MeteringUnitofMeasure.Kwh_and_Kwh_binary,
        "multiplier": 1,
        "divisor": 1000,
        "summation_formatting": 0b0_0101_011,
        "demand_formatting": 0b0_0101_011,
        "metering_device_type": Metering.MeteringDeviceType.Electric_Metering,
        "instantaneous_demand": 0,
    }
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        zha.DeviceType.ON_OFF_PLUG_IN_UNIT,
        in_clusters=clusters,
        out_clusters=[Ota],
    )
    plug: SimPlug = _device(ieee, nwk, endpoint, router=True, name=name, cls=SimPlug)
    plug.load_watts = load_watts
    plug.apply_load(endpoint, load_watts)
    endpoint.changed.clear()
    return plug


# -- sensors --------------------------------------------------------------------------


def _sensor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    device_type: int,
    model: str,
    manufacturer: str,
    name: str | None,
    clusters: Mapping[type[Cluster], dict[str, Any]],
) -> SimDevice:
    in_clusters: Attributes = {
        Basic: basic(model, mains=False, manufacturer=manufacturer),
        PowerConfiguration: battery(),
        Identify: {"identify_time": 0},
        **clusters,
    }
    endpoint = SimEndpoint(1, zha.PROFILE_ID, device_type, in_clusters=in_clusters)
    return _device(ieee, nwk, endpoint, router=False, name=name)


def climate_sensor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-TH1",
    manufacturer: str = MANUFACTURER,
    temperature: float = 21.5,
    humidity: float = 45.0,
    pressure: int = 1013,
) -> SimDevice:
    """Temperature (0.01 °C), humidity (0.01 %) and pressure (hPa) sensor, HA 0x0302."""
    return _sensor(
        ieee,
        nwk,
        device_type=zha.DeviceType.TEMPERATURE_SENSOR,
        model=model,
        manufacturer=manufacturer,
        name=name,
        clusters={
            TemperatureMeasurement: {
                "measured_value": round(temperature * 100),
                "min_measured_value": -4000,
                "max_measured_value": 8500,
                "tolerance": 30,
            },
            RelativeHumidity: {
                "measured_value": round(humidity * 100),
                "min_measured_value": 0,
                "max_measured_value": 10000,
                "tolerance": 300,
            },
            PressureMeasurement: {
                "measured_value": pressure,
                "min_measured_value": 300,
                "max_measured_value": 1100,
                "tolerance": 1,
            },
        },
    )


def motion_sensor(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-MS1",
    manufacturer: str = MANUFACTURER,
    lux: float = 120.0,
) -> SimDevice:
    """PIR occupancy + illuminance sensor, HA 0x0107."""
    return _sensor(
        ieee,
        nwk,
        device_type=zha.DeviceType.OCCUPANCY_SENSOR,
        model=model,
        manufacturer=manufacturer,
        name=name,
        clusters={
            OccupancySensing: {
                "occupancy": OccupancySensing.Occupancy.Unoccupied,
                "occupancy_sensor_type": OccupancySensing.OccupancySensorType.PIR,
                "occupancy_sensor_type_bitmap": 1,
                "pir_o_to_u_delay": 60,
            },
            IlluminanceMeasurement: {
                "measured_value": lux_to_zcl(lux),
                "min_measured_value": 1,
                "max_measured_value": 0xFFFE,
            },
        },
    )


def lux_to_zcl(lux: float) -> int:
    """ZCL illuminance: 10000 * log10(lux) + 1."""
    return 0 if lux <= 0 else min(0xFFFE, round(10000 * math.log10(lux) + 1))


def _ias_zone(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    zone_type: IasZone.ZoneType,
    model: str,
    manufacturer: str,
    name: str | None,
) -> SimDevice:
    return _sensor(
        ieee,
        nwk,
        device_type=zha.DeviceType.IAS_ZONE,
        model=model,
        manufacturer=manufacturer,
        name=name,
        clusters={
            IasZone: {
                "zone_state": IasZone.ZoneState.Not_enrolled,
                "zone_type": zone_type,
                "zone_status": 0,
                "cie_addr": t.EUI64.UNKNOWN,
                "zone_id": 0xFF,
            }
        },
    )


def door_contact(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-DC1",
    manufacturer: str = MANUFACTURER,
) -> SimDevice:
    """IAS contact switch (zone type 0x0015): alarm 1 = open."""
    return _ias_zone(
        ieee,
        nwk,
        zone_type=IasZone.ZoneType.Contact_Switch,
        model=model,
        manufacturer=manufacturer,
        name=name,
    )


def water_leak(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-WL1",
    manufacturer: str = MANUFACTURER,
) -> SimDevice:
    """IAS water sensor (zone type 0x002A): alarm 1 = water detected."""
    return _ias_zone(
        ieee,
        nwk,
        zone_type=IasZone.ZoneType.Water_Sensor,
        model=model,
        manufacturer=manufacturer,
        name=name,
    )


# -- remote ---------------------------------------------------------------------------


class SimRemote(SimDevice):
    """A 4-button dimmer remote: 1 = on, 2 = off, 3 = brighter, 4 = darker.

    A short press sends on/off/step, holding 3 or 4 sends a move and releasing a stop.
    Frames go to the coordinator (bound) or, with ``group`` set, as a groupcast.
    """

    group: int | None = None
    STEP = 43  # a sixth of the range per click
    RATE = 83  # level units per second while held

    def _send(self, cluster: type[Cluster], command: str, group: int | None, **args: Any):
        return self.client_command(None, cluster, command, group=group, **args)

    def _group(self, group: int | None) -> int | None:
        return self.group if group is None else group

    def press(
        self, button: int, *, hold: bool = False, group: int | None = None
    ) -> list[t.ZigbeePacket]:
        group = self._group(group)
        if button in (1, 2) and not hold:
            return self._send(OnOff, "on" if button == 1 else "off", group)
        if button in (1, 3):
            up = LevelControl.MoveMode.Up
        elif button in (2, 4):
            up = LevelControl.MoveMode.Down
        else:
            raise ValueError(f"SIM-RC4 has buttons 1-4, not {button}")
        if hold:
            command = "move_with_on_off" if up == LevelControl.MoveMode.Up else "move"
            return self._send(LevelControl, command, group, move_mode=up, rate=self.RATE)
        command = "step_with_on_off" if up == LevelControl.MoveMode.Up else "step"
        step_mode = LevelControl.StepMode(int(up))
        return self._send(
            LevelControl,
            command,
            group,
            step_mode=step_mode,
            step_size=self.STEP,
            transition_time=5,
        )

    def release(self, button: int, *, group: int | None = None) -> list[t.ZigbeePacket]:
        return self._send(LevelControl, "stop_with_on_off", self._group(group))

    def toggle(self, *, group: int | None = None) -> list[t.ZigbeePacket]:
        return self._send(OnOff, "toggle", self._group(group))

    def recall_scene(self, scene_id: int, *, group: int | None = None) -> list[t.ZigbeePacket]:
        """Scenes recall; the scene's group is the destination group (0 when bound)."""
        group = self._group(group)
        return self._send(Scenes, "recall", group, group_id=group or 0, scene_id=scene_id)


def remote_4button(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-RC4",
    manufacturer: str = MANUFACTURER,
    group: int | None = None,
) -> SimRemote:
    """Battery remote, HA 0x0820 (non-colour controller) with client On/Off, Level,
    Scenes, Groups and Identify clusters."""
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        zha.DeviceType.NON_COLOR_CONTROLLER,
        in_clusters={
            Basic: basic(model, mains=False, manufacturer=manufacturer),
            PowerConfiguration: battery(volts=3.0),
            Identify: {"identify_time": 0},
        },
        out_clusters=[Identify, Groups, Scenes, OnOff, LevelControl, Ota],
    )
    remote: SimRemote = _device(ieee, nwk, endpoint, router=False, name=name, cls=SimRemote)
    remote.group = group
    return remote


FACTORIES = {
    "extended_color_light": extended_color_light,
    "color_temperature_light": color_temperature_light,
    "dimmable_light": dimmable_light,
    "onoff_plug_with_metering": onoff_plug_with_metering,
    "climate_sensor": climate_sensor,
    "motion_sensor": motion_sensor,
    "door_contact": door_contact,
    "water_leak": water_leak,
    "remote_4button": remote_4button,
    "manufacturer_id_light": manufacturer_id_light,
    "manufacturer_only_device": manufacturer_only_device,
}
