"""What the bridge owes the broker (gateway/mqtt/outbox.py), as plain data: latest state
per key, never a backlog; the stream only while connected."""

from __future__ import annotations

from gateway.mqtt.outbox import INFO, STATE, Outbox, button_event, keys_of


def test_many_changes_of_one_resource_are_owed_once_in_first_seen_order():
    box = Outbox()
    for _ in range(10):
        box.mark([("sensors", "1")])
    box.mark([("lights", "2"), ("sensors", "1")])
    assert box.owed == 2
    assert box.take_dirty(10) == [("sensors", "1"), ("lights", "2")]
    assert not box


def test_a_resync_owes_everything_then_what_was_dirty_besides():
    box = Outbox()
    box.mark([("groups", "7")])  # deleted while away: its retained message must be cleared
    box.resync([STATE, INFO, ("lights", "1"), ("groups", "7")])
    assert box.take_dirty(2) == [STATE, INFO]
    assert box.take_dirty(5) == [("lights", "1"), ("groups", "7")]


def test_the_stream_is_kept_only_while_connected_and_bounded():
    box = Outbox(stream_limit=3)
    box.stream("t", "lost: not connected")
    assert not box
    box.connected = True
    for i in range(5):
        box.stream("t", str(i))
    assert box.stream_dropped == 2
    assert box.take_stream(10) == [("t", "2"), ("t", "3"), ("t", "4")]
    box.stream("t", "x")
    box.disconnected()
    assert not box and box.take_stream(10) == []


def test_messages_name_the_resources_they_change():
    assert keys_of({"e": "changed", "r": "lights", "id": "3", "state": {}}) == [("lights", "3")]
    assert keys_of({"e": "scene-called", "r": "scenes", "gid": "5", "scid": "1"}) == [
        ("groups", "5")
    ]
    assert keys_of({"e": "changed", "r": "alarmsystems", "id": "1"}) == []
    press = {"e": "changed", "r": "sensors", "id": "9", "state": {"buttonevent": 1002}}
    assert button_event(press) == ("9", 1002)
    assert button_event({**press, "state": {"temperature": 2100}}) is None
    assert button_event({**press, "e": "added"}) is None
