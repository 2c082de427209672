"""Groups: ids, JSON, any_on/all_on messages after light messages, action cache, group 0."""

from __future__ import annotations

import pytest
from core_zoo import CT_IEEE, EXT_COLOR_IEEE

from gateway.core.errors import NotFound, NotModifiable
from gateway.core.persistence import Persistence
from gateway.core.store import Store
from radio.events import AvailabilityChanged

EXT, CT = "1", "2"


@pytest.fixture
def living(store: Store, zoo, joined) -> Store:
    joined(zoo.ext_color_light())  # on
    joined(zoo.ct_light())  # off
    gid = store.create_group("Living", "Room", "Living room")
    assert gid == "1"
    store.set_group_lights(gid, [EXT, CT])
    return store


def test_group_json(living: Store) -> None:
    obj = living.groups_json()["1"]
    assert len(obj.pop("etag")) == 32
    assert obj == {
        "action": {
            "alert": "none",
            "bri": 127,
            "colormode": "hs",
            "ct": 0,
            "effect": "none",
            "hue": 0,
            "on": False,
            "sat": 127,
            "scene": "",
            "xy": [0, 0],
        },
        "class": "Living room",
        "devicemembership": [],
        "id": "1",
        "lights": [EXT, CT],
        "name": "Living",
        "scenes": [],
        "state": {"all_on": False, "any_on": True},
        "type": "Room",
    }
    assert living.lights[EXT].config == {"groups": ["0", "1"]}


def test_group_zero_is_hidden_but_reachable(living: Store) -> None:
    assert "0" not in living.groups_json()
    all_lights = living.groups["0"].to_json()
    assert all_lights["lights"] == [EXT, CT]
    assert all_lights["state"] == {"all_on": False, "any_on": True}
    with pytest.raises(NotModifiable):
        living.delete_group("0")
    with pytest.raises(NotModifiable):
        living.set_group_lights("0", [EXT])


def test_set_lights_emits_light_config_then_group_state(store: Store, zoo, joined) -> None:
    joined(zoo.ext_color_light())
    gid = store.create_group("Kitchen")
    store.websocketnotifyall = False
    messages = store.set_group_lights(gid, [EXT])
    assert messages == [
        {
            "config": {"groups": ["0", "1"]},
            "e": "changed",
            "id": EXT,
            "r": "lights",
            "t": "event",
            "uniqueid": f"{EXT_COLOR_IEEE}-01",
        },
        {
            "e": "changed",
            "id": "1",
            "r": "groups",
            "state": {"all_on": True, "any_on": True},
            "t": "event",
        },
    ]
    with pytest.raises(NotFound):
        store.set_group_lights(gid, ["99"])


@pytest.mark.parametrize("notify_all", [True, False])
def test_member_report_light_message_then_group_message(living: Store, rx, notify_all) -> None:
    living.websocketnotifyall = notify_all
    messages = living.handle(rx.report(CT_IEEE, 1, 0x0006, 0x0000, 1))
    assert [(m["r"], m["id"]) for m in messages] == [("lights", CT), ("groups", "1")]
    assert messages[1] == {
        "e": "changed",
        "id": "1",
        "r": "groups",
        "state": {"all_on": True, "any_on": True} if notify_all else {"all_on": True},
        "t": "event",
    }
    # No group message when the recomputed values do not change.
    assert [m["r"] for m in living.handle(rx.report(CT_IEEE, 1, 0x0008, 0x0000, 10))] == ["lights"]


def test_unreachable_members_do_not_count(living: Store) -> None:
    living.websocketnotifyall = False
    messages = living.handle(AvailabilityChanged(CT_IEEE, False))
    assert [(m["r"], m.get("state")) for m in messages] == [
        ("lights", {"reachable": False}),
        ("groups", {"all_on": True}),
    ]
    messages = living.handle(AvailabilityChanged(EXT_COLOR_IEEE, False))
    assert [(m["r"], m.get("state")) for m in messages] == [
        ("lights", {"reachable": False}),
        ("groups", {"all_on": False, "any_on": False}),
    ]


def test_group_action_is_cached(living: Store) -> None:
    """The action cache only: what the command does to each member is the planner's
    per-light change (tests/gateway/api/test_api_group_action.py)."""
    living.websocketnotifyall = False
    assert living.set_group_action("1", {"on": True, "bri": 100, "xy": [0.3, 0.31234]}) == []
    action = living.groups["1"].action
    assert (action["on"], action["bri"], action["xy"], action["colormode"]) == (
        True,
        100,
        [0.3, 0.31234],
        "xy",
    )
    assert living.lights[CT].state["on"] is False  # members are not touched here


def test_changes_applied_together_give_one_group_event(living: Store) -> None:
    living.websocketnotifyall = False
    out: list = []
    with living.grouped(out):
        out += living.apply_light_state(EXT, {"on": False})
        out += living.apply_light_state(CT, {"on": True})
        out += living.apply_light_state(EXT, {"on": True})
    assert [(m["r"], m["id"], m["state"]) for m in out] == [
        ("lights", EXT, {"on": False}),
        ("lights", CT, {"on": True}),
        ("lights", EXT, {"on": True}),
        ("groups", "1", {"all_on": True}),  # once, for where the lights ended up
    ]
    # outside grouped() each change recomputes the groups at once
    assert [m["r"] for m in living.apply_light_state(CT, {"on": False})] == ["lights", "groups"]


def test_rename_and_delete_group(living: Store, persistence: Persistence, clock) -> None:
    assert living.rename("groups", "1", "Lounge") == [
        {"e": "changed", "id": "1", "name": "Lounge", "r": "groups", "t": "event"}
    ]
    living.websocketnotifyall = False
    messages = living.delete_group("1")
    assert messages[0] == {"e": "deleted", "id": "1", "r": "groups", "t": "event"}
    assert [m["config"] for m in messages[1:]] == [{"groups": ["0"]}, {"groups": ["0"]}]
    assert "1" not in Store(persistence, clock=clock).groups
    assert living.create_group("Again") == "1"  # group ids are addresses: reused


def test_create_group_takes_lowest_free_address(store: Store) -> None:
    assert [store.create_group(n) for n in ("a", "b", "c")] == ["1", "2", "3"]
    store.delete_group("2")
    assert store.create_group("d") == "2"


def test_groups_survive_a_restart(living: Store, persistence: Persistence, clock, rx, zoo) -> None:
    restarted = Store(persistence, clock=clock)
    group = restarted.groups["1"]
    assert (group.name, group.type, group.class_, group.lights) == (
        "Living",
        "Room",
        "Living room",
        [EXT, CT],
    )
    restarted.handle(rx.join(zoo.ext_color_light(), restored=True))
    assert restarted.lights[EXT].config == {"groups": ["0", "1"]}
    assert restarted.groups["1"].state == {"all_on": True, "any_on": True}  # only EXT present yet


def test_deleting_a_light_removes_it_from_groups(living: Store) -> None:
    living.websocketnotifyall = False
    messages = living.delete_light(CT)
    assert messages == [
        {"e": "deleted", "id": CT, "r": "lights", "t": "event", "uniqueid": f"{CT_IEEE}-01"},
        {"e": "changed", "id": "1", "r": "groups", "state": {"all_on": True}, "t": "event"},
    ]
    assert living.groups["1"].lights == [EXT]
    assert living.groups["0"].lights == [EXT]
