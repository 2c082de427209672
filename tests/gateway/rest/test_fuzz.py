"""Hypothesis over real HTTP: arbitrary JSON bodies on every writable endpoint never get a
5xx, and a rejected request (no success item) changes nothing that is stored or shown."""

from __future__ import annotations

import asyncio
import math
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from radio.sim.covering import SimCovering
from radio.sim.thermostat import SimThermostat
from tests.gateway.conftest import start_daemon, until

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)

# Keys the endpoints know, so the fuzz reaches the validation paths, not only "unknown".
KNOWN = [
    "on", "bri", "hue", "sat", "xy", "ct", "alert", "effect", "transitiontime", "bri_inc",
    "ct_inc", "hue_inc", "sat_inc", "xy_inc", "colorloopspeed", "toggle", "name", "lights",
    "type", "class", "hidden", "offset", "duration", "delay", "sensitivity", "tholddark",
    "tholdoffset", "websocketnotifyall", "networkopenduration", "lightlastseeninterval",
    "timeformat", "timezone", "zigbeechannel", "unlock", "permitjoin", "groupdelay", "id",
    "buttonevent", "mode", "reset", "reinterview", "open", "stop", "lift", "tilt", "speed",
    "ontime", "lock", "heatsetpoint", "coolsetpoint", "locked",
]  # fmt: skip
bodies = st.dictionaries(st.sampled_from(KNOWN) | st.text(max_size=8), json_values, max_size=4)
raw_bodies = bodies | json_values


class ThreadedDaemon:
    """The daemon on its own event loop in a thread, so sync hypothesis tests can use it."""

    def __init__(self, data_dir: Path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.running = self.call(start_daemon(data_dir))

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def close(self) -> None:
        self.call(self.running.http.aclose())
        self.call(self.running.daemon.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _hot_still_room(running) -> None:
    """The radiator's room stands still at 40 °C, so it never heats: no write can move a
    thermostat reading (or its valve) into the next example's before/after comparison."""
    [trv] = [d for d in running.daemon.demo.devices if isinstance(d, SimThermostat)]
    trv.tau, trv.room = math.inf, 40.0
    running.network.emit(trv.tick())
    await until(
        lambda: any(
            s.state.get("temperature") == 4000 and s.state.get("on") is False
            for s in running.gateway.store.sensors.values()
        ),
        what="the thermostat showing 40 °C, idle",
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    daemon = ThreadedDaemon(tmp_path_factory.mktemp("fuzz"))
    running = daemon.running
    for device in running.daemon.demo.devices:
        if isinstance(device, SimCovering):
            device.step = 0  # arrives at once: no report lands after the next request began
    daemon.call(_hot_still_room(running))
    client = httpx.Client(base_url=running.base, timeout=10)
    key = running.key
    lights = client.get(f"/api/{key}/lights").json()
    sensors = client.get(f"/api/{key}/sensors").json()
    gid = client.post(f"/api/{key}/groups", json={"name": "Fuzz"}).json()[0]["success"]["id"]
    client.put(f"/api/{key}/groups/{gid}", json={"lights": list(lights)[:3]})
    sid = client.post(f"/api/{key}/groups/{gid}/scenes", json={"name": "S"}).json()
    sid = sid[0]["success"]["id"]
    paths = [f"/lights/{lid}/state" for lid in lights] + [f"/lights/{next(iter(lights))}"]
    paths += [f"/sensors/{sid_}/config" for sid_ in sensors] + [f"/sensors/{next(iter(sensors))}"]
    paths += [f"/groups/{gid}/action", f"/groups/{gid}", "/config", f"/groups/{gid}/scenes"]
    paths += [f"/groups/{gid}/scenes/{sid}", "/groups/0/action"]
    paths += [f"/devices/{mac}" for mac in client.get(f"/api/{key}/devices").json()[:2]]
    thermostat = next(i for i, s in sensors.items() if s["type"] == "ZHAThermostat")
    yield client, key, paths, running.data_dir, f"/sensors/{thermostat}/config"
    client.close()
    daemon.close()


# lastannounced: a fuzzed `{"reinterview": true}` that succeeds re-interviews a device
VOLATILE = {
    "etag", "lastseen", "UTC", "localtime", "lastupdated", "last use date", "lastannounced",
}  # fmt: skip


def scrub(value):
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def stored(data_dir: Path) -> list:
    with sqlite3.connect(data_dir / "zigbridge.db") as db:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        return [
            (t, sorted(map(repr, db.execute(f"select * from {t}").fetchall())))
            for t in sorted(tables)
            if t != "api_keys"  # last-use dates are bookkeeping, not user data
        ]


FAMILY_TYPES = ("Window covering device", "Door Lock", "Fan", "Warning device")
FAMILY_KEYS = ["open", "stop", "lift", "tilt", "on", "bri", "bri_inc", "sat", "speed", "alert",
               "ontime", "transitiontime", "lock"]  # fmt: skip
family_bodies = st.dictionaries(
    st.sampled_from(FAMILY_KEYS) | st.text(max_size=6),
    json_values | st.sampled_from(["stop", "lselect", "select", "none", "blink"]),
    max_size=3,
)


def family_paths(client: httpx.Client, key: str) -> list[str]:
    """The blind's, lock's, fan's and siren's state, and the ZHADoorLock's config."""
    lights = client.get(f"/api/{key}/lights").json()
    sensors = client.get(f"/api/{key}/sensors").json()
    paths = [f"/lights/{i}/state" for i, x in lights.items() if x["type"] in FAMILY_TYPES]
    paths += [f"/sensors/{i}/config" for i, x in sensors.items() if x["type"] == "ZHADoorLock"]
    assert len(paths) == 5, paths
    return paths


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_5xx_and_rejected_requests_change_nothing(live, data):
    client, key, paths, data_dir, _ = live
    path = data.draw(st.sampled_from(paths), label="path")
    # POST only where it creates something; DELETE would just empty the fixture
    method = "POST" if path.endswith("/scenes") else "PUT"
    body = data.draw(raw_bodies, label="body")
    before_state = scrub(client.get(f"/api/{key}").json())
    before_db = stored(data_dir)

    r = client.request(method, f"/api/{key}{path}", json=body)

    assert r.status_code < 500 or r.json()[0]["error"]["type"] == 950, (r.status_code, r.text)
    assert r.headers["content-type"].startswith("application/json")
    reply = r.json()
    succeeded = isinstance(reply, list) and any("success" in item for item in reply)
    if not succeeded:
        assert scrub(client.get(f"/api/{key}").json()) == before_state
        assert stored(data_dir) == before_db


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_family_state_bodies_get_deconz_answers_and_rejections_change_nothing(live, data):
    """The covering, lock, fan and siren keys, valid and not, on exactly their resources."""
    client, key, _paths, data_dir, _ = live
    path = data.draw(st.sampled_from(family_paths(client, key)), label="path")
    body = data.draw(family_bodies | json_values, label="body")
    before_state = scrub(client.get(f"/api/{key}").json())
    before_db = stored(data_dir)

    r = client.put(f"/api/{key}{path}", json=body)

    assert r.status_code < 500, (r.status_code, r.text)
    reply = r.json()
    assert isinstance(reply, list) and reply
    assert all(set(item) <= {"success", "error"} for item in reply)
    if not any("success" in item for item in reply):
        assert scrub(client.get(f"/api/{key}").json()) == before_state
        assert stored(data_dir) == before_db


THERMOSTAT_KEYS = ["heatsetpoint", "coolsetpoint", "mode", "offset", "locked", "on", "battery"]
thermostat_values = (
    json_values
    | st.integers(min_value=-3000, max_value=4000)
    | st.sampled_from(["heat", "auto", "off", "cool", "boost", "Heat", ""])
)
thermostat_bodies = st.dictionaries(
    st.sampled_from(THERMOSTAT_KEYS) | st.text(max_size=8), thermostat_values, max_size=4
)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=thermostat_bodies | json_values)
def test_thermostat_config_gets_deconz_errors_and_a_rejection_changes_nothing(live, body):
    """The thermostat's own keys with values near and past their ranges: every answer is
    deCONZ's (HTTP 200 per-key results or 400), never a 5xx; a key that fails changes
    nothing of its own, and a body without a success changes nothing at all."""
    client, key, _, data_dir, path = live
    before = scrub(client.get(f"/api/{key}{path.removesuffix('/config')}").json())
    before_db = stored(data_dir)

    r = client.put(f"/api/{key}{path}", json=body)

    assert r.status_code in (200, 400), (r.status_code, r.text)
    reply = r.json()
    assert isinstance(reply, list) and all(set(item) <= {"success", "error"} for item in reply)
    after = scrub(client.get(f"/api/{key}{path.removesuffix('/config')}").json())
    accepted = {address.rsplit("/", 1)[-1] for item in reply for address in item.get("success", {})}
    for item in reply:
        if "error" in item:
            assert isinstance(item["error"]["type"], int) and item["error"]["address"]
            failed = item["error"]["address"].rsplit("/", 1)[-1]
            if failed not in accepted and failed in before["config"]:
                assert after["config"][failed] == before["config"][failed], item
    if not accepted:
        assert after == before
        assert stored(data_dir) == before_db
