"""The outbox: pending changes become messages (whole sub-objects or only what changed),
groups are recomputed once per batch, and messages encode as plain deCONZ JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from core_zoo import EXT_COLOR_IEEE

from gateway.core.errors import NotFound
from gateway.core.store import Store

EXT, CT = "1", "2"


@pytest.fixture
def two_groups(store: Store, zoo, joined) -> Store:
    """Group 1 holds both lights, group 2 only the colour light; the colour light is on."""
    joined(zoo.ext_color_light())  # on
    joined(zoo.ct_light())  # off
    store.set_group_lights(store.create_group("Living"), [EXT, CT])
    store.set_group_lights(store.create_group("Reading"), [EXT])
    return store


@pytest.mark.parametrize("notify_all", [True, False])
def test_whole_sub_object_or_only_what_changed(store: Store, zoo, joined, notify_all) -> None:
    joined(zoo.ext_color_light())
    joined(zoo.climate_sensor())
    store.websocketnotifyall = notify_all
    [message] = store.apply_light_state(EXT, {"bri": 10})
    assert message["state"] == (store.lights[EXT].state if notify_all else {"bri": 10})

    sid = next(iter(store.sensors))
    [message] = store.apply_sensor_config(sid, {"on": False})
    assert message["config"] == (store.sensors[sid].config if notify_all else {"on": False})


def test_grouped_gives_each_group_one_event_per_command(two_groups: Store) -> None:
    store = two_groups
    store.websocketnotifyall = False
    out: list[dict[str, Any]] = []
    with store.grouped(out):
        out += store.apply_light_state(CT, {"on": True})
        out += store.apply_light_state(EXT, {"on": False})
        out += store.apply_light_state(CT, {"on": False})
    assert [(m["r"], m["id"], m["state"]) for m in out] == [
        ("lights", CT, {"on": True}),
        ("lights", EXT, {"on": False}),
        ("lights", CT, {"on": False}),
        ("groups", "1", {"any_on": False}),
        ("groups", "2", {"all_on": False, "any_on": False}),
    ]


def test_nested_grouped_recomputes_at_the_outermost_exit(two_groups: Store) -> None:
    """Off and on again inside one batch: the groups end as they were, so no group event
    (an inner exit that recomputed would have sent any_on false)."""
    store = two_groups
    out: list[dict[str, Any]] = []
    with store.grouped(out):
        with store.grouped(out):
            out += store.apply_light_state(EXT, {"on": False})
        out += store.apply_light_state(EXT, {"on": True})
    assert [(m["r"], m["id"]) for m in out] == [("lights", EXT), ("lights", EXT)]
    assert store.groups["2"].state == {"all_on": True, "any_on": True}


def test_a_failed_change_inside_grouped_still_recomputes_the_groups(two_groups: Store) -> None:
    store = two_groups
    out: list[dict[str, Any]] = []
    with pytest.raises(NotFound), store.grouped(out):
        out += store.apply_light_state(EXT, {"on": False})
        store.apply_light_state("99", {"on": False})
    assert [(m["r"], m["id"]) for m in out] == [("lights", EXT), ("groups", "1"), ("groups", "2")]
    assert store.groups["2"].state == {"all_on": False, "any_on": False}


def test_messages_encode_as_plain_deconz_json(two_groups: Store) -> None:
    store = two_groups
    store.websocketnotifyall = False

    def wire(messages: list[dict[str, Any]]) -> list[str]:
        return [json.dumps(m, sort_keys=True, separators=(",", ":")) for m in messages]

    assert wire(store.apply_light_state(EXT, {"bri": 10})) == [
        '{"e":"changed","id":"1","r":"lights","state":{"bri":10},"t":"event",'
        f'"uniqueid":"{EXT_COLOR_IEEE}-01"}}'
    ]
    assert wire(store.rename("groups", "2", "Desk")) == [
        '{"e":"changed","id":"2","name":"Desk","r":"groups","t":"event"}'
    ]
    assert wire(store.delete_group("2"))[0] == '{"e":"deleted","id":"2","r":"groups","t":"event"}'
