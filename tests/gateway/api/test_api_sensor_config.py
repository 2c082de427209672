from __future__ import annotations

import copy

import pytest
from deconz_samples import (
    CLIP_TEMPERATURE,
    LIGHTLEVEL_SENSOR,
    PRESENCE_SENSOR,
    SWITCH,
    TEMPERATURE_SENSOR,
    THERMOSTAT,
    check_zigpy,
)

from gateway.api.changes import Delete, Rename, SensorConfig, SensorState
from gateway.api.sensor_config import (
    plan_sensor_config,
    plan_sensor_delete,
    plan_sensor_put,
    plan_sensor_state,
)
from radio.commands import DeviceTarget, WriteAttributes


def ok(path, value):
    return {"success": {path: value}}


def err(type_, address, description):
    return {"error": {"type": type_, "address": address, "description": description}}


@pytest.fixture
def presence():
    return copy.deepcopy(PRESENCE_SENSOR)


def config_plan(sensor, body, sensor_id="8"):
    result = plan_sensor_config(sensor_id, copy.deepcopy(sensor), body)
    check_zigpy(result.commands)
    return result


class TestSensorConfig:
    @pytest.mark.parametrize(
        "key", ["battery", "reachable", "pending", "sensitivitymax", "enrolled", "lastchange_time"]
    )
    def test_read_only_items_are_error_8(self, presence, key):
        result = config_plan(presence, {key: 1})
        assert result.status == 200
        assert result.responses == [
            err(8, f"/sensors/8/config/{key}", f"parameter, {key}, not modifiable")
        ]
        assert result.commands == [] and result.changes == []

    def test_per_key_answers_in_key_order_with_http_200(self, presence):
        body = {"on": False, "battery": 50, "foo": 1, "duration": -5, "delay": 30}
        result = config_plan(presence, body)
        assert result.status == 200
        assert result.responses == [
            err(8, "/sensors/8/config/battery", "parameter, battery, not modifiable"),
            ok("/sensors/8/config/delay", 30),
            err(7, "/sensors/8/config/duration", "invalid value, -5, for parameter, duration"),
            err(6, "/sensors/8/config/foo", "parameter, foo, not available"),
            ok("/sensors/8/config/on", False),
        ]
        assert result.commands == [
            WriteAttributes(
                DeviceTarget("00:17:88:01:02:03:04:05", 2), 0x0406, {"pir_o_to_u_delay": 30}
            )
        ]
        assert result.changes == [SensorConfig("8", {"delay": 30, "on": False})]

    def test_item_the_sensor_lacks_is_error_6(self):
        result = config_plan(TEMPERATURE_SENSOR, {"delay": 10, "tholddark": 100})
        assert result.responses == [
            err(6, "/sensors/8/config/delay", "parameter, delay, not available"),
            err(6, "/sensors/8/config/tholddark", "parameter, tholddark, not available"),
        ]

    def test_duration_is_gateway_side(self, presence):
        result = config_plan(presence, {"duration": 120})
        assert result.responses == [ok("/sensors/8/config/duration", 120)]
        assert result.commands == []
        assert result.changes == [SensorConfig("8", {"duration": 120})]

    def test_sensitivity_is_bounded_by_sensitivitymax(self, presence):
        assert config_plan(presence, {"sensitivity": 2}).responses == [
            ok("/sensors/8/config/sensitivity", 2)
        ]
        assert config_plan(presence, {"sensitivity": 3}).responses == [
            err(7, "/sensors/8/config/sensitivity", "invalid value, 3, for parameter, sensitivity")
        ]

    def test_present_but_unsupported_item_is_608(self, presence):
        result = config_plan(presence, {"ledindication": True})
        assert result.responses == [
            err(608, "/sensors/8/config/ledindication", "Could not set attribute")
        ]
        assert result.changes == []

    def test_offset_reapplies_to_the_measurement(self):
        result = config_plan(TEMPERATURE_SENSOR, {"offset": -150})
        assert result.responses == [ok("/sensors/8/config/offset", -150)]
        assert result.commands == []
        assert result.changes == [
            SensorConfig("8", {"offset": -150}),
            SensorState("8", {"temperature": 2004}),
        ]

    def test_offset_range_and_type(self):
        for value in (40000, "1", 1.5, True):
            result = config_plan(TEMPERATURE_SENSOR, {"offset": value})
            assert result.responses[0]["error"]["type"] == 7

    def test_thresholds_recompute_dark_and_daylight(self):
        result = config_plan(LIGHTLEVEL_SENSOR, {"tholddark": 16000})
        assert result.responses == [ok("/sensors/8/config/tholddark", 16000)]
        assert result.changes == [
            SensorConfig("8", {"tholddark": 16000}),
            SensorState("8", {"dark": True, "daylight": False}),
        ]
        result = config_plan(LIGHTLEVEL_SENSOR, {"tholddark": 5000, "tholdoffset": 1000})
        assert result.changes[-1] == SensorState("8", {"dark": False, "daylight": True})
        assert config_plan(LIGHTLEVEL_SENSOR, {"tholdoffset": 0}).responses[0]["error"]["type"] == 7

    def test_switch_group(self):
        assert config_plan(SWITCH, {"group": "20,21"}).responses == [
            ok("/sensors/8/config/group", "20,21")
        ]
        for value in ("", "a", "20,", "70000", 20):
            assert config_plan(SWITCH, {"group": value}).responses[0]["error"]["type"] == 7

    def test_thermostat_writes_to_the_device(self):
        body = {"heatsetpoint": 2200, "mode": "auto", "offset": -100}
        result = config_plan(THERMOSTAT, body)
        target = DeviceTarget("00:0b:57:ff:fe:11:22:33", 1)
        assert result.responses == [
            ok("/sensors/8/config/heatsetpoint", 2200),
            ok("/sensors/8/config/mode", "auto"),
            ok("/sensors/8/config/offset", -100),
        ]
        assert result.commands == [
            WriteAttributes(target, 0x0201, {"occupied_heating_setpoint": 2200}),
            WriteAttributes(target, 0x0201, {"system_mode": 1}),
            WriteAttributes(target, 0x0201, {"local_temperature_calibration": -10}),
        ]
        # the device applies its calibration itself: no gateway-side shift of the reading
        assert not any(isinstance(c, SensorState) for c in result.changes)
        assert config_plan(THERMOSTAT, {"heatsetpoint": 100}).responses[0]["error"]["type"] == 7
        assert config_plan(THERMOSTAT, {"mode": "turbo"}).responses[0]["error"]["type"] == 7

    def test_clip_sensors_may_set_battery_and_reachable_and_never_touch_the_radio(self):
        result = config_plan(CLIP_TEMPERATURE, {"battery": 50, "reachable": False, "offset": 10})
        assert result.responses == [
            ok("/sensors/8/config/battery", 50),
            ok("/sensors/8/config/offset", 10),
            ok("/sensors/8/config/reachable", False),
        ]
        assert result.commands == []

    def test_daylight_accepts_write_only_coordinates(self):
        daylight = {
            "config": {"configured": True, "on": True, "sunriseoffset": 30, "sunsetoffset": -30},
            "modelid": "PHDL00",
            "state": {"dark": False, "daylight": True, "lastupdated": "none", "status": 170},
            "type": "Daylight",
            "uniqueid": "00:21:2e:ff:ff:0a:1b:2c-01",
        }
        result = config_plan(daylight, {"lat": "51.05", "long": "13.73", "sunriseoffset": 10})
        assert [list(r) for r in result.responses] == [["success"]] * 3
        assert config_plan(daylight, {"lat": "north"}).responses[0]["error"]["type"] == 7
        assert config_plan(TEMPERATURE_SENSOR, {"lat": "1"}).responses[0]["error"]["type"] == 6

    @pytest.mark.parametrize("body", [{}, [], None])
    def test_invalid_body(self, presence, body):
        result = config_plan(presence, body)
        assert result.status == 400
        assert result.responses == [err(2, "/sensors/8/config", "body contains invalid JSON")]


class TestSensorPut:
    def test_name(self):
        result = plan_sensor_put("8", TEMPERATURE_SENSOR, {"name": " Bath "})
        assert result.status == 200
        assert result.responses == [ok("/sensors/8/name", "Bath")]
        assert result.changes == [Rename("sensors", "8", "Bath")]

    @pytest.mark.parametrize("name", ["", "   ", "x" * 33, 5, None])
    def test_invalid_name(self, name):
        result = plan_sensor_put("8", TEMPERATURE_SENSOR, {"name": name})
        assert result.status == 400
        assert result.responses[0]["error"]["type"] == 7
        assert result.changes == []

    def test_read_only_attribute_is_8_with_400_and_stops(self):
        result = plan_sensor_put("8", TEMPERATURE_SENSOR, {"name": "x", "modelid": "y"})
        assert result.status == 400
        assert result.responses == [
            err(8, "/sensors/8/modelid", "parameter, modelid, not modifiable")
        ]
        assert result.changes == []

    def test_unknown_attribute_is_6(self):
        result = plan_sensor_put("8", TEMPERATURE_SENSOR, {"colour": "red"})
        assert result.status == 400
        assert result.responses == [err(6, "/sensors/8/colour", "parameter, colour, not available")]

    def test_mode_only_on_symfonisk(self):
        result = plan_sensor_put("8", SWITCH, {"mode": 3})
        assert result.responses == [err(8, "/sensors/8/mode", "parameter, mode, not modifiable")]
        symfonisk = {**SWITCH, "modelid": "SYMFONISK Sound Controller"}
        assert plan_sensor_put("8", symfonisk, {"mode": 3}).responses == [ok("/sensors/8/mode", 3)]
        assert plan_sensor_put("8", symfonisk, {"mode": 2}).status == 400

    def test_config_is_forwarded(self, presence):
        result = plan_sensor_put(
            "8", presence, {"name": "Hall", "config": {"delay": 5, "battery": 1}}
        )
        assert result.status == 200
        assert result.responses == [
            ok("/sensors/8/name", "Hall"),
            err(8, "/sensors/8/config/battery", "parameter, battery, not modifiable"),
            ok("/sensors/8/config/delay", 5),
        ]
        assert result.changes == [Rename("sensors", "8", "Hall"), SensorConfig("8", {"delay": 5})]
        assert len(result.commands) == 1


class TestSensorState:
    def test_buttonevent_injection_on_a_zigbee_switch(self):
        result = plan_sensor_state("12", SWITCH, {"buttonevent": 2002})
        assert result.status == 200
        assert result.responses == [ok("/sensors/12/state/buttonevent", 2002)]
        assert result.changes == [SensorState("12", {"buttonevent": 2002})]
        assert result.commands == []

    def test_other_known_items_are_ignored_on_zigbee_sensors(self):
        result = plan_sensor_state("8", TEMPERATURE_SENSOR, {"temperature": 100})
        assert result.status == 200
        assert result.responses == [] and result.changes == []

    def test_unknown_or_invalid_is_400_and_stops(self):
        assert plan_sensor_state("12", SWITCH, {"buttonevent": "1002"}).responses == [
            err(
                7,
                "/sensors/12/state/buttonevent",
                "invalid value, 1002, for parameter, buttonevent",
            )
        ]
        result = plan_sensor_state("12", SWITCH, {"buttonevent": 1002, "zzz": 1})
        assert result.status == 400
        assert result.responses == [
            err(6, "/sensors/12/state/zzz", "parameter, zzz, not available")
        ]
        assert result.changes == []
        assert plan_sensor_state("8", TEMPERATURE_SENSOR, {"buttonevent": 1002}).status == 400

    def test_clip_state_applies_offset_and_answers_in_one_item(self):
        result = plan_sensor_state("20", CLIP_TEMPERATURE, {"temperature": 2000})
        assert result.responses == [ok("/sensors/20/state/temperature", 2050)]
        assert result.changes == [SensorState("20", {"temperature": 2050})]

    def test_clip_lightlevel_derives_lux_dark_daylight(self):
        clip = {**LIGHTLEVEL_SENSOR, "type": "CLIPLightLevel", "uniqueid": "clip-1"}
        result = plan_sensor_state("21", clip, {"lightlevel": 30001})
        assert result.responses == [ok("/sensors/21/state/lightlevel", 30001)]
        assert result.changes == [
            SensorState("21", {"lightlevel": 30001, "lux": 1000, "dark": False, "daylight": True})
        ]
        assert plan_sensor_state("21", clip, {"lux": 5}).status == 400


def test_delete_forgets_the_sensor_and_echoes_reset():
    result = plan_sensor_delete("8", {})
    assert result.responses == [ok("id", "8")]
    assert result.changes == [Delete("sensors", "8")]
    result = plan_sensor_delete("8", {"reset": True})
    assert result.responses == [ok("/sensors/8/reset", True)]
    assert result.changes == [Delete("sensors", "8")] and result.commands == []
    result = plan_sensor_delete("8", [1])
    assert result.status == 400 and result.changes == []
