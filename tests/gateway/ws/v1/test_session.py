"""Transcripts of the v1 session: client frames in, the exact frames (and actions) out."""

from __future__ import annotations

from gateway.app.journal import Journal
from gateway.ws.v1.session import Call, Close

from .conftest import RESOURCES, Gateway, light_changed


def test_hello_then_auth_ok(gateway: Gateway):
    gateway.publish(light_changed("1", {"on": True}))
    wire = gateway.wire()
    assert wire.frames == [
        {
            "type": "hello",
            "version": "9.9",
            "bridgeid": "00212EFFFF000001",
            "epoch": "epoch-1",
            "seq": 1,
            "auth_required": True,
        }
    ]
    assert wire.send({"type": "auth", "apikey": "read-key"}) == [
        {"type": "auth_ok", "scope": "read"}
    ]


def test_key_in_url_needs_no_auth_message(gateway: Gateway):
    wire = gateway.wire("control-key")
    assert wire.frames[0]["auth_required"] is False
    assert wire.send({"id": 1, "type": "ping"}) == [{"id": 1, "type": "pong"}]


def test_bad_key_in_url_is_refused_and_closed(gateway: Gateway):
    wire = gateway.wire("nope")
    assert wire.frames[1] == {"type": "auth_invalid", "message": "invalid API key in the URL"}
    assert wire.frames[2] == Close(4401, "invalid API key in the URL")
    assert wire.send({"type": "auth", "apikey": "control-key"}) == []


def test_bad_auth_closes_4401(gateway: Gateway):
    wire = gateway.wire()
    assert wire.send({"type": "auth", "apikey": "wrong"}) == [
        {"type": "auth_invalid", "message": "invalid API key"},
        Close(4401, "invalid API key"),
    ]


def test_no_auth_in_time_closes_4401(gateway: Gateway):
    wire = gateway.wire()
    assert wire.session.auth_deadline == wire.now + 10.0
    assert wire.session.expire(wire.now + 10.0) == [Close(4401, "authentication timed out")]
    authed = gateway.authed()
    assert authed.session.expire(authed.now + 10.0) == []


def test_before_auth_only_auth_and_info(gateway: Gateway):
    wire = gateway.wire()
    [answer] = wire.send({"id": 1, "type": "subscribe"})
    assert answer["id"] == 1 and answer["success"] is False
    assert answer["error"]["code"] == "unauthorized"
    [info] = wire.send({"id": 2, "type": "info"})
    assert info["result"]["scope"] is None and info["result"]["epoch"] == "epoch-1"


def test_info_after_auth(gateway: Gateway):
    gateway.publish(light_changed("1", {"on": True}), light_changed("1", {"on": False}))
    wire = gateway.authed("read-key")
    [info] = wire.send({"id": 1, "type": "info"})
    assert info == {
        "id": 1,
        "type": "result",
        "success": True,
        "result": {
            "version": "9.9",
            "bridgeid": "00212EFFFF000001",
            "epoch": "epoch-1",
            "seq": 2,
            "oldest_seq": 1,
            "limits": {
                "auth_timeout_s": 10.0,
                "max_frame_bytes": 65536,
                "max_subscriptions": 32,
                "requests_per_s": 50.0,
            },
            "scope": "read",
        },
    }


def test_ids_must_increase(gateway: Gateway):
    wire = gateway.authed()
    assert wire.send({"id": 5, "type": "ping"}) == [{"id": 5, "type": "pong"}]
    for stale in (5, 4):
        [answer] = wire.send({"id": stale, "type": "ping"})
        assert answer["error"]["code"] == "id_reuse" and answer["id"] == stale
    [answer] = wire.send({"type": "ping"})
    assert answer["error"]["code"] == "bad_request" and "id" not in answer
    [answer] = wire.send({"id": True, "type": "ping"})
    assert answer["error"]["code"] == "bad_request"
    assert wire.send({"id": 6, "type": "ping"}) == [{"id": 6, "type": "pong"}]


def test_malformed_frames_are_answered_and_the_session_goes_on(gateway: Gateway):
    wire = gateway.authed()
    for text in (
        "{",
        "[1]",
        '"x"',
        "null",
        "\ud800",
        '{"id": 1, "type": 7}',
        '{"id":2,"type":"nope"}',
    ):
        [answer] = wire.send(text)
        assert answer["success"] is False and answer["error"]["code"] == "bad_request", text
    [answer] = wire.session.receive_binary()
    assert "binary" in answer.text
    assert wire.send({"id": 3, "type": "ping"}) == [{"id": 3, "type": "pong"}]


def test_too_large(gateway: Gateway):
    wire = gateway.authed()
    [answer] = wire.send({"id": 1, "type": "ping", "pad": "x" * 65536})
    assert answer["error"]["code"] == "too_large"
    assert wire.send({"id": 2, "type": "ping"}) == [{"id": 2, "type": "pong"}]


def test_rate_limited_then_recovers(gateway: Gateway):
    wire = gateway.authed()
    answers = [wire.send({"id": i, "type": "ping"})[0] for i in range(1, 61)]
    assert [a["type"] for a in answers[:50]] == ["pong"] * 50
    assert {a["error"]["code"] for a in answers[50:]} == {"rate_limited"}
    wire.now += 1.0
    assert wire.send({"id": 61, "type": "ping"}) == [{"id": 61, "type": "pong"}]


def test_subscribe_gets_the_events_after_its_seq(gateway: Gateway):
    gateway.publish(light_changed("1", {"on": True}))
    wire = gateway.authed()
    assert wire.send({"id": 2, "type": "subscribe"}) == [
        {
            "id": 2,
            "type": "result",
            "success": True,
            "result": {"subscription": 2, "epoch": "epoch-1", "seq": 1, "resumed": False},
        }
    ]
    gateway.publish(light_changed("1", {"on": False}))
    assert wire.events() == [
        {
            "type": "event",
            "sub": 2,
            "seq": 2,
            "e": "changed",
            "id": "1",
            "r": "lights",
            "t": "event",
            "uniqueid": "u1",
            "state": {"on": False},
        }
    ]


def test_filters_and_several_subscriptions(gateway: Gateway):
    wire = gateway.authed()
    wire.send({"id": 1, "type": "subscribe", "filter": {"r": ["sensors"], "type": ["ZHAHumidity"]}})
    wire.send({"id": 2, "type": "subscribe", "filter": {"id": ["1"], "parts": ["state"]}})
    sensor = {"e": "changed", "id": "6", "r": "sensors", "t": "event", "state": {"humidity": 1}}
    other = {"e": "changed", "id": "5", "r": "sensors", "t": "event", "state": {"temperature": 1}}
    light_name = {"e": "changed", "id": "1", "r": "lights", "t": "event", "attr": {"name": "x"}}
    gateway.publish(sensor, other, light_name, light_changed("1", {"on": True}))
    assert [(f["sub"], f["seq"]) for f in wire.events()] == [(1, 1), (2, 4)]


def test_bad_subscriptions(gateway: Gateway):
    wire = gateway.authed()
    bad = [
        {"filter": {"r": ["bulbs"]}},
        {"filter": {"colour": ["red"]}},
        {"filter": {"id": "1"}},
        {"filter": []},
        {"notifyall": "yes"},
        {"since": {"epoch": "e", "seq": -1}},
        {"since": 5},
    ]
    for i, extra in enumerate(bad, start=1):
        [answer] = wire.send({"id": i, "type": "subscribe", **extra})
        assert answer["error"]["code"] == "bad_request", extra
    assert wire.session.subscriptions == {}


def test_at_most_32_subscriptions_and_unsubscribe(gateway: Gateway):
    wire = gateway.authed()
    for i in range(1, 33):
        assert wire.send({"id": i, "type": "subscribe"})[0]["success"] is True
    [answer] = wire.send({"id": 33, "type": "subscribe"})
    assert answer["error"]["code"] == "bad_request"
    assert wire.send({"id": 34, "type": "unsubscribe", "subscription": 7}) == [
        {"id": 34, "type": "result", "success": True, "result": None}
    ]
    [answer] = wire.send({"id": 35, "type": "unsubscribe", "subscription": 7})
    assert answer["error"]["code"] == "not_found"
    gateway.publish(light_changed("1", {"on": True}))
    assert len(wire.events()) == 31 and 7 not in {f["sub"] for f in wire.events()}
    wire.session.close()
    assert len(gateway.hub) == 0


def test_snapshot_holds_the_matching_resources_at_the_result_seq(gateway: Gateway):
    gateway.publish(light_changed("1", {"on": True}))
    wire = gateway.authed()
    result, snapshot = wire.send(
        {"id": 3, "type": "subscribe", "snapshot": True, "filter": {"type": ["ZHATemperature"]}}
    )
    assert result["result"]["seq"] == 1
    assert snapshot == {
        "type": "snapshot",
        "sub": 3,
        "seq": 1,
        "lights": {},
        "sensors": {"5": RESOURCES["sensors"]["5"]},
        "groups": {},
    }
    [_, only_lights] = wire.send(
        {"id": 4, "type": "subscribe", "snapshot": True, "filter": {"r": ["lights"]}}
    )
    assert set(only_lights) == {"type", "sub", "seq", "lights"}


def test_resume_replays_exactly_the_missed_matching_events(gateway: Gateway):
    first = gateway.authed()
    first.send({"id": 1, "type": "subscribe", "filter": {"id": ["1"]}})
    gateway.publish(light_changed("1", {"on": True}))
    seen = first.events()[-1]["seq"]
    first.session.close()
    gateway.publish(
        light_changed("1", {"on": False}),
        {"e": "changed", "id": "6", "r": "sensors", "t": "event", "state": {"humidity": 1}},
        light_changed("1", {"bri": 5}),
    )
    again = gateway.authed()
    answer = again.send(
        {
            "id": 1,
            "type": "subscribe",
            "filter": {"id": ["1"]},
            "since": {"epoch": "epoch-1", "seq": seen},
        }
    )
    assert answer[0]["result"] == {"subscription": 1, "epoch": "epoch-1", "seq": 4, "resumed": True}
    gateway.publish(light_changed("1", {"on": True}))
    assert [(f["seq"], f["state"]) for f in again.events()] == [
        (2, {"on": False}),
        (4, {"bri": 5}),
        (5, {"on": True}),
    ]


def test_since_too_old_or_from_another_start_gives_a_snapshot():
    gateway = Gateway(Journal(max_events=2))
    for on in (True, False, True):
        gateway.publish(light_changed("1", {"on": on}))
    wire = gateway.authed()
    for i, since in enumerate(({"epoch": "epoch-1", "seq": 0}, {"epoch": "old", "seq": 3}), 1):
        result, snapshot = wire.send({"id": i, "type": "subscribe", "since": since})
        assert result["result"]["resumed"] is False and result["result"]["seq"] == 3
        assert snapshot["type"] == "snapshot" and snapshot["lights"] == RESOURCES["lights"]
    [result] = wire.send({"id": 9, "type": "subscribe", "since": {"epoch": "epoch-1", "seq": 3}})
    assert result["result"]["resumed"] is True  # nothing missed, nothing replayed


def test_notifyall_per_subscription_whatever_the_gateway_setting(gateway: Gateway):
    wire = gateway.authed()
    wire.send({"id": 1, "type": "subscribe", "notifyall": False})
    wire.send({"id": 2, "type": "subscribe"})
    whole = {"on": True, "bri": 10, "reachable": True}
    gateway.publish(light_changed("1", whole, changed=("on",)))
    assert {f["sub"]: f["state"] for f in wire.events()} == {1: {"on": True}, 2: whole}


def test_notifyall_from_a_changed_only_gateway():
    from gateway.core.notify_forms import Forms, changed_message

    gateway = Gateway(notify_all=False)
    whole = {"on": True, "bri": 10}
    delta = changed_message(
        {"e": "changed", "id": "1", "r": "lights", "t": "event", "state": {"on": True}},
        Forms("state", ("on",), whole),
    )
    wire = gateway.authed()
    wire.send({"id": 1, "type": "subscribe", "notifyall": True})
    wire.send({"id": 2, "type": "subscribe"})
    gateway.publish(delta)
    assert {f["sub"]: f["state"] for f in wire.events()} == {1: whole, 2: {"on": True}}
    # the journal keeps what the other form needs: a resume gets it too
    again = gateway.authed()
    again.send(
        {"id": 1, "type": "subscribe", "notifyall": True, "since": {"epoch": "epoch-1", "seq": 0}}
    )
    assert again.events()[0]["state"] == whole


def test_request_becomes_a_call_and_its_reply_a_result(gateway: Gateway):
    wire = gateway.authed()
    [call] = wire.send(
        {
            "id": 6,
            "type": "request",
            "method": "PUT",
            "path": "/lights/1/state",
            "body": {"on": True},
        }
    )
    assert call == Call(6, "PUT", "/lights/1/state", b'{"on": true}', wants_outcome=True)
    [got] = wire.send({"id": 7, "type": "request", "method": "GET", "path": "/lights"})
    assert got == Call(7, "GET", "/lights", b"", wants_outcome=False)
    [query] = wire.send({"id": 8, "type": "request", "method": "GET", "path": "/s/5/h?keys=a,b&x="})
    assert query == Call(8, "GET", "/s/5/h", b"", (("keys", "a,b"), ("x", "")))
    [answer] = [
        wire._take(wire.session.answered(6, 200, [{"success": {"/lights/1/state/on": True}}]))
    ]
    assert answer == [
        {
            "id": 6,
            "type": "result",
            "success": True,
            "result": {"status": 200, "body": [{"success": {"/lights/1/state/on": True}}]},
        }
    ]
    commands = [{"target": "/lights/1", "command": "on", "status": "delivered", "detail": ""}]
    assert wire._take(wire.session.outcome(6, "delivered", commands)) == [
        {"type": "command_update", "id": 6, "status": "delivered", "commands": commands}
    ]


def test_bad_requests(gateway: Gateway):
    wire = gateway.authed()
    for i, extra in enumerate(
        (
            {"method": "PATCH", "path": "/lights"},
            {"method": "GET", "path": "lights"},
            {"method": "GET"},
        ),
        start=1,
    ):
        [answer] = wire.send({"id": i, "type": "request", **extra})
        assert answer["error"]["code"] == "bad_request"
    assert wire.calls == []


def test_read_key_cannot_write(gateway: Gateway):
    wire = gateway.authed("read-key")
    for i, method in enumerate(("PUT", "POST", "DELETE"), start=1):
        [answer] = wire.send({"id": i, "type": "request", "method": method, "path": "/lights/1"})
        assert answer["error"]["code"] == "forbidden"
    assert wire.calls == []
    [call] = wire.send({"id": 9, "type": "request", "method": "GET", "path": "/lights/1"})
    assert call.method == "GET"


def test_history_maps_onto_the_rest_query(gateway: Gateway):
    wire = gateway.authed("read-key")
    [call] = wire.send(
        {
            "id": 7,
            "type": "history",
            "path": "/sensors/5/state",
            "keys": ["temperature", "humidity"],
            "start": 1000,
            "end": "2026-12-01T00:00:00Z",
            "agg": "avg",
            "interval": 60000,
            "limit": 100,
        }
    )
    assert call == Call(
        7,
        "GET",
        "/sensors/5/history",
        query=(
            ("keys", "temperature,humidity"),
            ("start", "1000"),
            ("end", "2026-12-01T00:00:00Z"),
            ("agg", "avg"),
            ("interval", "60000"),
            ("limit", "100"),
        ),
        history=True,
    )
    points = {"points": {"temperature": [[1000, 21.5]]}}
    assert wire._take(wire.session.history_answered(7, 200, points)) == [
        {"id": 7, "type": "result", "success": True, "result": points}
    ]
    missing = [
        {
            "error": {
                "type": 3,
                "address": "/sensors/9",
                "description": "resource, /sensors/9, not available",
            }
        }
    ]
    [answer] = wire._take(wire.session.history_answered(8, 404, missing))
    assert answer["error"] == {
        "code": "not_found",
        "message": "resource, /sensors/9, not available",
    }
    for i, bad in enumerate(
        (
            {"path": "/lights/1/state", "keys": ["on"]},
            {"path": "/sensors/5"},
            {"keys": ["t"]},
        ),
        start=10,
    ):
        [answer] = wire.send({"id": i, "type": "history", **bad})
        assert answer["error"]["code"] == "bad_request", bad
    # every other field is a REST parameter, left to its handler (no keys: every key)
    [call] = wire.send({"id": 20, "type": "history", "path": "/sensors/5/state"})
    assert call == Call(20, "GET", "/sensors/5/history", query=(), history=True)
