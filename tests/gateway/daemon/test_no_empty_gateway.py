"""A client that reads while the daemon is still loading its stored devices (Home Assistant
syncing right after a restart) waits for them instead of seeing an empty gateway."""

from __future__ import annotations

import asyncio

import httpx

from gateway.daemon.daemon import Daemon
from tests.gateway.conftest import daemon_settings, run_daemon, stop_daemon


async def test_reads_during_the_restore_see_every_stored_resource(tmp_path):
    first = await run_daemon(daemon_settings(tmp_path))
    key = first.key
    lights = await first.get("/lights")
    sensors = await first.get("/sensors")
    await stop_daemon(first)
    assert lights and sensors

    daemon = Daemon(daemon_settings(tmp_path))
    try:
        await daemon.start_serving()  # REST is up; the radio (and zigpy's database) is not
        base = f"http://127.0.0.1:{daemon.rest.port}/api/{key}"
        async with httpx.AsyncClient(timeout=30) as client:
            early = [
                asyncio.create_task(client.get(f"{base}{path}"))
                for path in ("/lights", "/sensors", "")
            ]
            await asyncio.sleep(0.2)
            assert not any(t.done() for t in early)  # held, not answered empty
            await daemon.start_radio()
            got_lights, got_sensors, full = [(await t).json() for t in early]
            config = (await client.get(f"{base}/config")).json()
    finally:
        await daemon.stop()
    assert set(got_lights) == set(lights)
    assert set(got_sensors) == set(sensors)
    assert set(full["lights"]) == set(lights)
    assert config["bridgeid"]
