"""A stick that is slow to start must not keep the API empty: after a restart the stored
lights and sensors are served (unreachable) at once, and become reachable when it is up."""

from __future__ import annotations

import asyncio

from gateway.daemon.daemon import Daemon
from radio.sim.radio import VirtualRadio
from tests.gateway.conftest import Running, daemon_settings, start_daemon, stop_daemon, until


async def test_stored_devices_are_served_while_the_radio_starts(tmp_path, monkeypatch):
    first = await start_daemon(tmp_path)
    known = await first.get("/lights")
    key = first.key
    await stop_daemon(first)

    monkeypatch.setattr(VirtualRadio, "startup_delay", 3.0)
    daemon = Daemon(daemon_settings(tmp_path))
    await daemon.start_serving()
    radio = asyncio.create_task(daemon.start_radio())
    running = Running(daemon, tmp_path)
    running.key = key
    try:
        lights = await until(lambda: daemon.gateway.store.lights or None, what="stored lights")
        assert not radio.done()  # still starting
        served = await running.get("/lights")
        assert set(served) == set(known)
        assert all(light["state"]["reachable"] is False for light in served.values())
        assert (await running.get("/config"))["rfconnected"] is False
        assert len(lights) == len(known)

        await radio
        served = await running.get("/lights")
        assert all(light["state"]["reachable"] is True for light in served.values())
    finally:
        radio.cancel()
        await stop_daemon(running)
