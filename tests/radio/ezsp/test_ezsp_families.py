"""A blind and a door lock behind the emulated EmberZNet NCP, driven by the real bellows:
interviewed through the NCP, commanded over REST by unicast, and reporting back."""

from __future__ import annotations

from zigpy.zcl.clusters.closures import DoorLock, WindowCovering

from radio.sim.families import door_lock, window_covering
from tests.emulators.ezsp import FakeEzspNcp
from tests.gateway.conftest import Running
from tests.radio.ezsp.conftest import rest_until, until

BLIND = "00:5a:49:47:00:00:e1:01"
LOCK = "00:5a:49:47:00:00:e1:02"


async def test_blind_and_lock_through_the_ncp(gw: Running, ncp: FakeEzspNcp):
    r = await gw.put("/config", {"permitjoin": 60})
    assert r.status_code == 200, r.text
    await until(lambda: ncp.permitting_joins, what="permitJoining on the NCP")
    blind = ncp.network.join(window_covering(BLIND, 0x1E11, tilt=True))
    lock = ncp.network.join(door_lock(LOCK, 0x1E12))
    lights = await rest_until(gw, "/lights", lambda lights: len(lights) == 2 and lights)
    by_type = {light["type"]: lid for lid, light in lights.items()}
    bid, lid = by_type["Window covering device"], by_type["Door Lock"]
    sensors = await rest_until(
        gw, "/sensors", lambda s: any(x["type"] == "ZHADoorLock" for x in s.values()) and s
    )
    (sid,) = [i for i, s in sensors.items() if s["type"] == "ZHADoorLock"]

    r = await gw.put(f"/lights/{bid}/state", {"open": False, "tilt": 40})
    assert r.status_code == 200, r.text
    await rest_until(gw, f"/lights/{bid}", lambda b: b["state"]["lift"] == 100)
    await rest_until(gw, f"/lights/{bid}", lambda b: b["state"]["tilt"] == 40)
    assert blind.get(None, WindowCovering, "current_position_lift_percentage") == 100
    unicasts = {int(c.args["apsFrame"].clusterId) for c in ncp.sent_to(blind.nwk)}
    assert WindowCovering.cluster_id in unicasts

    r = await gw.put(f"/sensors/{sid}/config", {"lock": False})
    assert r.json() == [{"success": {f"/sensors/{sid}/config/lock": False}}]
    await until(lambda: lock.get(None, DoorLock, "lock_state") == DoorLock.LockState.Unlocked)
    await rest_until(gw, f"/lights/{lid}", lambda x: x["state"]["on"] is False)
    await rest_until(gw, f"/sensors/{sid}", lambda x: x["state"]["lockstate"] == "unlocked")
