"""lastseen rate limiting, lastannounced, availability and radio up/down."""

from __future__ import annotations

import pytest
from core_zoo import CLIMATE_IEEE, CT_IEEE, EXT_COLOR_IEEE

from gateway.core.store import Store
from radio.events import (
    AvailabilityChanged,
    DeviceAnnounced,
    DeviceLeft,
    DeviceSeen,
    NetworkDown,
    NetworkUp,
)

EXT_UID = f"{EXT_COLOR_IEEE}-01"


def test_lastseen_is_its_own_rate_limited_message(store: Store, zoo, joined, rx, clock) -> None:
    joined(zoo.ext_color_light())  # seen at 08:10:43
    clock.advance(30)
    assert store.handle(DeviceSeen(EXT_COLOR_IEEE)) == []
    clock.advance(30)  # 60 s after the last update: due
    assert store.handle(DeviceSeen(EXT_COLOR_IEEE)) == [
        {
            "attr": {"lastseen": "2024-05-02T08:11Z"},
            "e": "changed",
            "id": "1",
            "r": "lights",
            "t": "event",
            "uniqueid": EXT_UID,
        }
    ]
    clock.advance(59)
    assert store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0008, 0x0000, 180)) == []
    clock.advance(1)
    messages = store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 0))
    assert [("attr" in m, "state" in m) for m in messages] == [(True, False), (False, True)]
    assert messages[0]["attr"] == {"lastseen": "2024-05-02T08:12Z"}  # lastseen first


def test_lastseen_interval_is_configurable_and_per_resource(
    store: Store, zoo, joined, clock
) -> None:
    joined(zoo.climate_sensor())
    store.lightlastseeninterval = 600
    clock.advance(300)
    assert store.handle(DeviceSeen(CLIMATE_IEEE)) == []
    clock.advance(300)
    assert [m["id"] for m in store.handle(DeviceSeen(CLIMATE_IEEE))] == ["1", "2", "3"]


def test_device_announce_updates_lastannounced_and_nwk(store: Store, zoo, joined, clock) -> None:
    joined(zoo.dimmable_light())
    store.websocketnotifyall = False
    clock.advance(3600)
    messages = store.handle(DeviceAnnounced("00:17:88:01:0a:bc:de:f0", 0x1234))
    assert [m["attr"] for m in messages] == [
        {"lastseen": "2024-05-02T09:10Z"},
        {"lastannounced": "2024-05-02T09:10:43Z", "nwkaddress": "0x1234"},
    ]


@pytest.mark.parametrize("notify_all", [True, False])
def test_availability_flips_light_state_and_sensor_config(
    store: Store, zoo, joined, notify_all
) -> None:
    joined(zoo.dimmable_light())
    joined(zoo.climate_sensor())
    store.websocketnotifyall = notify_all
    [message] = store.handle(AvailabilityChanged("00:17:88:01:0a:bc:de:f0", False))
    assert message["state"] == (
        {"alert": "none", "bri": 77, "on": True, "reachable": False}
        if notify_all
        else {"reachable": False}
    )
    messages = store.handle(AvailabilityChanged(CLIMATE_IEEE, False))
    assert [("state" in m, m["config"]["reachable"]) for m in messages] == [(False, False)] * 3
    assert store.handle(AvailabilityChanged(CLIMATE_IEEE, False)) == []


def test_receiving_anything_makes_a_device_reachable_again(store: Store, zoo, joined, rx) -> None:
    joined(zoo.ext_color_light())
    store.handle(DeviceLeft(EXT_COLOR_IEEE))
    assert store.lights["1"].reachable is False
    store.websocketnotifyall = False
    messages = store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 1))
    assert [m["state"] for m in messages] == [{"reachable": True}]


def test_radio_down_marks_everything_unreachable_and_up_restores(
    store: Store, zoo, joined, rx
) -> None:
    joined(zoo.ext_color_light())
    joined(zoo.ct_light())
    joined(zoo.climate_sensor())
    store.set_group_lights(store.create_group("All of them"), ["1", "2"])
    store.handle(AvailabilityChanged(CT_IEEE, False))
    store.websocketnotifyall = False

    messages = store.handle(NetworkDown("serial port closed"))
    assert store.network_up is False
    assert [(m["r"], m["id"]) for m in messages] == [
        ("lights", "1"),
        ("groups", "1"),
        ("sensors", "1"),
        ("sensors", "2"),
        ("sensors", "3"),
    ]
    assert not any(r.reachable for r in [*store.lights.values(), *store.sensors.values()])

    messages = store.handle(
        NetworkUp("00:21:2e:ff:ff:0a:1b:2c", 0x1A62, "dd:dd:dd:dd:dd:dd:dd:dd", 15, "sim")
    )
    assert store.lights["1"].reachable and store.sensors["1"].reachable
    assert store.lights["2"].reachable is False  # was unavailable before the radio went down
    assert ("lights", "2") not in [(m["r"], m["id"]) for m in messages]
