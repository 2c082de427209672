"""Scenes: snapshot, JSON, REST recall (no scene-called) vs recall from a remote."""

from __future__ import annotations

import pytest
from core_zoo import CT_IEEE, EXT_COLOR_IEEE, REMOTE_IEEE

from gateway.core.errors import Conflict, NotFound
from gateway.core.persistence import Persistence
from gateway.core.store import Store
from radio.events import AvailabilityChanged

EXT, CT, REMOTE = "1", "2", "1"


@pytest.fixture
def room(store: Store, zoo, joined) -> Store:
    joined(zoo.ext_color_light())
    joined(zoo.ct_light())
    store.set_group_lights(store.create_group("Living"), [EXT, CT])
    return store


def switch_off(room: Store) -> None:
    for lid in (EXT, CT):
        room.apply_light_state(lid, {"on": False})


def test_create_scene_snapshots_reachable_members(room: Store) -> None:
    assert room.create_scene("1", "Relax") == "1"
    scene = room.groups["1"].scenes["1"]
    assert scene.to_json() == {
        "lights": [
            {
                "bri": 180,
                "colormode": "xy",
                "id": EXT,
                "on": True,
                "transitiontime": 10,
                "x": 0.4573,
                "y": 0.41,
            },
            {"bri": 254, "colormode": "ct", "ct": 370, "id": CT, "on": False, "transitiontime": 10},
        ],
        "name": "Relax",
        "state": 0,
    }
    assert scene.listing_json() == {"lights": [EXT, CT], "name": "Relax", "transitiontime": 10}
    assert room.groups_json()["1"]["scenes"] == [
        {"id": "1", "lightcount": 2, "name": "Relax", "transitiontime": 10}
    ]


def test_unreachable_lights_are_not_snapshotted(room: Store) -> None:
    room.handle(AvailabilityChanged(CT_IEEE, False))
    room.create_scene("1", "Only one")
    assert list(room.groups["1"].scenes["1"].lights) == [EXT]


def test_scene_ids_and_conflicts(room: Store) -> None:
    assert [room.create_scene("1", n) for n in ("a", "b")] == ["1", "2"]
    assert room.create_scene("1", "c", scene_id=7) == "7"
    with pytest.raises(Conflict):
        room.create_scene("1", "a")
    with pytest.raises(Conflict):
        room.create_scene("1", "d", scene_id=7)
    room.delete_scene("1", "1")
    assert room.create_scene("1", "e") == "1"
    assert room.create_scene("0", "everything") == "1"  # scene ids are per group
    with pytest.raises(NotFound):
        room.create_scene("9", "x")


@pytest.mark.parametrize("notify_all", [True, False])
def test_rest_recall_is_optimistic_and_not_scene_called(room: Store, notify_all) -> None:
    room.create_scene("1", "Relax")
    switch_off(room)
    room.websocketnotifyall = notify_all
    messages = room.recall_scene("1", "1")
    assert not [m for m in messages if m["e"] == "scene-called"]
    assert [(m["r"], m["id"]) for m in messages] == [("lights", EXT), ("groups", "1")]
    assert room.lights[EXT].state["on"] is True and room.lights[CT].state["on"] is False
    assert room.groups["1"].action["scene"] == "1"
    if not notify_all:
        assert messages[0]["state"] == {"on": True}


def test_remote_recall_emits_press_then_scene_called_then_lights(
    room: Store, zoo, joined, rx
) -> None:
    joined(zoo.remote())
    room.create_scene("1", "Relax")
    switch_off(room)
    room.websocketnotifyall = False
    messages = room.handle(
        rx.command(REMOTE_IEEE, 1, 0x0005, 0x05, "recall", group=1, group_id=1, scene_id=1)
    )
    assert [(m["e"], m["r"]) for m in messages] == [
        ("changed", "sensors"),
        ("changed", "sensors"),
        ("scene-called", "scenes"),
        ("changed", "lights"),
        ("changed", "groups"),
    ]
    assert messages[0]["state"]["buttonevent"] == 6002
    assert messages[1]["config"] == {"group": "1"}
    assert messages[2] == {
        "e": "scene-called",
        "gid": "1",
        "r": "scenes",
        "scid": "1",
        "t": "event",
    }
    assert messages[3]["id"] == EXT and messages[3]["state"] == {"on": True}
    assert room.groups["1"].action["scene"] == ""  # remote recalls do not touch action.scene
    assert room.groups["1"].devicemembership == [REMOTE]


def test_remote_recall_of_unknown_scene_is_only_a_press(room: Store, zoo, joined, rx) -> None:
    joined(zoo.remote())
    messages = room.handle(
        rx.command(REMOTE_IEEE, 1, 0x0005, 0x05, "recall", group_id=1, scene_id=9)
    )
    assert [m["e"] for m in messages] == ["changed"]


def test_store_edit_rename_and_next_prev(room: Store, rx) -> None:
    room.create_scene("1", "A")
    room.create_scene("1", "B")
    room.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0008, 0x0000, 20))
    room.store_scene("1", "1")
    assert room.groups["1"].scenes["1"].lights[EXT].bri == 20
    room.set_scene_light_state("1", "1", CT, {"ct": 100, "bri": 255, "transitiontime": 4})
    entry = room.groups["1"].scenes["1"].lights[CT].to_json(CT)
    assert entry == {
        "bri": 254,
        "colormode": "ct",
        "ct": 250,
        "id": CT,
        "on": False,
        "transitiontime": 4,
    }
    room.set_scene_light_state("1", "1", EXT, {"xy": [0.5, 0.4]})
    assert room.groups["1"].scenes["1"].lights[EXT].to_json(EXT)["x"] == 0.5
    room.rename_scene("1", "2", "Bright")
    assert room.groups["1"].scenes["2"].name == "Bright"
    assert room.resolve_scene("1", "next") == "1"
    room.recall_scene("1", "next")
    assert room.resolve_scene("1", "next") == "2"
    assert room.resolve_scene("1", "prev") == "2"
    with pytest.raises(NotFound):
        room.recall_scene("1", "5")


def test_scenes_survive_a_restart(room: Store, persistence: Persistence, clock) -> None:
    room.create_scene("1", "Relax")
    room.set_scene_light_state("1", "1", CT, {"on": True})
    restarted = Store(persistence, clock=clock)
    assert restarted.groups["1"].scenes["1"].to_json() == room.groups["1"].scenes["1"].to_json()


def test_deleting_a_light_drops_it_from_scenes(
    room: Store, persistence: Persistence, clock
) -> None:
    room.create_scene("1", "Relax")
    room.delete_light(CT)
    assert list(room.groups["1"].scenes["1"].lights) == [EXT]
    assert list(Store(persistence, clock=clock).groups["1"].scenes["1"].lights) == [EXT]
