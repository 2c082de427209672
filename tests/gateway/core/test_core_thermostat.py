"""ZHAThermostat: a Thermostat cluster (with or without its user interface) as deCONZ shows it."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.core.store import Store
from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource

IEEE = "00:5a:49:47:00:00:00:0b"
UID = f"{IEEE}-01-0201"
HA = 0x0104
STAMP = "2024-05-02T08:10:43.512"
CACHED = {
    (1, 0x0201, 0x0000): 1950,  # LocalTemperature 19.5 °C
    (1, 0x0201, 0x0008): 40,  # PIHeatingDemand
    (1, 0x0201, 0x0010): -5,  # calibration -0.5 °C
    (1, 0x0201, 0x0012): 2100,  # OccupiedHeatingSetpoint
    (1, 0x0201, 0x001C): 4,  # SystemMode heat
    (1, 0x0201, 0x0029): 1,  # RunningState heat on
    (1, 0x0204, 0x0001): 0,  # KeypadLockout off
    (1, 0x0001, 0x0021): 160,
}


def trv(cached: dict[tuple[int, int, int], Any] | None = None, ui: bool = True) -> DeviceInfo:
    """A battery radiator valve: HA thermostat device id 0x0301, Thermostat (+ UI) clusters."""
    clusters = (0x0000, 0x0001, 0x0003, 0x0201) + ((0x0204,) if ui else ())
    return DeviceInfo(
        IEEE,
        0x3B0B,
        "zigbridge-sim",
        "SIM-TRV1",
        PowerSource.BATTERY,
        LogicalType.END_DEVICE,
        (EndpointInfo(1, HA, 0x0301, clusters, (0x000A, 0x0019)),),
        sw_build="1.4.2",
        cached=dict(CACHED if cached is None else cached),
    )


@pytest.fixture
def thermostat(store: Store, joined) -> Store:
    joined(trv())
    return store


def test_a_thermostat_is_one_zhathermostat_with_its_state_and_settings(thermostat: Store):
    [sensor] = thermostat.sensors.values()
    obj = sensor.to_json()
    assert (obj["type"], obj["uniqueid"], obj["name"]) == ("ZHAThermostat", UID, "Thermostat 1")
    assert obj["state"] == {"lastupdated": STAMP, "on": True, "temperature": 1950, "valve": 40}
    assert obj["config"] == {
        "battery": 80,
        "heatsetpoint": 2100,
        "locked": False,
        "mode": "heat",
        "offset": -50,
        "on": True,
        "reachable": True,
    }
    assert not thermostat.lights


def test_without_a_user_interface_cluster_there_is_no_locked(store: Store, joined):
    joined(trv(ui=False))
    assert "locked" not in store.sensors["1"].config


def test_without_running_state_an_open_valve_means_heating(store: Store, joined, rx):
    cached = {k: v for k, v in CACHED.items() if k[2] != 0x0029}
    joined(trv(cached))
    assert store.sensors["1"].state["on"] is True
    store.handle(rx.report(IEEE, 1, 0x0201, 0x0008, 3))
    assert store.sensors["1"].state == {
        "lastupdated": STAMP,
        "on": False,
        "temperature": 1950,
        "valve": 3,
    }


def test_nothing_known_yet_is_null(store: Store, joined):
    joined(trv({}))
    sensor = store.sensors["1"]
    assert sensor.state == {"lastupdated": "none", "on": None, "temperature": None, "valve": None}
    assert (sensor.config["heatsetpoint"], sensor.config["mode"]) == (None, None)


@pytest.mark.parametrize("notify_all", [True, False])
def test_reports_push_state_and_config(thermostat: Store, rx, clock, notify_all):
    thermostat.websocketnotifyall = notify_all
    clock.advance(1)
    [message] = thermostat.handle(rx.report(IEEE, 1, 0x0201, 0x0000, 2012))
    stamp = "2024-05-02T08:10:44.512"
    full = {"lastupdated": stamp, "on": True, "temperature": 2012, "valve": 40}
    assert message == {
        "e": "changed",
        "id": "1",
        "r": "sensors",
        "state": full if notify_all else {"lastupdated": stamp, "temperature": 2012},
        "t": "event",
        "uniqueid": UID,
    }
    # A setting changed at the device (its dial) is a config message, without lastupdated
    [message] = thermostat.handle(rx.report(IEEE, 1, 0x0201, 0x0012, 2250))
    full_config = {
        "battery": 80,
        "heatsetpoint": 2250,
        "locked": False,
        "mode": "heat",
        "offset": -50,
        "on": True,
        "reachable": True,
    }
    assert "state" not in message
    assert message["config"] == (full_config if notify_all else {"heatsetpoint": 2250})
    [message] = thermostat.handle(rx.report(IEEE, 1, 0x0204, 0x0001, 1))
    assert message["config"]["locked"] is True
    [message] = thermostat.handle(rx.report(IEEE, 1, 0x0201, 0x001C, 0))
    assert message["config"]["mode"] == "off"


def test_invalid_readings_change_nothing(thermostat: Store, rx):
    assert thermostat.handle(rx.report(IEEE, 1, 0x0201, 0x0000, -0x8000)) == []
    assert thermostat.handle(rx.report(IEEE, 1, 0x0201, 0x001C, 2)) == []  # no deCONZ name
    assert thermostat.sensors["1"].state["temperature"] == 1950
    assert thermostat.sensors["1"].config["mode"] == "heat"


def test_a_rest_offset_is_not_added_to_the_reading(thermostat: Store):
    # The device calibrates itself; its next report carries the corrected temperature
    messages = thermostat.apply_sensor_config("1", {"offset": 100})
    assert [m.get("config", {}).get("offset") for m in messages] == [100]
    assert thermostat.sensors["1"].state["temperature"] == 1950
    assert thermostat.sensors["1"].config["offset"] == 100


def test_a_restart_rebuilds_it_silently_from_the_cache_with_its_id_and_offset(
    persistence, clock, rx
):
    first = Store(persistence, clock=clock)
    first.handle(rx.join(trv()))
    first.apply_sensor_config("1", {"offset": 100})  # the device has not confirmed it yet
    persistence.durable().result(5)

    again = Store(persistence, clock=clock)
    assert again.handle(rx.join(trv(), restored=True)) == []
    sensor = again.sensors["1"]
    assert (sensor.uniqueid, sensor.state["temperature"]) == (UID, 1950)
    # what the device holds wins over what was asked: its calibration is still -0.5 °C
    assert sensor.config["offset"] == -50 and sensor.config["heatsetpoint"] == 2100
