"""The event bus: sequence numbers, the journal, every sink in order, failures isolated."""

from __future__ import annotations

import json
import logging

from gateway.app.bus import EventBus
from gateway.app.journal import Journal
from radio import events as ev


def message(n: int, **extra):
    return {"t": "event", "e": "changed", "r": "lights", "id": str(n), **extra}


def test_every_sink_gets_every_event_in_order_with_consecutive_seqs():
    bus = EventBus()
    first: list = []
    second: list = []
    bus.add_sink(first.append)
    bus.add_sink(second.append)
    bus.publish([message(1), message(2)])
    bus.publish([message(3)])
    assert [e.seq for e in first] == [1, 2, 3] == [e.seq for e in second]
    assert [e.message["id"] for e in first] == ["1", "2", "3"]
    assert bus.seq == 3


def test_events_are_encoded_once_as_deconz_writes_them():
    bus = EventBus()
    seen: list = []
    bus.add_sink(seen.append)
    bus.publish([{"r": "sensors", "t": "event", "state": {"temperature": 2150, "name": "Küche"}}])
    (event,) = seen
    assert event.text == '{"r":"sensors","state":{"name":"Küche","temperature":2150},"t":"event"}'
    assert json.loads(event.text) == event.message


def test_the_journal_keeps_what_was_published():
    bus = EventBus(Journal(max_events=2))
    bus.publish([message(1), message(2), message(3)])
    assert [(e.seq, json.loads(e.text)["id"]) for e in bus.journal.since(1)] == [(2, "2"), (3, "3")]
    assert bus.journal.since(0) is None


def test_a_failing_sink_is_logged_once_and_does_not_stop_the_others(caplog):
    bus = EventBus()
    healthy: list = []

    def broken(event):
        raise RuntimeError("sink is broken")

    bus.add_sink(broken)
    bus.add_sink(healthy.append)
    with caplog.at_level(logging.ERROR, logger="gateway"):
        bus.publish([message(1), message(2), message(3)])
    assert [e.seq for e in healthy] == [1, 2, 3]
    assert sum("sink is broken" in r.exc_text for r in caplog.records if r.exc_text) == 1


def test_a_removed_sink_gets_nothing_more():
    bus = EventBus()
    seen: list = []
    stop = bus.add_sink(seen.append)
    bus.publish([message(1)])
    stop()
    stop()  # twice is harmless
    bus.publish([message(2)])
    assert [e.seq for e in seen] == [1]


def test_subscribe_takes_the_snapshot_and_the_sink_at_the_same_point():
    bus = EventBus()
    state = {"1": "off"}

    def apply(event):
        state[event.message["id"]] = event.message["state"]

    bus.add_sink(apply)
    bus.publish([message(1, state="on")])
    seen: list = []
    snapshot, seq, _ = bus.subscribe(seen.append, lambda: dict(state))
    bus.publish([message(1, state="off"), message(2, state="on")])
    assert (snapshot, seq) == ({"1": "on"}, 1)
    assert [e.seq for e in seen] == [2, 3]  # exactly the events after the snapshot
    replayed = dict(snapshot)
    for event in seen:
        replayed[event.message["id"]] = event.message["state"]
    assert replayed == state


def test_watchers_get_radio_events_and_a_failing_one_does_not_stop_the_others():
    bus = EventBus()
    got: list = []
    bus.watch(lambda event: 1 / 0)
    bus.watch(got.append)
    down = ev.NetworkDown("unplugged")
    bus.radio_event(down)
    assert got == [down]
    assert bus.seq == 0  # radio events are not part of the deCONZ stream


def test_each_start_has_its_own_epoch():
    assert EventBus().epoch != EventBus().epoch
    assert EventBus(epoch="abc").epoch == "abc"
