"""IAS zones: ZHAOpenClose / ZHAWater / ZHAAlarm, zone status bits, stable type choice."""

from __future__ import annotations

import pytest
from core_zoo import DOOR_IEEE, WATER_IEEE, door_contact, water_leak

from gateway.core.persistence import Persistence
from gateway.core.store import Store

DOOR_UID = f"{DOOR_IEEE}-01-0500"
WATER_UID = f"{WATER_IEEE}-01-0500"


def test_door_contact_json(store: Store, joined) -> None:
    joined(door_contact({(1, 0x0500, 0x0002): 0x0001, (1, 0x0001, 0x0021): 120}))
    obj = store.sensors["1"].to_json()
    del obj["etag"]
    assert obj == {
        "capabilities": {"sleeper": True},
        "config": {"battery": 60, "on": True, "reachable": True},
        "ep": 1,
        "lastannounced": "2024-05-02T08:10:43Z",
        "lastseen": "2024-05-02T08:10Z",
        "manufacturername": "eWeLink",
        "modelid": "DS01",
        "name": "OpenClose 1",
        "nwkaddress": "0x1D1D",
        "state": {
            "lastupdated": "2024-05-02T08:10:43.512",
            "lowbattery": False,
            "open": True,
            "tampered": False,
        },
        "swversion": "",
        "type": "ZHAOpenClose",
        "uniqueid": DOOR_UID,
    }


@pytest.mark.parametrize("notify_all", [True, False])
def test_zone_status_attribute_and_notification_contract(
    store: Store, joined, rx, notify_all
) -> None:
    joined(door_contact())
    store.websocketnotifyall = notify_all
    stamp = "2024-05-02T08:10:43.512"

    messages = store.handle(rx.report(DOOR_IEEE, 1, 0x0500, 0x0002, 0x0001))
    full = {"lastupdated": stamp, "lowbattery": False, "open": True, "tampered": False}
    assert messages == [
        {
            "e": "changed",
            "id": "1",
            "r": "sensors",
            "state": full,
            "t": "event",
            "uniqueid": DOOR_UID,
        }
    ]

    messages = store.handle(
        rx.command(DOOR_IEEE, 1, 0x0500, 0x00, "status_change_notification", zone_status=0x000C)
    )
    body = {"lastupdated": stamp, "lowbattery": True, "open": False, "tampered": True}
    assert [m["state"] for m in messages] == [body]

    messages = store.handle(
        rx.command(DOOR_IEEE, 1, 0x0500, 0x00, "status_change_notification", zone_status=0x000E)
    )
    expected = {**body, "open": True} if notify_all else {"lastupdated": stamp, "open": True}
    assert [m["state"] for m in messages] == [expected]


def test_water_leak_with_known_zone_type(store: Store, joined, rx) -> None:
    joined(water_leak())
    sensor = store.sensors["1"]
    assert (sensor.type, sensor.uniqueid, sensor.state["water"]) == ("ZHAWater", WATER_UID, None)
    store.handle(rx.report(WATER_IEEE, 1, 0x0500, 0x0002, 0x0002))  # alarm2 counts too
    assert sensor.state["water"] is True


def test_unknown_zone_type_is_provisional_alarm_then_retyped_once(
    store: Store, joined, rx, persistence: Persistence, clock
) -> None:
    messages = joined(water_leak(zone_type_known=False))
    assert [(m["e"], m["sensor"]["type"]) for m in messages] == [("added", "ZHAAlarm")]
    assert store.sensors["1"].state == {
        "alarm": None,
        "lastupdated": "none",
        "lowbattery": None,
        "tampered": None,
    }

    messages = store.handle(rx.report(WATER_IEEE, 1, 0x0500, 0x0001, 0x002A))
    assert [(m["e"], m["id"], m["uniqueid"]) for m in messages] == [
        ("deleted", "1", WATER_UID),
        ("added", "1", WATER_UID),
    ]
    assert messages[1]["sensor"]["type"] == "ZHAWater"
    assert store.sensors["1"].type == "ZHAWater"

    # Final now: another zone type does not change it, nor does a restart without the cache.
    assert store.handle(rx.report(WATER_IEEE, 1, 0x0500, 0x0001, 0x0015)) == []
    restarted = Store(persistence, clock=clock)
    restarted.handle(rx.join(water_leak(zone_type_known=False), restored=True))
    assert restarted.sensors["1"].type == "ZHAWater"


def test_enroll_request_also_teaches_the_zone_type(store: Store, joined, rx) -> None:
    joined(water_leak(zone_type_known=False))
    store.handle(
        rx.command(WATER_IEEE, 1, 0x0500, 0x01, "enroll", zone_type=0x0015, manufacturer_code=0)
    )
    assert store.sensors["1"].type == "ZHAOpenClose"


def test_generic_zone_type_stays_alarm_without_retyping(store: Store, joined, rx) -> None:
    joined(water_leak(zone_type_known=False))
    assert store.handle(rx.report(WATER_IEEE, 1, 0x0500, 0x0001, 0x0000)) == []
    assert store.sensors["1"].type == "ZHAAlarm"


def test_provisional_alarm_restored_with_known_type_is_resolved_silently(
    store: Store, joined, rx, persistence: Persistence, clock
) -> None:
    joined(water_leak(zone_type_known=False))
    restarted = Store(persistence, clock=clock)
    assert restarted.handle(rx.join(water_leak(zone_type_known=True), restored=True)) == []
    assert restarted.sensors["1"].type == "ZHAWater"
