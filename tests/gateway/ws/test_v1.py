"""Websocket protocol v1 on a real daemon, real websocket clients (docs/websocket.md).

One daemon for the module; each test opens its own connections. Traffic comes from real
attribute reports handed to the gateway as the radio hands them (temperature readings of
a generated network's sensors), so events go store → bus → both streams as in production.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
from typing import Any

import pytest
import pytest_asyncio
import websockets

from radio.events import AttributeReport
from tests.gateway.conftest import (
    LAMP_TYPES,
    Running,
    WsClient,
    daemon_settings,
    run_daemon,
    stop_daemon,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEMPERATURE = 0x0402
_values = itertools.count(1000)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gw(tmp_path_factory):
    running = await run_daemon(daemon_settings(tmp_path_factory.mktemp("v1"), sim_devices=40))
    yield running
    await stop_daemon(running)


class V1:
    """A v1 client: every frame decoded, in order; `call` sends and awaits the result."""

    def __init__(self, conn):
        self.conn = conn
        self.frames: list[dict] = []
        self.ids = itertools.count(1)
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, gw: Running, key: str | None = None, *, auth: bool = True) -> V1:
        url = f"{gw.ws_url}/v1" + (f"?apikey={key}" if key else "")
        client = cls(await websockets.connect(url, max_size=None))
        await client.wait(lambda f: f["type"] == "hello")
        if auth and key is None:
            await client.conn.send(json.dumps({"type": "auth", "apikey": gw.key}))
            await client.wait(lambda f: f["type"] == "auth_ok")
        return client

    async def _read(self) -> None:
        async for frame in self.conn:
            self.frames.append(json.loads(frame))

    async def wait(self, predicate, timeout: float = 10.0) -> dict:
        return await until(
            lambda: next((f for f in self.frames if predicate(f)), None), timeout, "a v1 frame"
        )

    async def call(self, type_: str, **fields: Any) -> dict:
        msg_id = next(self.ids)
        await self.conn.send(json.dumps({"id": msg_id, "type": type_, **fields}))
        return await self.wait(lambda f: f.get("id") == msg_id and f["type"] in ("result", "pong"))

    def events(self, sub: int | None = None) -> list[dict]:
        return [f for f in self.frames if f["type"] == "event" and sub in (None, f["sub"])]

    async def close(self) -> None:
        await self.conn.close()
        self._task.cancel()


async def temperature_sensors(gw: Running) -> list[tuple[str, str]]:
    sensors = await gw.get("/sensors")
    return [(sid, s["uniqueid"]) for sid, s in sensors.items() if s["type"] == "ZHATemperature"]


def report(gw: Running, uniqueid: str, value: int | None = None) -> None:
    """A temperature report from the sensor, handled as the radio hands it over."""
    ieee, endpoint = uniqueid.split("-")[:2]
    value = next(_values) if value is None else value
    gw.gateway.on_radio_event(
        AttributeReport(ieee, int(endpoint, 16), TEMPERATURE, 0, "measured_value", value)
    )


async def traffic(gw: Running, uniqueids: list[str], count: int, per_tick: int = 10) -> None:
    """`count` reports spread over loop iterations, as a busy network sends them."""
    for i in range(count):
        report(gw, uniqueids[i % len(uniqueids)])
        if i % per_tick == per_tick - 1:
            await asyncio.sleep(0)


# -- hello, auth -------------------------------------------------------------------------


async def test_hello_and_auth_by_message(gw: Running):
    client = await V1.open(gw, auth=False)
    hello = client.frames[0]
    assert hello["auth_required"] is True and hello["epoch"] == gw.gateway.bus.epoch
    assert hello["bridgeid"] == (await gw.get("/config"))["bridgeid"]
    await client.conn.send(json.dumps({"type": "auth", "apikey": gw.key}))
    assert (await client.wait(lambda f: f["type"] == "auth_ok"))["scope"] == "control"
    assert (await client.call("ping"))["type"] == "pong"
    await client.close()


async def test_key_in_url(gw: Running):
    client = await V1.open(gw, gw.key)
    assert client.frames[0]["auth_required"] is False
    info = (await client.call("info"))["result"]
    assert info["scope"] == "control" and info["seq"] == gw.gateway.bus.seq
    await client.close()


async def test_bad_key_closes_4401(gw: Running):
    async with websockets.connect(f"{gw.ws_url}/v1") as conn:
        await conn.recv()
        await conn.send(json.dumps({"type": "auth", "apikey": "not-a-key"}))
        assert json.loads(await conn.recv())["type"] == "auth_invalid"
        with pytest.raises(websockets.ConnectionClosed):
            await conn.recv()
        assert conn.close_code == 4401


async def test_no_auth_in_time_closes_4401(gw: Running):
    from gateway.ws.v1.session import Limits

    endpoint = gw.daemon.v1
    endpoint.limits = Limits(auth_timeout=0.2)
    try:
        async with websockets.connect(f"{gw.ws_url}/v1") as conn:
            await conn.recv()
            await conn.send('{"id":1,"type":"subscribe"}')
            answer = json.loads(await conn.recv())
            assert answer["error"]["code"] == "unauthorized"
            with pytest.raises(websockets.ConnectionClosed):
                await conn.recv()
            assert conn.close_code == 4401
    finally:
        endpoint.limits = Limits()


# -- subscriptions -------------------------------------------------------------------------


async def test_first_event_after_subscribe_is_never_lost(gw: Running):
    [(sid, uid), *_] = await temperature_sensors(gw)
    client = await V1.open(gw)
    flowing = True

    async def reports() -> None:  # one report per loop iteration, around every subscribe
        while flowing:
            report(gw, uid)
            await asyncio.sleep(0)

    load = asyncio.create_task(reports())
    results = [
        (await client.call("subscribe", filter={"id": [sid], "r": ["sensors"]}))["result"]
        for _ in range(20)
    ]
    flowing = False
    await load
    last = gw.gateway.bus.seq
    for result in results:
        sub = result["subscription"]
        await until(lambda s=sub: client.events(s) and client.events(s)[-1]["seq"] == last)
        expected = [
            e.seq
            for e in gw.gateway.bus.journal.since(result["seq"])
            if json.loads(e.text)["id"] == sid
        ]
        assert [f["seq"] for f in client.events(sub)] == expected
    await client.close()


def _journal_text(gw: Running, seq: int) -> str:
    [entry] = [e for e in gw.gateway.bus.journal.since(seq - 1) if e.seq == seq]
    return entry.text


async def test_events_match_the_filter_in_order_and_legacy_is_unchanged(gw: Running):
    sensors = await temperature_sensors(gw)
    (sid, uid), (_, other_uid) = sensors[0], sensors[1]
    legacy = WsClient(await websockets.connect(gw.ws_url))
    client = await V1.open(gw)
    everything = (await client.call("subscribe"))["result"]["subscription"]
    one = await client.call("subscribe", filter={"id": [sid], "r": ["sensors"], "e": ["changed"]})
    one_sub = one["result"]["subscription"]
    start = gw.gateway.bus.seq
    for _ in range(5):
        report(gw, uid)
        report(gw, other_uid)
    end = gw.gateway.bus.seq
    await until(lambda: len(client.events(everything)) >= end - start)
    # every event once, in order; the filtered one only its sensor's
    assert [f["seq"] for f in client.events(everything)] == list(range(start + 1, end + 1))
    mine = client.events(one_sub)
    assert mine and {f["id"] for f in mine} == {sid}
    # a v1 event is the deCONZ event plus type, sub, seq: the legacy client got the same
    await until(lambda: len(legacy.events) >= end - start)
    for frame in client.events(everything):
        deconz = {k: v for k, v in frame.items() if k not in ("type", "sub", "seq")}
        assert deconz in legacy.events
        assert json.dumps(
            deconz, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ) == _journal_text(gw, frame["seq"])
    await client.close()
    await legacy.close()


async def test_notifyall_per_subscription(gw: Running):
    lid, light = await gw.find(
        "lights", lambda li: li["type"] in LAMP_TYPES and li["state"]["reachable"]
    )
    client = await V1.open(gw)
    flt = {"id": [lid], "r": ["lights"], "parts": ["state"]}
    whole = (await client.call("subscribe", filter=flt, notifyall=True))["id"]
    changed = (await client.call("subscribe", filter=flt, notifyall=False))["id"]
    bri = 10 if light["state"]["bri"] != 10 else 20
    assert (await gw.put(f"/lights/{lid}/state", {"bri": bri, "on": True})).status_code == 200
    await until(lambda: client.events(whole) and client.events(changed))
    full_state = (await gw.get(f"/lights/{lid}"))["state"]
    assert client.events(whole)[0]["state"] == full_state  # the gateway's setting is whole
    assert client.events(changed)[0]["state"]["bri"] == bri
    assert set(client.events(changed)[0]["state"]) <= {"bri", "on"}
    await client.close()


async def test_notifyall_per_subscription_with_the_gateway_set_to_changed_only(gw: Running):
    lid, light = await gw.find(
        "lights", lambda li: li["type"] in LAMP_TYPES and li["state"]["reachable"]
    )
    assert (await gw.put("/config", {"websocketnotifyall": False})).status_code == 200
    try:
        client = await V1.open(gw)
        legacy = WsClient(await websockets.connect(gw.ws_url))
        flt = {"id": [lid], "r": ["lights"], "parts": ["state"]}
        whole = (await client.call("subscribe", filter=flt, notifyall=True))["id"]
        default = (await client.call("subscribe", filter=flt))["id"]
        bri = 30 if light["state"]["bri"] != 30 else 40
        assert (await gw.put(f"/lights/{lid}/state", {"bri": bri})).status_code == 200
        await until(lambda: client.events(whole) and client.events(default))
        full_state = (await gw.get(f"/lights/{lid}"))["state"]
        assert client.events(whole)[0]["state"] == full_state
        assert client.events(default)[0]["state"] == {"bri": bri}  # the gateway's setting
        pushed = await legacy.wait(lambda e: e.get("id") == lid and "state" in e)
        assert pushed["state"] == {"bri": bri}  # the deCONZ stream as deCONZ sends it
        await client.close()
        await legacy.close()
    finally:
        assert (await gw.put("/config", {"websocketnotifyall": True})).status_code == 200


async def test_snapshot_and_events_equal_the_final_get_under_load(gw: Running):
    sensors = await temperature_sensors(gw)
    uids = [uid for _, uid in sensors]
    client = await V1.open(gw)
    load = asyncio.create_task(traffic(gw, uids, 600))
    await asyncio.sleep(0)
    answer = await client.call("subscribe", snapshot=True, filter={"r": ["sensors"]})
    sub = answer["result"]["subscription"]
    await load
    snapshot = await client.wait(lambda f: f["type"] == "snapshot" and f["sub"] == sub)
    assert snapshot["seq"] == answer["result"]["seq"]
    await until(lambda: client.events(sub) and client.events(sub)[-1]["seq"] == gw.gateway.bus.seq)
    state = snapshot["sensors"]
    for event in client.events(sub):
        assert event["seq"] > snapshot["seq"]
        for part in ("state", "config"):
            if part in event:
                state[event["id"]][part].update(event[part])
        if "attr" in event:
            state[event["id"]].update(event["attr"])
    final = await gw.get("/sensors")
    strip = lambda objs: {i: {k: v for k, v in o.items() if k != "etag"} for i, o in objs.items()}  # noqa: E731
    assert strip(state) == strip(final)
    await client.close()


async def test_resume_replays_exactly_the_missed_events(gw: Running):
    uids = [uid for _, uid in await temperature_sensors(gw)]
    client = await V1.open(gw)
    answer = (await client.call("subscribe", filter={"r": ["sensors"]}))["result"]
    load = asyncio.create_task(traffic(gw, uids, 2000, per_tick=5))
    await until(lambda: len(client.events()) >= 50)
    await client.conn.close()  # a disconnect in the middle of the traffic
    client._task.cancel()
    seen = [f["seq"] for f in client.events()]
    await load
    after = await V1.open(gw)
    since = {"epoch": answer["epoch"], "seq": seen[-1]}
    resumed = await after.call("subscribe", filter={"r": ["sensors"]}, since=since)
    assert resumed["result"]["resumed"] is True
    await until(lambda: after.events() and after.events()[-1]["seq"] >= resumed["result"]["seq"])
    replayed = [f["seq"] for f in after.events()]
    expected = [
        e.seq
        for e in gw.gateway.bus.journal.since(seen[-1])
        if json.loads(e.text)["r"] == "sensors" and e.seq <= resumed["result"]["seq"]
    ]
    assert replayed == expected and len(set(seen + replayed)) == len(seen) + len(replayed)
    assert seen == [
        s
        for s in range(answer["seq"] + 1, seen[-1] + 1)
        if json.loads(_journal_text(gw, s))["r"] == "sensors"
    ]
    await after.close()


async def test_since_from_another_start_or_too_old_gives_a_snapshot(gw: Running):
    client = await V1.open(gw)
    for since in (
        {"epoch": "another-start", "seq": 1},
        {"epoch": gw.gateway.bus.epoch, "seq": gw.gateway.bus.seq + 100},
    ):
        answer = await client.call("subscribe", since=since)
        assert answer["result"]["resumed"] is False
        snapshot = await client.wait(
            lambda f, s=answer["id"]: f["type"] == "snapshot" and f["sub"] == s
        )
        assert set(snapshot["lights"]) == set(await gw.get("/lights"))
    await client.close()


async def test_unsubscribe_and_32_subscriptions_at_most(gw: Running):
    client = await V1.open(gw)
    subs = [(await client.call("subscribe", filter={"r": ["scenes"]}))["id"] for _ in range(32)]
    over = await client.call("subscribe")
    assert over["success"] is False and over["error"]["code"] == "bad_request"
    assert (await client.call("unsubscribe", subscription=subs[0]))["success"] is True
    assert (await client.call("subscribe"))["success"] is True
    await client.close()


# -- requests ------------------------------------------------------------------------------


async def test_request_answers_exactly_what_rest_answers(gw: Running):
    client = await V1.open(gw)
    lid, _ = await gw.find("lights", lambda light: light["state"].get("reachable"))
    cases = [
        ("GET", f"/lights/{lid}", None),
        ("GET", "/lights/999", None),
        ("PUT", f"/lights/{lid}/state", {"on": True, "bri": 77}),
        ("PUT", f"/lights/{lid}/state", {"bri": "bright"}),
        ("POST", "/groups", {"name": "v1 group"}),
        ("DELETE", "/nothing", None),
    ]
    for method, path, body in cases:
        answer = await client.call(
            "request", method=method, path=path, **({"body": body} if body is not None else {})
        )
        rest = await gw.http.request(method, f"/api/{gw.key}{path}", json=body)
        result = answer["result"]
        assert result["status"] == rest.status_code, (method, path)
        got, want = result["body"], rest.json()
        if method == "GET" and rest.status_code == 200:
            got, want = (
                {k: v for k, v in got.items() if k not in ("etag", "lastseen")},
                {k: v for k, v in want.items() if k not in ("etag", "lastseen")},
            )
        if method == "POST":  # each made its own group
            assert list(got[0]["success"]) == list(want[0]["success"]) == ["id"]
            continue
        assert got == want, (method, path)
    await client.close()


# -- limits and bad input ----------------------------------------------------------------


async def test_limits_are_errors_not_closes(gw: Running):
    client = await V1.open(gw)
    await client.conn.send(json.dumps({"id": 1, "type": "ping", "pad": "x" * 70000}))
    assert await client.wait(lambda f: f.get("error", {}).get("code") == "too_large")
    await asyncio.gather(
        *(client.conn.send(json.dumps({"id": i, "type": "ping"})) for i in range(2, 80))
    )
    await client.wait(lambda f: f.get("error", {}).get("code") == "rate_limited")
    await asyncio.sleep(1.1)
    await client.conn.send(json.dumps({"id": 1000, "type": "ping"}))  # the budget refilled
    await client.wait(lambda f: f.get("id") == 1000 and f["type"] == "pong")
    await client.conn.send(json.dumps({"id": 1000, "type": "ping"}))
    await client.wait(
        lambda f: f.get("id") == 1000 and f.get("error", {}).get("code") == "id_reuse"
    )
    await client.close()


async def test_fuzzed_frames_never_close_other_clients(gw: Running):
    rng = random.Random(13)
    [(sid, uid), *_] = await temperature_sensors(gw)
    bystander = await V1.open(gw)
    sub = (await bystander.call("subscribe", filter={"id": [sid], "r": ["sensors"]}))["id"]
    legacy = WsClient(await websockets.connect(gw.ws_url))
    fuzzer = await V1.open(gw)
    samples = [
        b"\x00\xff",
        "",
        "{",
        "[]",
        "null",
        '"\\ud800"',
        '{"id":1e400}',
        '{"id":-1,"type":"ping"}',
        '{"id":9007199254740993,"type":"ping"}',
        '{"type":"auth","apikey":[1]}',
        "[" * 5000 + "]" * 5000,
        '{"id":2,"type":"request","method":"PUT","path":"/lights/1/state","body":"\\ud800"}',
        '{"id":3,"type":"request","method":"PUT","path":"/config","body":{"websocketnotifyall":"x"}}',
        '{"id":4,"type":"subscribe","filter":{"r":[{}]}}',
        '{"id":5,"type":"history","path":7}',
    ]
    for i in range(150):
        if i < len(samples):
            frame = samples[i]
        else:
            frame = json.dumps(
                {
                    "id": rng.choice([i, "x", None, 1.5]),
                    "type": rng.choice(
                        ["request", "subscribe", "history", "info", "ping", "unsubscribe", 3]
                    ),
                    rng.choice(["path", "filter", "since", "method", "body"]): rng.choice(
                        [[], {}, "/", 5, None, "GET", {"epoch": 1}]
                    ),
                }
            )
        await fuzzer.conn.send(frame)
        if i % 40 == 39:
            await asyncio.sleep(1.0)  # within the frame budget: this is about content
    await asyncio.sleep(0.2)
    assert fuzzer.conn.close_code is None
    report(gw, uid)
    await until(lambda: bystander.events(sub))
    await until(lambda: any(e.get("id") == sid for e in legacy.events))
    r = await gw.http.get(f"/api/{gw.key}/config")
    assert r.status_code == 200
    for client in (bystander, fuzzer):
        await client.close()
    await legacy.close()


async def test_a_v1_client_that_stops_reading_is_closed_1008_and_delays_nobody(gw: Running):
    uids = [uid for _, uid in await temperature_sensors(gw)]
    reader = await V1.open(gw)
    sub = (await reader.call("subscribe"))["id"]
    stalled = await websockets.connect(f"{gw.ws_url}/v1?apikey={gw.key}", max_size=None)
    await stalled.recv()
    await stalled.send(json.dumps({"id": 1, "type": "subscribe", "snapshot": True}))
    stalled.transport.pause_reading()  # stops reading: the server's buffer fills
    server = gw.daemon.ws
    dropped = server.stats.clients_dropped_slow
    await traffic(gw, uids, 20000, per_tick=200)
    await until(lambda: server.stats.clients_dropped_slow > dropped)
    await until(lambda: reader.events(sub)[-1]["seq"] == gw.gateway.bus.seq)
    stalled.transport.resume_reading()
    with pytest.raises(websockets.ConnectionClosed):
        while True:
            await stalled.recv()
    assert stalled.close_code in (1008, 1006)
    await reader.close()


# -- read keys, history ---------------------------------------------------------------------


async def read_key(gw: Running) -> str:
    password = (gw.data_dir / "password").read_text().strip()
    auth = "Basic " + base64.b64encode(f"me:{password}".encode()).decode()
    r = await gw.http.post(
        "/api", json={"devicetype": "v1-reader", "scope": "read"}, headers={"Authorization": auth}
    )
    return r.json()[0]["success"]["username"]


async def test_a_read_key_reads_but_changes_nothing(gw: Running):
    key = await read_key(gw)
    client = await V1.open(gw, key)
    assert (await client.call("info"))["result"]["scope"] == "read"
    lid, _ = await gw.find("lights", lambda light: light["state"].get("reachable"))
    before = await gw.get("")
    seq = gw.gateway.bus.seq
    writes = [
        ("PUT", f"/lights/{lid}/state", {"on": True, "bri": 3}),
        ("PUT", f"/lights/{lid}", {"name": "mine now"}),
        ("POST", "/groups", {"name": "nope"}),
        ("DELETE", f"/lights/{lid}", None),
        ("PUT", "/config", {"websocketnotifyall": False}),
    ]
    for method, path, body in writes:
        answer = await client.call("request", method=method, path=path, body=body)
        assert answer["success"] is False and answer["error"]["code"] == "forbidden"
    got = await client.call("request", method="GET", path=f"/lights/{lid}")
    assert (
        got["result"]["status"] == 200
        and got["result"]["body"]["name"] == before["lights"][lid]["name"]
    )
    assert gw.gateway.bus.seq == seq  # no event: nothing changed
    after = await gw.get("")
    for kind in ("lights", "groups"):
        assert set(after[kind]) == set(before[kind])
    await client.close()


async def test_history_over_v1_is_the_rest_answer(gw: Running):
    [(sid, uid), *_] = await temperature_sensors(gw)
    report(gw, uid, 2345)
    client = await V1.open(gw)
    answer = await client.call("history", path=f"/sensors/{sid}/state", keys=["temperature"])
    rest = await gw.http.get(f"/api/{gw.key}/sensors/{sid}/history?keys=temperature")
    assert answer["success"] is True and answer["result"] == rest.json()
    assert any(value == 2345 for _, value in answer["result"]["points"]["temperature"])
    query = f"/sensors/{sid}/history?keys=temperature"
    as_request = await client.call("request", method="GET", path=query)
    assert as_request["result"] == {"status": 200, "body": rest.json()}
    missing = await client.call("history", path="/sensors/9999/state", keys=["temperature"])
    assert missing["success"] is False and missing["error"]["code"] == "not_found"
    await client.close()


async def test_history_over_v1_takes_the_rest_defaults_and_errors(gw: Running):
    """docs/history.md: the message's fields are REST's parameters, so a query without
    `keys` answers every key, and a bad or unknown field gets REST's own error words."""
    [(sid, uid), *_] = await temperature_sensors(gw)
    report(gw, uid, 2346)
    client = await V1.open(gw)
    answer = await client.call("history", path=f"/sensors/{sid}/state")
    rest = await gw.http.get(f"/api/{gw.key}/sensors/{sid}/history")
    assert answer["success"] is True and answer["result"] == rest.json()
    assert any(value == 2346 for _, value in answer["result"]["points"]["temperature"])
    for fields, query in (
        ({"limit": True}, "limit=true"),
        ({"interval": 0.5}, "interval=0.5"),
        ({"bogus": 1}, "bogus=1"),
    ):
        bad = await client.call("history", path=f"/sensors/{sid}/state", **fields)
        rest = await gw.http.get(f"/api/{gw.key}/sensors/{sid}/history?{query}")
        assert rest.status_code == 400
        assert bad["success"] is False and bad["error"] == {
            "code": "bad_request",
            "message": rest.json()[0]["error"]["description"],
        }, fields
    await client.close()


async def test_command_update_tells_whether_the_device_got_it(gw: Running):
    lid, light = await gw.find("lights", lambda li: li["type"] == "Dimmable light")
    device = next(d for d in gw.daemon.demo.devices if str(d.ieee) in light["uniqueid"])
    client = await V1.open(gw)
    path = f"/lights/{lid}/state"
    answer = await client.call("request", method="PUT", path=path, body={"on": True})
    assert answer["result"] == {"status": 200, "body": [{"success": {f"{path}/on": True}}]}
    update = await client.wait(lambda f: f["type"] == "command_update" and f["id"] == answer["id"])
    assert update == {
        "type": "command_update",
        "id": answer["id"],
        "status": "delivered",
        "commands": [
            {
                "target": f"/lights/{lid}",
                "command": "on",
                "status": "delivered",
                "detail": "SUCCESS",
            }
        ],
    }
    device.online = False  # off at the wall: the radio cannot deliver
    try:
        answer = await client.call("request", method="PUT", path=path, body={"on": False})
        assert answer["result"]["status"] == 200  # REST's answer: deCONZ cannot know better
        update = await client.wait(
            lambda f: f["type"] == "command_update" and f["id"] == answer["id"]
        )
        assert update["status"] == "failed"
        assert update["commands"][0]["detail"] == "DELIVERY_FAILED"
    finally:
        device.online = True
    # a rename sends no Zigbee command: no command_update
    renamed = await client.call("request", method="PUT", path=f"/lights/{lid}", body={"name": "n"})
    marker = await client.call("ping")
    assert marker["type"] == "pong"
    assert not [
        f for f in client.frames if f.get("type") == "command_update" and f["id"] == renamed["id"]
    ]
    await client.close()
