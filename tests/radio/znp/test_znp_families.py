"""A blind and a door lock behind the emulated Z-Stack stick, driven by the real zigpy-znp:
they join and are interviewed through the stick, REST commands reach them as AF data
requests, and their reports come back as the new state."""

from __future__ import annotations

from zigpy.zcl.clusters.closures import DoorLock, WindowCovering

from radio.sim.families import door_lock, window_covering
from tests.emulators.znp import ZStackEmulator
from tests.gateway.conftest import Running, WsClient
from tests.radio.znp.conftest import join, resource, until

BLIND = "00:5a:49:47:00:00:f0:01"
LOCK = "00:5a:49:47:00:00:f0:02"


async def test_blind_and_lock_through_the_stick(gw: Running, ws: WsClient, stick: ZStackEmulator):
    blind = window_covering(BLIND, 0x1F01)
    lock = door_lock(LOCK, 0x1F02)
    await join(gw, stick, blind, lock)
    bid, covering = await resource(gw, "lights", BLIND)
    lid, _ = await resource(gw, "lights", LOCK)
    assert covering["type"] == "Window covering device"
    await until(lambda: gw.gateway.store.lights[bid].state["open"] is True, what="read at join")
    sensors = await gw.get("/sensors")
    (sid,) = [i for i, s in sensors.items() if s["type"] == "ZHADoorLock"]

    r = await gw.put(f"/lights/{bid}/state", {"lift": 50})
    assert r.json() == [{"success": {f"/lights/{bid}/state/lift": 50}}]
    await until(lambda: blind.get(None, WindowCovering, "current_position_lift_percentage") == 50)
    assert WindowCovering.cluster_id in {r.ClusterId for r in stick.data_requests(nwk=0x1F01)}
    lifts = {
        e["state"]["lift"] for e in ws.events if e.get("id") == bid and "lift" in e.get("state", {})
    }
    await ws.wait(lambda e: e.get("id") == bid and e.get("state", {}).get("lift") == 50)
    assert len(lifts | {50}) >= 2  # it reported on the way

    r = await gw.put(f"/lights/{lid}/state", {"on": False})
    assert r.status_code == 200, r.text
    await until(lambda: lock.get(None, DoorLock, "lock_state") == DoorLock.LockState.Unlocked)
    await ws.wait(
        lambda e: e.get("id") == sid and e.get("state", {}).get("lockstate") == "unlocked"
    )
    assert (await gw.get(f"/lights/{lid}"))["state"]["on"] is False
