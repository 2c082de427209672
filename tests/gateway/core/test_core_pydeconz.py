"""Conformance with the real client: pydeconz parses our full state and applies our events.

The JSON goes through `json.dumps(sort_keys=True)` first, as the shell serialises it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from core_zoo import CLIMATE_IEEE, CT_IEEE, DOOR_IEEE, MOTION_IEEE, REMOTE_IEEE

pydeconz = pytest.importorskip("pydeconz")
from pydeconz.gateway import DeconzSession  # noqa: E402

from gateway.core.store import Store  # noqa: E402


def wire(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, separators=(",", ":")))


@pytest.fixture
def home(store: Store, zoo, joined) -> Store:
    for device in zoo.home():
        joined(device)
    gid = store.create_group("Living", "Room", "Living room")
    store.set_group_lights(gid, ["1", "2"])
    store.create_scene(gid, "Relax")
    return store


@pytest.fixture
def client(home: Store, caplog) -> DeconzSession:
    session = DeconzSession(None, "127.0.0.1", 80, "KEY")  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING):
        session.groups.process_raw(wire(home.groups_json()))
        session.lights.process_raw(wire(home.lights_json()))
        session.sensors.process_raw(wire(home.sensors_json()))
    assert caplog.records == []  # no "unsupported type" or enum warnings
    return session


def test_every_resource_is_understood(home: Store, client: DeconzSession) -> None:
    assert sorted(client.lights.keys(), key=int) == sorted(home.lights, key=int)
    assert sorted(client.sensors.keys(), key=int) == sorted(home.sensors, key=int)
    for light in client.lights.values():
        assert light.reachable is True
        _ = (
            light.name,
            light.unique_id,
            light.manufacturer,
            light.model_id,
            light.software_version,
        )
    ext = client.lights["1"]
    assert (
        ext.brightness,
        ext.xy,
        ext.hue,
        ext.color_temp,
        ext.min_color_temp,
        ext.max_color_temp,
    ) == (
        180,
        (0.4573, 0.41),
        8402,
        366,
        153,
        454,
    )
    types = sorted(type(s).__name__ for s in client.sensors.values())
    assert types == sorted(
        [
            "Consumption",
            "Power",
            "Temperature",
            "Pressure",
            "Humidity",
            "LightLevel",
            "Temperature",
            "Presence",
            "OpenClose",
            "Water",
            "Switch",
        ]
    )
    for sensor in client.sensors.values():
        _ = (
            sensor.reachable,
            sensor.battery,
            sensor.low_battery,
            sensor.tampered,
            sensor.name,
        )
    group = client.groups["1"]
    assert (group.any_on, group.all_on, group.lights) == (True, False, ["1", "2"])
    assert [scene.name for scene in client.scenes.values()] == ["Relax"]


def test_events_update_the_client(home: Store, client: DeconzSession, rx) -> None:
    def deliver(messages: list[dict[str, Any]]) -> None:
        for message in messages:
            client.events.handler(wire(message))

    for notify_all in (True, False):
        home.websocketnotifyall = notify_all
        deliver(home.handle(rx.report(CT_IEEE, 1, 0x0006, 0x0000, 1)))
        assert client.lights["2"].on is True and client.groups["1"].all_on is True
        deliver(home.handle(rx.report(CT_IEEE, 1, 0x0006, 0x0000, 0)))
        assert client.lights["2"].on is False and client.groups["1"].all_on is False

    temperature = next(
        s for s in client.sensors.values() if s.unique_id == f"{CLIMATE_IEEE}-01-0402"
    )
    deliver(home.handle(rx.report(CLIMATE_IEEE, 1, 0x0402, 0x0000, 2345)))
    assert temperature.temperature == 2345  # pydeconz keeps 0.01 °C; HA divides

    door = next(s for s in client.sensors.values() if s.unique_id == f"{DOOR_IEEE}-01-0500")
    deliver(
        home.handle(
            rx.command(DOOR_IEEE, 1, 0x0500, 0x00, "status_change_notification", zone_status=1)
        )
    )
    assert door.open is True

    presence = next(s for s in client.sensors.values() if s.unique_id == f"{MOTION_IEEE}-02-0406")
    deliver(home.handle(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 1)))
    assert presence.presence is True
    deliver(home.tick(rx.report(MOTION_IEEE, 2, 0x0406, 0x0000, 1).timestamp + 60))
    assert presence.presence is False

    switch = next(s for s in client.sensors.values() if s.unique_id == f"{REMOTE_IEEE}-01-1000")
    seen: list[int | None] = []
    switch.subscribe(lambda *_: seen.append(switch.button_event))
    deliver(home.handle(rx.command(REMOTE_IEEE, 1, 0x0006, 0x01, "on")))
    deliver(home.handle(rx.command(REMOTE_IEEE, 1, 0x0006, 0x01, "on")))
    deliver(home.handle(rx.report(REMOTE_IEEE, 1, 0x0001, 0x0021, 100)))
    assert seen[:2] == [1002, 1002]
    assert switch.battery == 50

    deliver(home.rename("groups", "1", "Lounge"))
    assert client.groups["1"].name == "Lounge"
