"""ZHATemperature / ZHAHumidity / ZHAPressure with config.battery."""

from __future__ import annotations

import dataclasses

import pytest
from core_zoo import CLIMATE_IEEE, climate_sensor

from gateway.core.persistence import Persistence
from gateway.core.store import Store

UID = "00:15:8d:00:02:aa:bb:cc-01-0402"
CACHED = {
    (1, 0x0402, 0x0000): 2154,
    (1, 0x0403, 0x0000): 1013,
    (1, 0x0405, 0x0000): 4550,
    (1, 0x0001, 0x0021): 182,
}


@pytest.fixture
def climate(store: Store, joined) -> Store:
    joined(climate_sensor(CACHED))
    return store


def test_temperature_sensor_json(climate: Store) -> None:
    obj = climate.sensors["1"].to_json()
    assert len(obj.pop("etag")) == 32
    assert obj == {
        "capabilities": {"sleeper": True},
        "config": {"battery": 91, "offset": 0, "on": True, "reachable": True},
        "ep": 1,
        "lastannounced": "2024-05-02T08:10:43Z",
        "lastseen": "2024-05-02T08:10Z",
        "manufacturername": "LUMI",
        "modelid": "lumi.weather",
        "name": "Temperature 1",
        "nwkaddress": "0x5F3C",
        "state": {"lastupdated": "2024-05-02T08:10:43.512", "temperature": 2154},
        "swversion": "3000-0001",
        "type": "ZHATemperature",
        "uniqueid": UID,
    }


def test_one_sensor_per_quantity_in_cluster_order(climate: Store) -> None:
    summary = {i: (s.type, s.uniqueid, s.state) for i, s in climate.sensors.items()}
    stamp = "2024-05-02T08:10:43.512"
    assert summary == {
        "1": ("ZHATemperature", UID, {"lastupdated": stamp, "temperature": 2154}),
        "2": ("ZHAPressure", f"{CLIMATE_IEEE}-01-0403", {"lastupdated": stamp, "pressure": 1013}),
        "3": ("ZHAHumidity", f"{CLIMATE_IEEE}-01-0405", {"humidity": 4550, "lastupdated": stamp}),
    }
    assert all(s.config["battery"] == 91 for s in climate.sensors.values())


def test_no_value_yet_means_null_and_lastupdated_none(store: Store, joined) -> None:
    joined(climate_sensor())
    assert store.sensors["1"].state == {"lastupdated": "none", "temperature": None}
    assert store.sensors["1"].config["battery"] is None


@pytest.mark.parametrize("notify_all", [True, False])
def test_every_report_is_a_state_message_even_if_unchanged(
    climate: Store, rx, clock, notify_all
) -> None:
    climate.websocketnotifyall = notify_all
    clock.advance(2.25)
    messages = climate.handle(rx.report(CLIMATE_IEEE, 1, 0x0402, 0x0000, 2154))
    stamp = "2024-05-02T08:10:45.762"
    body = {"lastupdated": stamp, "temperature": 2154} if notify_all else {"lastupdated": stamp}
    assert messages == [
        {"e": "changed", "id": "1", "r": "sensors", "state": body, "t": "event", "uniqueid": UID}
    ]

    clock.advance(1)
    [message] = climate.handle(rx.report(CLIMATE_IEEE, 1, 0x0402, 0x0000, 2160))
    assert message["state"] == {"lastupdated": "2024-05-02T08:10:46.762", "temperature": 2160}


@pytest.mark.parametrize("notify_all", [True, False])
def test_battery_report_is_a_config_message_on_every_sensor(climate: Store, rx, notify_all) -> None:
    climate.websocketnotifyall = notify_all
    messages = climate.handle(rx.report(CLIMATE_IEEE, 1, 0x0001, 0x0021, 173))
    full = {"battery": 86, "offset": 0, "on": True, "reachable": True}
    body = full if notify_all else {"battery": 86}
    assert messages == [
        {
            "config": body,
            "e": "changed",
            "id": i,
            "r": "sensors",
            "t": "event",
            "uniqueid": climate.sensors[i].uniqueid,
        }
        for i in ("1", "2", "3")
    ]
    assert climate.handle(rx.report(CLIMATE_IEEE, 1, 0x0001, 0x0021, 0xFF)) == []  # unknown level


@pytest.mark.parametrize(
    ("cluster", "raw"), [(0x0402, -0x8000), (0x0402, 0x8000), (0x0405, 0xFFFF), (0x0403, -0x8000)]
)
def test_invalid_readings_change_nothing(climate: Store, rx, cluster, raw) -> None:
    assert climate.handle(rx.report(CLIMATE_IEEE, 1, cluster, 0x0000, raw)) == []


def test_offset_is_applied_clamped_and_persisted(
    climate: Store, rx, persistence: Persistence, clock
) -> None:
    climate.websocketnotifyall = False
    messages = climate.apply_sensor_config("1", {"offset": -54})
    assert [(m.get("state"), m.get("config")) for m in messages] == [
        ({"temperature": 2100}, None),
        (None, {"offset": -54}),
    ]
    climate.apply_sensor_config("3", {"offset": 6000})
    assert climate.sensors["3"].state["humidity"] == 10000
    climate.handle(rx.report(CLIMATE_IEEE, 1, 0x0402, 0x0000, 2000))
    assert climate.sensors["1"].state["temperature"] == 1946

    restarted = Store(persistence, clock=clock)
    restarted.handle(rx.join(climate_sensor(CACHED), restored=True))
    assert restarted.sensors["1"].config["offset"] == -54
    assert restarted.sensors["1"].state["temperature"] == 2100


def test_pressure_offset(climate: Store) -> None:
    climate.apply_sensor_config("2", {"offset": 7})
    assert climate.sensors["2"].state["pressure"] == 1020


def test_battery_only_device_is_a_zhabattery(store: Store, joined, rx) -> None:
    device = climate_sensor()
    ep = device.endpoints[0]
    only_power = type(ep)(ep.id, ep.profile_id, 0x0000, (0x0000, 0x0001, 0x0003), ())
    battery_only = dataclasses.replace(device, endpoints=(only_power,))
    joined(battery_only)
    [sensor] = store.sensors.values()
    assert (sensor.type, sensor.uniqueid) == ("ZHABattery", f"{CLIMATE_IEEE}-01-0001")
    assert "battery" not in sensor.config
    store.websocketnotifyall = False
    [message] = store.handle(rx.report(CLIMATE_IEEE, 1, 0x0001, 0x0021, 201))
    assert message["state"] == {"battery": 100, "lastupdated": "2024-05-02T08:10:43.512"}


def test_a_restored_sensor_keeps_the_time_of_its_last_report(persistence, clock, rx) -> None:
    """After a restart `lastupdated` is when zigpy stored the value (a dead sensor must not
    look fresh after every restart); without a stored time it is the restore time."""
    reported = {
        (1, 0x0402, 0x0000): clock.now - 3600.0,  # temperature an hour ago
        (1, 0x0405, 0x0000): clock.now - 60.25,  # humidity a minute ago
    }
    device = dataclasses.replace(climate_sensor(CACHED), cached_at=reported)
    store = Store(persistence, clock=clock)
    store.handle(rx.join(device, restored=True))
    by_type = {s.type: s.state["lastupdated"] for s in store.sensors.values()}
    assert by_type == {
        "ZHATemperature": "2024-05-02T07:10:43.512",
        "ZHAHumidity": "2024-05-02T08:09:43.262",
        "ZHAPressure": "2024-05-02T08:10:43.512",  # no stored time: now
    }
