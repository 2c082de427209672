"""ZHASwitch: generic button map, state messages only for presses, learned group."""

from __future__ import annotations

import pytest
from core_zoo import REMOTE_IEEE, remote

from gateway.core.persistence import Persistence
from gateway.core.store import Store
from radio.events import AvailabilityChanged, DeviceSeen

UID = f"{REMOTE_IEEE}-01-1000"
ON_OFF, LEVEL, SCENES, COLOR = 0x0006, 0x0008, 0x0005, 0x0300


@pytest.fixture
def switch(store: Store, joined) -> Store:
    messages = joined(remote())
    assert [m["e"] for m in messages] == ["added"]
    return store


def test_switch_json_before_first_press(switch: Store) -> None:
    obj = switch.sensors["1"].to_json()
    del obj["etag"]
    assert obj == {
        "capabilities": {"sleeper": True},
        "config": {"battery": 87, "group": "", "on": True, "reachable": True},
        "ep": 1,
        "lastannounced": "2024-05-02T08:10:43Z",
        "lastseen": "2024-05-02T08:10Z",
        "manufacturername": "IKEA of Sweden",
        "modelid": "TRADFRI remote control",
        "name": "Switch 1",
        "nwkaddress": "0x2906",
        "state": {"buttonevent": None, "lastupdated": "none"},
        "swversion": "2.3.014",
        "type": "ZHASwitch",
        "uniqueid": UID,
    }


def test_uniqueid_suffix_without_zll_is_on_off(store: Store, joined) -> None:
    joined(remote(zll=False))
    assert store.sensors["1"].uniqueid == f"{REMOTE_IEEE}-01-0006"


PRESSES = [
    (ON_OFF, 0x01, "on", {}, 1002),
    (ON_OFF, 0x00, "off", {}, 2002),
    (ON_OFF, 0x02, "toggle", {}, 1002),
    (
        ON_OFF,
        0x42,
        "on_with_timed_off",
        {"on_off_control": 0, "on_time": 1800, "off_wait_time": 0},
        1002,
    ),
    (ON_OFF, 0x40, "off_with_effect", {"effect_id": 0, "effect_variant": 0}, 2002),
    (
        LEVEL,
        0x06,
        "step_with_on_off",
        {"step_mode": 0, "step_size": 43, "transition_time": 5},
        3002,
    ),
    (LEVEL, 0x02, "step", {"step_mode": 1, "step_size": 43, "transition_time": 5}, 4002),
    (LEVEL, 0x05, "move_with_on_off", {"move_mode": 0, "rate": 83}, 3001),
    (LEVEL, 0x07, "stop_with_on_off", {}, 3003),
    (LEVEL, 0x01, "move", {"move_mode": 1, "rate": 83}, 4001),
    (LEVEL, 0x03, "stop", {}, 4003),
    (SCENES, 0x05, "recall", {"group_id": 20, "scene_id": 0}, 5002),
    (SCENES, 0x05, "recall", {"group_id": 20, "scene_id": 2}, 7002),
]


@pytest.mark.parametrize("notify_all", [True, False])
def test_button_map_and_press_contract(switch: Store, rx, clock, notify_all) -> None:
    switch.websocketnotifyall = notify_all
    for cluster, command_id, name, args, expected in PRESSES:
        clock.advance(0.25)
        messages = switch.handle(rx.command(REMOTE_IEEE, 1, cluster, command_id, name, **args))
        stamp = messages[0]["state"]["lastupdated"]
        assert messages == [
            {
                "e": "changed",
                "id": "1",
                "r": "sensors",
                "state": {"buttonevent": expected, "lastupdated": stamp},
                "t": "event",
                "uniqueid": UID,
            }
        ], name


@pytest.mark.parametrize("notify_all", [True, False])
def test_every_press_is_pushed_even_when_repeated(switch: Store, rx, clock, notify_all) -> None:
    switch.websocketnotifyall = notify_all
    stamps = []
    for _ in range(3):
        clock.advance(0.4)
        [message] = switch.handle(rx.command(REMOTE_IEEE, 1, ON_OFF, 0x01, "on"))
        assert message["state"]["buttonevent"] == 1002
        stamps.append(message["state"]["lastupdated"])
    assert len(set(stamps)) == 3


def test_no_state_message_without_a_press(switch: Store, rx, clock) -> None:
    switch.handle(rx.command(REMOTE_IEEE, 1, ON_OFF, 0x01, "on"))
    assert [
        set(m) & {"state", "config", "attr"}
        for m in switch.handle(rx.report(REMOTE_IEEE, 1, 0x0001, 0x0021, 100))
    ] == [{"config"}]
    assert all("state" not in m for m in switch.handle(AvailabilityChanged(REMOTE_IEEE, False)))
    assert all("state" not in m for m in switch.handle(AvailabilityChanged(REMOTE_IEEE, True)))
    clock.advance(120)
    assert [list(m["attr"]) for m in switch.handle(DeviceSeen(REMOTE_IEEE))] == [["lastseen"]]
    # A colour command and a scene store are not buttons.
    assert (
        switch.handle(
            rx.command(REMOTE_IEEE, 1, COLOR, 0x0A, "move_to_color_temp", color_temp_mireds=300)
        )
        == []
    )
    assert (
        switch.handle(rx.command(REMOTE_IEEE, 1, SCENES, 0x04, "store", group_id=1, scene_id=1))
        == []
    )
    assert (
        switch.handle(rx.command(REMOTE_IEEE, 1, SCENES, 0x05, "recall", group_id=1, scene_id=16))
        == []
    )


def test_stop_without_a_move_is_button_3(switch: Store, rx) -> None:
    [message] = switch.handle(rx.command(REMOTE_IEEE, 1, LEVEL, 0x07, "stop_with_on_off"))
    assert message["state"]["buttonevent"] == 3003


def test_groupcast_teaches_config_group_and_creates_the_group(
    switch: Store, rx, persistence: Persistence, clock
) -> None:
    switch.websocketnotifyall = False
    messages = switch.handle(rx.command(REMOTE_IEEE, 1, ON_OFF, 0x01, "on", group=20))
    assert [(m.get("state"), m.get("config")) for m in messages] == [
        ({"buttonevent": 1002, "lastupdated": "2024-05-02T08:10:43.512"}, None),
        (None, {"group": "20"}),
    ]
    assert switch.groups["20"].devicemembership == ["1"]
    assert switch.groups_json()["20"]["name"] == "TRADFRI remote control 1"

    switch.handle(rx.command(REMOTE_IEEE, 1, ON_OFF, 0x00, "off", group=21))
    assert switch.sensors["1"].config["group"] == "20,21"

    restarted = Store(persistence, clock=clock)
    restarted.handle(rx.join(remote(), restored=True))
    assert restarted.sensors["1"].config["group"] == "20,21"
    assert restarted.groups["20"].devicemembership == ["1"]


def test_injected_buttonevent_is_pushed(switch: Store) -> None:
    switch.websocketnotifyall = False
    for _ in range(2):
        [message] = switch.apply_sensor_state("1", {"buttonevent": 2002})
        assert message["state"] == {"buttonevent": 2002, "lastupdated": "2024-05-02T08:10:43.512"}


def test_no_phantom_events_at_start_up_or_reinterview(
    switch: Store, rx, persistence: Persistence, clock
) -> None:
    switch.handle(rx.command(REMOTE_IEEE, 1, ON_OFF, 0x01, "on"))
    restarted = Store(persistence, clock=clock)
    assert restarted.handle(rx.join(remote(), restored=True)) == []
    assert restarted.sensors["1"].state == {"buttonevent": None, "lastupdated": "none"}
    assert all("state" not in m for m in switch.handle(rx.join(remote())))
