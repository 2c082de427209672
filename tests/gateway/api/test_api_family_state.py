"""`PUT /lights/<id>/state` on a door lock, a fan and a siren (the family planners built on
`family_state`), routed by light type, and `PUT /sensors/<id>/config {"lock"}`."""

from __future__ import annotations

from deconz_samples import check_zigpy

from gateway.api.changes import LightState, SensorConfig
from gateway.api.device_state import plan_state
from gateway.api.sensor_config import plan_sensor_config
from radio.clusters import DOOR_LOCK, IAS_WD
from radio.commands import DeviceTarget, WriteAttributes, ZclCommand

IEEE = "00:0d:6f:00:0f:aa:02:01"
TARGET = DeviceTarget(IEEE, 1)


def light(type_, **state):
    return {"type": type_, "uniqueid": f"{IEEE}-01", "state": {"reachable": True, **state}}


def plan(resource, body):
    result = plan_state("9", resource, body)
    check_zigpy(result.commands)
    return result


def errors(result):
    return [item["error"]["type"] for item in result.responses if "error" in item]


def test_lock_on_locks_and_waits_for_the_lock_to_report():
    lock = light("Door Lock", on=False)
    result = plan(lock, {"on": True})
    assert result.commands == [ZclCommand(TARGET, DOOR_LOCK, "lock_door", {})]
    assert result.responses == [{"success": {"/lights/9/state/on": True}}]
    assert result.changes == []  # as deCONZ: the LockState report sets it
    assert plan(lock, {"on": False}).commands == [ZclCommand(TARGET, DOOR_LOCK, "unlock_door", {})]
    bad = plan(lock, {"on": 1, "bri": 3})
    assert errors(bad) == [6, 7] and bad.status == 400 and bad.commands == []
    assert bad.responses[1]["error"]["address"] == "/lights/9/state/on"
    missing = plan(lock, {"x": 1})
    assert errors(missing) == [6] and missing.status == 400


def test_fan_speed_and_on_write_fan_mode():
    fan = light("Fan", on=False, speed=0)
    result = plan(fan, {"speed": 3})
    assert result.commands == [WriteAttributes(TARGET, 0x0202, {"fan_mode": 3})]
    assert result.changes == [LightState("9", {"speed": 3, "on": True})]
    assert plan(fan, {"on": True}).commands == [WriteAttributes(TARGET, 0x0202, {"fan_mode": 4})]
    assert plan(fan, {"on": False, "speed": 2}).commands[0].attributes == {"fan_mode": 2}
    bad = plan(fan, {"speed": 7})
    assert errors(bad) == [7] and bad.commands == [] and bad.changes == []


def test_siren_alerts_start_and_stop_the_warning():
    siren = light("Warning device", alert="none")

    def warning(body):
        (command,) = plan(siren, body).commands
        assert (command.cluster, command.command) == (IAS_WD, "start_warning")
        return command.args["warning"], command.args["warning_duration"]

    assert warning({"alert": "lselect"}) == (0x17, 300)  # burglar, strobe, very high; 5 min
    assert warning({"alert": "lselect", "ontime": 45}) == (0x17, 45)  # seconds, as deCONZ
    assert warning({"alert": "select"}) == (0x17, 1)
    assert warning({"alert": "blink", "ontime": 10}) == (0x04, 10)  # strobe only
    assert warning({"alert": "none"}) == (0x00, 0)
    assert plan(siren, {"alert": "lselect"}).changes == [LightState("9", {"alert": "lselect"})]
    bad = plan(siren, {"alert": "loud"})
    assert errors(bad) == [7] and bad.status == 400 and bad.commands == []
    assert errors(plan(siren, {"ontime": 5})) == [5]  # ontime needs alert
    assert plan(siren, {"ontime": 5}).responses[0]["error"]["description"] == (
        "missing parameter, alert, for parameter, ontime"
    )
    assert errors(plan(siren, {"on": True})) == [6]


def test_other_types_still_go_to_the_lamp_planner():
    lamp = light("Dimmable light", on=False, bri=10, alert="none")
    assert plan(lamp, {"on": True}).commands == [ZclCommand(TARGET, 0x0006, "on", {})]


def test_door_lock_sensor_config_lock_sends_the_command():
    sensor = {
        "type": "ZHADoorLock",
        "uniqueid": f"{IEEE}-01-0101",
        "config": {"lock": True, "on": True, "reachable": True},
        "state": {"lockstate": "locked"},
    }
    result = plan_sensor_config("3", sensor, {"lock": False})
    assert result.commands == [ZclCommand(TARGET, DOOR_LOCK, "unlock_door", {})]
    assert result.changes == [SensorConfig("3", {"lock": False})]
    bad = plan_sensor_config("3", sensor, {"lock": "open"})
    assert errors(bad) == [7] and bad.commands == []
