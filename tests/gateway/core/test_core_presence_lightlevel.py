"""ZHAPresence (occupancy, auto-reset via tick) and ZHALightLevel from a Hue motion sensor."""

from __future__ import annotations

import pytest
from core_zoo import MOTION_IEEE, motion_sensor

from gateway.core.store import Store

LIGHT_LEVEL, TEMPERATURE, PRESENCE = "1", "2", "3"


@pytest.fixture
def motion(store: Store, joined) -> Store:
    joined(motion_sensor({(2, 0x0001, 0x0021): 200, (2, 0x0406, 0x0010): 0}))
    return store


def test_motion_sensor_maps_to_three_sensors_and_no_switch(motion: Store) -> None:
    assert {i: (s.type, s.uniqueid) for i, s in motion.sensors.items()} == {
        LIGHT_LEVEL: ("ZHALightLevel", f"{MOTION_IEEE}-02-0400"),
        TEMPERATURE: ("ZHATemperature", f"{MOTION_IEEE}-02-0402"),
        PRESENCE: ("ZHAPresence", f"{MOTION_IEEE}-02-0406"),
    }
    presence = motion.sensors[PRESENCE].to_json()
    assert presence["config"] == {
        "battery": 100,
        "delay": 0,
        "duration": 60,
        "on": True,
        "reachable": True,
    }
    assert presence["state"] == {"lastupdated": "none", "presence": None}
    lightlevel = motion.sensors[LIGHT_LEVEL].to_json()
    assert lightlevel["config"] == {
        "battery": 100,
        "on": True,
        "reachable": True,
        "tholddark": 12000,
        "tholdoffset": 7000,
    }
    assert lightlevel["state"] == {
        "dark": None,
        "daylight": None,
        "lastupdated": "none",
        "lightlevel": None,
        "lux": None,
    }


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        (12000, {"dark": True, "daylight": False, "lightlevel": 12000, "lux": 16}),
        (19000, {"dark": False, "daylight": True, "lightlevel": 19000, "lux": 79}),
        (15000, {"dark": False, "daylight": False, "lightlevel": 15000, "lux": 32}),
        (1, {"dark": True, "daylight": False, "lightlevel": 1, "lux": 1}),
        (0, {"dark": True, "daylight": False, "lightlevel": 0, "lux": 0}),
    ],
)
def test_lightlevel_lux_dark_daylight(motion: Store, rx, raw, state) -> None:
    [message] = motion.handle(rx.report(MOTION_IEEE, 2, 0x0400, 0x0000, raw))
    assert message["state"] == {**state, "lastupdated": "2024-05-02T08:10:43.512"}
    assert message["id"] == LIGHT_LEVEL


def test_lightlevel_invalid_reading_is_ignored(motion: Store, rx) -> None:
    assert motion.handle(rx.report(MOTION_IEEE, 2, 0x0400, 0x0000, 0xFFFF)) == []


def test_thresholds_recompute_dark(motion: Store, rx) -> None:
    motion.handle(rx.report(MOTION_IEEE, 2, 0x0400, 0x0000, 13000))
    motion.websocketnotifyall = False
    messages = motion.apply_sensor_config(LIGHT_LEVEL, {"tholddark": 14000})
    assert [m.get("state") or m.get("config") for m in messages] == [
        {"dark": True},
        {"tholddark": 14000},
    ]


@pytest.mark.parametrize("notify_all", [True, False])
def test_presence_report_contract(motion: Store, rx, notify_all) -> None:
    motion.websocketnotifyall = notify_all
    messages = motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x01))
    body = {"lastupdated": "2024-05-02T08:10:43.512", "presence": True}
    assert messages == [
        {
            "e": "changed",
            "id": PRESENCE,
            "r": "sensors",
            "state": body,
            "t": "event",
            "uniqueid": f"{MOTION_IEEE}-02-0406",
        }
    ]


def test_presence_auto_resets_after_duration(motion: Store, rx, clock) -> None:
    motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x01))
    assert motion.tick(clock.now + 59.9) == []
    messages = motion.tick(clock.now + 60)
    assert messages == [
        {
            "e": "changed",
            "id": PRESENCE,
            "r": "sensors",
            "state": {"lastupdated": "2024-05-02T08:11:43.512", "presence": False},
            "t": "event",
            "uniqueid": f"{MOTION_IEEE}-02-0406",
        }
    ]
    assert motion.tick(clock.now + 120) == []


def test_retrigger_extends_and_clear_disarms(motion: Store, rx, clock) -> None:
    motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x01))
    clock.advance(40)
    motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x01))
    assert motion.tick(clock.now + 30) == []
    assert len(motion.tick(clock.now + 60)) == 1

    motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x01))
    motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x00))
    assert motion.tick(clock.now + 600) == []


def test_duration_zero_disables_and_change_applies(motion: Store, rx, clock) -> None:
    motion.apply_sensor_config(PRESENCE, {"duration": 0})
    motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 0x01))
    assert motion.tick(clock.now + 3600) == []
    motion.apply_sensor_config(PRESENCE, {"duration": 5})
    assert len(motion.tick(clock.now + 5)) == 1


def test_delay_report_is_config_only(motion: Store, rx) -> None:
    motion.websocketnotifyall = False
    [message] = motion.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0010, 30))
    assert message["config"] == {"delay": 30} and "state" not in message
