"""PUT /sensors/<id>/config on a ZHAThermostat: what is written to the device, and what is
published, is what the device will report back."""

from __future__ import annotations

import copy

import pytest
from deconz_samples import THERMOSTAT, check_zigpy

from gateway.api.changes import SensorConfig
from gateway.api.sensor_config import plan_sensor_config
from radio.commands import DeviceTarget, WriteAttributes

TARGET = DeviceTarget("00:0b:57:ff:fe:11:22:33", 1)


def plan(body, sensor=THERMOSTAT):
    result = plan_sensor_config("8", copy.deepcopy(sensor), body)
    check_zigpy(result.commands)
    return result


def test_locked_writes_the_keypad_lockout():
    result = plan({"locked": True})
    assert result.responses == [{"success": {"/sensors/8/config/locked": True}}]
    assert result.commands == [WriteAttributes(TARGET, 0x0204, {"keypad_lockout": 1})]
    assert result.changes == [SensorConfig("8", {"locked": True})]
    assert plan({"locked": False}).commands[0].attributes == {"keypad_lockout": 0}


@pytest.mark.parametrize(
    ("offset", "published", "calibration"),
    [
        (0, 0, 0),
        (-100, -100, -10),
        (123, 120, 12),
        (-15, -10, -1),
        (250, 250, 25),
        (-250, -250, -25),
    ],
)
def test_offset_is_published_as_the_device_stores_it(offset, published, calibration):
    result = plan({"offset": offset})
    assert result.responses == [{"success": {"/sensors/8/config/offset": published}}]
    assert result.commands == [
        WriteAttributes(TARGET, 0x0201, {"local_temperature_calibration": calibration})
    ]
    assert result.changes == [SensorConfig("8", {"offset": published})]


@pytest.mark.parametrize(
    "body",
    [
        {"offset": 260},
        {"offset": -3000},
        {"offset": "10"},
        {"locked": 1},
        {"locked": "true"},
        {"heatsetpoint": 3201},
        {"heatsetpoint": 21.5},
        {"mode": "HEAT"},
        {"mode": None},
    ],
)
def test_bad_values_are_error_7_and_change_nothing(body):
    result = plan(body)
    [key] = body
    assert result.responses[0]["error"]["type"] == 7
    assert result.responses[0]["error"]["address"] == f"/sensors/8/config/{key}"
    assert (result.commands, result.changes) == ([], [])


def test_locked_on_a_thermostat_without_a_keypad_is_not_available():
    sensor = copy.deepcopy(THERMOSTAT)
    del sensor["config"]["locked"]
    result = plan({"locked": True}, sensor)
    assert result.responses[0]["error"]["type"] == 6
    assert result.commands == []


def test_each_key_answers_on_its_own():
    result = plan({"heatsetpoint": 2250, "mode": "boost", "locked": True})
    assert [next(iter(r)) for r in result.responses] == ["success", "success", "error"]
    assert result.commands == [
        WriteAttributes(TARGET, 0x0201, {"occupied_heating_setpoint": 2250}),
        WriteAttributes(TARGET, 0x0204, {"keypad_lockout": 1}),
    ]
    assert result.changes == [SensorConfig("8", {"heatsetpoint": 2250, "locked": True})]
