"""State a client sees again after a restart of the daemon (real zigpy, real SQLite): a
sensor's `lastupdated` is the time of its last report, not the restart time, so a
sensor that died before the restart still looks stale."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from radio.appdb import WRITE_INTERVAL
from tests.gateway.conftest import start_daemon, stop_daemon, until


def parse(lastupdated: str) -> float:
    return datetime.fromisoformat(lastupdated).replace(tzinfo=UTC).timestamp()


async def test_a_restored_sensor_reports_when_it_last_reported(tmp_path):
    gw = await start_daemon(tmp_path)
    try:
        rid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
        gw.network.emit(
            gw.sim("SIM-TH1").report(None, TemperatureMeasurement, {"measured_value": 1234})
        )

        async def reported() -> dict:
            state = (await gw.get(f"/sensors/{rid}"))["state"]
            return state if state["temperature"] == 1234 else {}

        async with asyncio.timeout(10):
            while not (state := await reported()):
                await asyncio.sleep(0.01)
        before = state["lastupdated"]
        listener = gw.daemon.radio.app._dblistener
        await until(lambda: not listener.pending_writes, WRITE_INTERVAL + 10, "zigpy's write")
        written = datetime.now(UTC).timestamp()
    finally:
        await stop_daemon(gw)

    again = await start_daemon(tmp_path)
    try:
        state = (await again.get(f"/sensors/{rid}"))["state"]
    finally:
        await stop_daemon(again)
    assert state["temperature"] == 1234
    # zigpy stores the value when its (merged) write runs: at most WRITE_INTERVAL later.
    assert parse(before) - 0.001 <= parse(state["lastupdated"]) <= written
