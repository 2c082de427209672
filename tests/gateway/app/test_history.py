"""The history handler through the dispatcher, as every transport calls it (the v1
websocket's `history` message builds this `Request`): query pairs in, points out; with
`history_days = 0` nothing is recorded and the answer is empty lists."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.api.keys import READ
from gateway.app.gateway import Gateway
from gateway.app.requests import Request, dispatch
from radio import events as ev
from radio.controller import RadioSettings
from tests.gateway.app.conftest import FakeRadio
from tests.gateway.core.core_zoo import CLIMATE_IEEE, Clock, climate_sensor


async def climate_gateway(data_dir: Path, days: int, clock: Clock) -> tuple[Gateway, str, str]:
    settings = RadioSettings(radio_type="fake", device_path=None, data_dir=data_dir)
    gw = Gateway(settings, make_radio=FakeRadio, clock=clock, history_days=days)
    await gw.radio.start()
    await asyncio.sleep(0)
    gw.on_radio_event(ev.DeviceInitialized(climate_sensor(), restored=False))
    [sid] = [s.id for s in gw.store.sensors.values() if s.type == "ZHATemperature"]
    return gw, sid, gw.auth.create_key("tests")


def temperature(gw: Gateway, centi: int) -> None:
    gw.on_radio_event(ev.AttributeReport(CLIMATE_IEEE, 1, 0x0402, 0x0000, "measured_value", centi))


async def test_query_pairs_reach_the_handler(tmp_path: Path):
    clock = Clock(1_800_000_000.0)
    gw, sid, key = await climate_gateway(tmp_path, 7, clock)
    temperature(gw, 1900)
    clock.advance(60)
    temperature(gw, 2000)
    query = (("keys", "temperature"), ("agg", "max"), ("start", "2027-01-15T08:00:00Z"))
    reply = await dispatch(gw, Request("GET", key, f"/sensors/{sid}/history", query=query))
    assert (reply.status, reply.body) == (
        200,
        {"points": {"temperature": [[1_800_000_000_000, 2000]]}},
    )
    await gw.close()


async def test_a_read_only_key_reads_the_history(tmp_path: Path):
    clock = Clock(1_800_000_000.0)
    gw, sid, _ = await climate_gateway(tmp_path, 7, clock)
    reader = gw.auth.create_key("dashboard", scope=READ)
    temperature(gw, 1900)
    reply = await dispatch(gw, Request("GET", reader, f"/sensors/{sid}/history"))
    points = {"temperature": [[1_800_000_000_000, 1900]]}
    assert (reply.status, reply.body) == (200, {"points": points})
    await gw.close()


async def test_zero_days_answers_empty_lists_and_keeps_no_file(tmp_path: Path):
    clock = Clock(1_800_000_000.0)
    gw, sid, key = await climate_gateway(tmp_path, 0, clock)
    temperature(gw, 1900)
    reply = await dispatch(gw, Request("GET", key, f"/sensors/{sid}/history"))
    assert (reply.status, reply.body) == (200, {"points": {"temperature": []}})
    await gw.close()
    assert not (tmp_path / "history.db").exists()


async def test_a_bad_parameter_is_answered_before_anything_is_read(tmp_path: Path):
    clock = Clock(1_800_000_000.0)
    gw, sid, key = await climate_gateway(tmp_path, 7, clock)
    query = (("limit", "many"),)
    reply = await dispatch(gw, Request("GET", key, f"/sensors/{sid}/history", query=query))
    assert reply.status == 400
    assert reply.body[0]["error"]["description"] == "invalid value, many, for parameter, limit"
    await gw.close()
