"""Which clusters the gateway maps, and how each is set up after a device joins.

One table drives three things: the attributes read once at join (static facts the mapping
needs up front, such as colour capabilities or an IAS zone's type), the attribute reporting
configured so state arrives by report rather than polling, and the attributes read right
after so the first state is known without waiting for the first report.
"""

from __future__ import annotations

from dataclasses import dataclass

# Cluster ids (ZCL); the gateway's mapping tables use these too.
BASIC = 0x0000
POWER_CONFIGURATION = 0x0001
IDENTIFY = 0x0003
GROUPS = 0x0004
SCENES = 0x0005
ON_OFF = 0x0006
LEVEL = 0x0008
ANALOG_INPUT = 0x000C
DOOR_LOCK = 0x0101
WINDOW_COVERING = 0x0102
THERMOSTAT = 0x0201
FAN_CONTROL = 0x0202
THERMOSTAT_UI = 0x0204
COLOR = 0x0300
ILLUMINANCE = 0x0400
TEMPERATURE = 0x0402
PRESSURE = 0x0403
HUMIDITY = 0x0405
OCCUPANCY = 0x0406
SOIL_MOISTURE = 0x0408
CO2 = 0x040D
PM25 = 0x042A
FORMALDEHYDE = 0x042B
IAS_ZONE = 0x0500
IAS_WD = 0x0502
METERING = 0x0702
ELECTRICAL_MEASUREMENT = 0x0B04
ZLL_COMMISSIONING = 0x1000
MANUFACTURER_CLUSTERS = 0xFC00  # cluster ids from here up are manufacturer-specific


@dataclass(frozen=True, slots=True)
class Report:
    """One attribute's reporting configuration: min/max interval in seconds and the
    smallest change that triggers a report (in the attribute's own units)."""

    attribute: str
    min_interval: int
    max_interval: int
    change: float  # a concentration's is a fraction of one (CO2: 1e-5 = 10 ppm)


@dataclass(frozen=True, slots=True)
class ClusterSetup:
    static: tuple[str, ...] = ()
    reports: tuple[Report, ...] = ()
    bind: bool = True


# Intervals follow what ZHA and Zigbee2MQTT configure for the same clusters: lights report
# quickly on change; sensors no faster than every few seconds and at least hourly so a
# silent sensor is noticed.
SETUP: dict[int, ClusterSetup] = {
    ON_OFF: ClusterSetup(reports=(Report("on_off", 0, 900, 1),)),
    LEVEL: ClusterSetup(reports=(Report("current_level", 1, 900, 1),)),
    COLOR: ClusterSetup(
        static=(
            "color_capabilities",
            "color_temp_physical_min",
            "color_temp_physical_max",
        ),
        reports=(
            Report("current_x", 1, 900, 1),
            Report("current_y", 1, 900, 1),
            Report("color_temperature", 1, 900, 1),
            Report("current_hue", 1, 900, 1),
            Report("enhanced_current_hue", 1, 900, 1),
            Report("current_saturation", 1, 900, 1),
            Report("color_mode", 1, 900, 1),
        ),
    ),
    TEMPERATURE: ClusterSetup(reports=(Report("measured_value", 10, 3600, 10),)),
    HUMIDITY: ClusterSetup(reports=(Report("measured_value", 10, 3600, 50),)),
    PRESSURE: ClusterSetup(reports=(Report("measured_value", 10, 3600, 1),)),
    ILLUMINANCE: ClusterSetup(reports=(Report("measured_value", 10, 3600, 200),)),
    OCCUPANCY: ClusterSetup(
        static=("pir_o_to_u_delay",),
        reports=(Report("occupancy", 0, 900, 1),),
    ),
    IAS_ZONE: ClusterSetup(static=("zone_type", "zone_state", "zone_status"), bind=False),
    # Light families beyond lamps: coverings move for seconds and report as they go.
    WINDOW_COVERING: ClusterSetup(
        static=("window_covering_type",),
        reports=(
            Report("current_position_lift_percentage", 1, 900, 1),
            Report("current_position_tilt_percentage", 1, 900, 1),
        ),
    ),
    DOOR_LOCK: ClusterSetup(
        static=("lock_type", "door_state"),
        reports=(Report("lock_state", 0, 900, 1), Report("door_state", 0, 900, 1)),
    ),
    FAN_CONTROL: ClusterSetup(
        static=("fan_mode_sequence",), reports=(Report("fan_mode", 0, 900, 1),)
    ),
    IAS_WD: ClusterSetup(static=("max_duration",), bind=False),
    POWER_CONFIGURATION: ClusterSetup(
        reports=(
            Report("battery_percentage_remaining", 3600, 21600, 2),
            Report("battery_voltage", 3600, 21600, 1),
        ),
    ),
    ELECTRICAL_MEASUREMENT: ClusterSetup(
        static=(
            "ac_voltage_multiplier",
            "ac_voltage_divisor",
            "ac_current_multiplier",
            "ac_current_divisor",
            "ac_power_multiplier",
            "ac_power_divisor",
        ),
        reports=(
            Report("active_power", 5, 900, 1),
            Report("rms_voltage", 5, 900, 1),
            Report("rms_current", 5, 900, 1),
        ),
    ),
    # Reported attributes are also read before the gateway hears of the device, so a
    # thermostat's `added` event already has its temperature, setpoint and mode.
    THERMOSTAT: ClusterSetup(
        reports=(
            Report("local_temperature", 10, 3600, 10),
            Report("pi_heating_demand", 10, 3600, 1),
            Report("running_state", 0, 3600, 1),
            Report("occupied_heating_setpoint", 0, 3600, 1),
            Report("system_mode", 0, 3600, 1),
            Report("local_temperature_calibration", 0, 3600, 1),
        ),
    ),
    THERMOSTAT_UI: ClusterSetup(reports=(Report("keypad_lockout", 0, 3600, 1),)),
    SOIL_MOISTURE: ClusterSetup(reports=(Report("measured_value", 10, 3600, 100),)),
    PM25: ClusterSetup(reports=(Report("measured_value", 10, 3600, 1),)),
    CO2: ClusterSetup(reports=(Report("measured_value", 10, 3600, 1e-5),)),
    FORMALDEHYDE: ClusterSetup(reports=(Report("measured_value", 10, 3600, 1e-8),)),
    ANALOG_INPUT: ClusterSetup(
        static=("engineering_units",), reports=(Report("present_value", 10, 3600, 10),)
    ),
    METERING: ClusterSetup(
        static=("multiplier", "divisor", "unit_of_measure"),
        reports=(
            Report("current_summ_delivered", 5, 900, 1),
            Report("instantaneous_demand", 5, 900, 1),
        ),
    ),
}

# Basic-cluster strings the mapping shows (swversion, power source) beyond manufacturer/model.
BASIC_STATIC = ("sw_build_id", "date_code", "power_source")

# The client clusters a remote's buttons send commands on, in the order that picks the
# cluster naming a switch (its uniqueid suffix).
SWITCH_CLUSTERS = (ON_OFF, LEVEL, SCENES, COLOR)

# The attributes the gateway maps, by cluster: the only attribute events the radio layer
# subscribes to (a subscription on every cluster of every device would be memory spent on
# events the gateway drops), and what a restart restores from zigpy's attribute cache.
MAPPED_ATTRIBUTES: dict[int, tuple[str, ...]] = {
    BASIC: BASIC_STATIC,
    **{
        cluster_id: setup.static + tuple(r.attribute for r in setup.reports)
        for cluster_id, setup in SETUP.items()
    },
}
