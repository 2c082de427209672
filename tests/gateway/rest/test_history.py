"""`GET /api/<key>/sensors/<id>/history` on a real daemon with the simulated network: a
device's report is in the answer at once (still in the write batch), after more reports
as buckets, and after a restart; bad queries get deCONZ errors, never a 5xx."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import pytest_asyncio

from tests.gateway.conftest import (
    Running,
    daemon_settings,
    run_daemon,
    start_daemon,
    stop_daemon,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gw(tmp_path_factory) -> Running:
    running = await start_daemon(tmp_path_factory.mktemp("history"))
    yield running
    await stop_daemon(running)


async def temperature_sensor(gw: Running) -> str:
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    return sid


async def report_temperature(gw: Running, sid: str, centi: int) -> None:
    """The climate sensor reports; returns once the gateway has it."""
    gw.network.emit(gw.sim("SIM-TH1").report(None, "temperature", {"measured_value": centi}))

    await until(lambda: gw.gateway.store.sensors[sid].state["temperature"] == centi)


async def history(gw: Running, sid: str, **params) -> dict:
    r = await gw.http.get(f"/api/{gw.key}/sensors/{sid}/history", params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_report_is_in_the_history_at_once(gw: Running):
    sid = await temperature_sensor(gw)
    before = int(time.time() * 1000)
    await report_temperature(gw, sid, 1234)
    after = int(time.time() * 1000)
    answer = await history(gw, sid, keys="temperature")
    [ms] = [ms for ms, value in answer["points"]["temperature"] if value == 1234]
    assert before <= ms <= after
    assert list(answer) == ["points"]


async def test_without_keys_every_numeric_state_key_of_the_sensor_is_answered(gw: Running):
    sid = await temperature_sensor(gw)
    await report_temperature(gw, sid, 1500)
    answer = await history(gw, sid)
    assert list(answer["points"]) == ["temperature"]  # not lastupdated
    assert answer["points"]["temperature"][-1][1] == 1500


async def test_buckets_over_rest(gw: Running):
    sid = await temperature_sensor(gw)
    start = int(time.time() * 1000)
    for centi in (2000, 2100, 2200):
        await report_temperature(gw, sid, centi)
    end = int(time.time() * 1000)
    window = {"keys": "temperature", "start": start, "end": end}
    [[ms, count]] = (await history(gw, sid, **window, agg="count"))["points"]["temperature"]
    assert (ms, count) == (start, 3)
    [[_, low]] = (await history(gw, sid, **window, agg="min"))["points"]["temperature"]
    [[_, avg]] = (await history(gw, sid, **window, agg="avg"))["points"]["temperature"]
    assert (low, avg) == (2000, 2100.0)
    raw = (await history(gw, sid, **window, limit=2))["points"]["temperature"]
    assert [value for _, value in raw] == [2100, 2200]


@pytest.mark.parametrize(
    ("query", "status", "error_type", "description"),
    [
        ("start=tomorrow", 400, 7, "invalid value, tomorrow, for parameter, start"),
        ("agg=median", 400, 7, "invalid value, median, for parameter, agg"),
        ("limit=100000", 400, 7, "invalid value, 100000, for parameter, limit"),
        ("interval=-1", 400, 7, "invalid value, -1, for parameter, interval"),
        ("keys=temperature&since=5", 400, 6, "parameter, since, not available"),
    ],
)
async def test_bad_parameters_are_deconz_errors(gw, query, status, error_type, description):
    sid = await temperature_sensor(gw)
    r = await gw.http.get(f"/api/{gw.key}/sensors/{sid}/history?{query}")
    assert r.status_code == status
    assert r.json() == [
        {
            "error": {
                "type": error_type,
                "address": f"/sensors/{sid}/history",
                "description": description,
            }
        }
    ]


async def test_unknown_sensor_wrong_method_and_bad_key(gw: Running):
    r = await gw.http.get(f"/api/{gw.key}/sensors/999/history")
    assert (r.status_code, r.json()[0]["error"]["type"]) == (404, 3)
    r = await gw.http.put(f"/api/{gw.key}/sensors/1/history", json={})
    assert r.json()[0]["error"]["type"] == 4
    r = await gw.http.get("/api/nobody/sensors/1/history")
    assert (r.status_code, r.json()[0]["error"]["type"]) == (403, 1)


async def test_history_survives_a_restart(tmp_path: Path):
    first = await start_daemon(tmp_path)
    try:
        sid = await temperature_sensor(first)
        await report_temperature(first, sid, 987)
    finally:
        await stop_daemon(first)
    second = await start_daemon(tmp_path)
    try:
        answer = await history(second, sid, keys="temperature")
        assert 987 in [value for _, value in answer["points"]["temperature"]]
    finally:
        await stop_daemon(second)


async def test_history_days_zero_keeps_nothing(tmp_path: Path):
    running = await run_daemon(daemon_settings(tmp_path, history_days=0))
    try:
        sid = await temperature_sensor(running)
        await report_temperature(running, sid, 555)
        assert await history(running, sid) == {"points": {"temperature": []}}
    finally:
        await stop_daemon(running)
    assert not (tmp_path / "history.db").exists()
