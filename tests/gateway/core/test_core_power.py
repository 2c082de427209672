"""ZHAPower and ZHAConsumption from a plug (Electrical Measurement + Metering)."""

from __future__ import annotations

import dataclasses

import pytest
from core_zoo import PLUG_IEEE, plug

from gateway.core.store import Store

CONSUMPTION, POWER = "1", "2"


@pytest.fixture
def plugged(store: Store, joined) -> Store:
    joined(plug({(1, 0x0B04, 0x0605): 10}))  # active power in 0.1 W
    return store


def test_plug_maps_to_light_power_and_consumption(plugged: Store) -> None:
    assert plugged.lights["1"].type == "On/Off plug-in unit"
    power = plugged.sensors[POWER].to_json()
    assert (power["type"], power["uniqueid"]) == ("ZHAPower", f"{PLUG_IEEE}-01-0b04")
    assert power["state"] == {
        "current": None,
        "lastupdated": "none",
        "power": None,
        "voltage": None,
    }
    assert power["config"] == {"on": True, "reachable": True}
    assert power["capabilities"] == {"sleeper": False}
    consumption = plugged.sensors[CONSUMPTION].to_json()
    assert (consumption["type"], consumption["uniqueid"]) == (
        "ZHAConsumption",
        f"{PLUG_IEEE}-01-0702",
    )
    assert consumption["state"] == {"consumption": None, "lastupdated": "none"}


@pytest.mark.parametrize("notify_all", [True, False])
def test_power_reports_are_scaled(plugged: Store, rx, notify_all) -> None:
    plugged.websocketnotifyall = notify_all
    stamp = "2024-05-02T08:10:43.512"
    messages = plugged.handle(rx.report(PLUG_IEEE, 1, 0x0B04, 0x050B, 1234))
    body = {"current": None, "lastupdated": stamp, "power": 123, "voltage": None}
    assert messages == [
        {
            "e": "changed",
            "id": POWER,
            "r": "sensors",
            "state": body if notify_all else {"lastupdated": stamp, "power": 123},
            "t": "event",
            "uniqueid": f"{PLUG_IEEE}-01-0b04",
        }
    ]
    plugged.handle(rx.report(PLUG_IEEE, 1, 0x0B04, 0x0505, 231))
    plugged.handle(rx.report(PLUG_IEEE, 1, 0x0B04, 0x0508, 512))
    state = plugged.sensors[POWER].state
    assert (state["power"], state["voltage"], state["current"]) == (123, 231, 512)


@pytest.mark.parametrize(
    ("attribute", "raw"), [(0x050B, -0x8000), (0x0505, 0xFFFF), (0x0508, 0xFFFF)]
)
def test_invalid_electrical_values_are_ignored(plugged: Store, rx, attribute, raw) -> None:
    assert plugged.handle(rx.report(PLUG_IEEE, 1, 0x0B04, attribute, raw)) == []


def test_divisor_report_rescales(plugged: Store, rx) -> None:
    plugged.handle(rx.report(PLUG_IEEE, 1, 0x0B04, 0x050B, 1234))
    plugged.handle(rx.report(PLUG_IEEE, 1, 0x0B04, 0x0605, 1))
    assert plugged.sensors[POWER].state["power"] == 1234


def test_consumption_in_wh(plugged: Store, rx) -> None:
    plugged.handle(rx.report(PLUG_IEEE, 1, 0x0702, 0x0000, 123456))  # 123.456 kWh
    assert plugged.sensors[CONSUMPTION].state["consumption"] == 123456
    plugged.handle(rx.report(PLUG_IEEE, 1, 0x0702, 0x0302, 100))  # now 1234.56 kWh
    assert plugged.sensors[CONSUMPTION].state["consumption"] == 1234560


def test_without_scaling_attributes_raw_values_are_published_units(
    store: Store, joined, rx
) -> None:
    device = plug()
    unscaled = {k: v for k, v in device.cached.items() if k[1] not in (0x0B04, 0x0702)}
    joined(dataclasses.replace(device, cached=unscaled))
    store.handle(rx.report(PLUG_IEEE, 1, 0x0702, 0x0000, 4321))
    store.handle(rx.report(PLUG_IEEE, 1, 0x0B04, 0x0508, 250))
    assert store.sensors[CONSUMPTION].state["consumption"] == 4321
    assert store.sensors[POWER].state["current"] == 250


def test_a_report_frame_with_two_meter_attributes_is_one_event(plugged: Store, rx) -> None:
    """Summation and demand arrive in one frame; `more` holds the push for the last one."""
    first = dataclasses.replace(rx.report(PLUG_IEEE, 1, 0x0702, 0x0000, 20_000), more=True)
    assert plugged.handle(first) == []
    messages = plugged.handle(rx.report(PLUG_IEEE, 1, 0x0702, 0x0400, 42))
    assert [m["state"] for m in messages if m.get("r") == "sensors"] == [
        {"consumption": 20_000, "lastupdated": "2024-05-02T08:10:43.512", "power": 42}
    ]
