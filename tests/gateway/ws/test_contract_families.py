"""Websocket frames on the wire for the blind, the door lock, the fan and the siren, with
websocketnotifyall true (the whole sub-object) and false (only what changed)."""

from __future__ import annotations

import pytest
from zigpy.zcl.clusters.closures import DoorLock, WindowCovering
from zigpy.zcl.clusters.hvac import Fan

from tests.gateway.conftest import Running, WsClient, module_daemon, module_ws

pytestmark = pytest.mark.asyncio(loop_scope="module")


gw = module_daemon("ws-families")
ws = module_ws()


def frames(ws: WsClient, start: int, r: str, rid: str, section: str) -> list[dict]:
    return [e for e in ws.events[start:] if e.get("r") == r and e.get("id") == rid and section in e]


async def one_frame(ws: WsClient, start: int, r: str, rid: str, section: str = "state") -> dict:
    await ws.wait(lambda _e: bool(frames(ws, start, r, rid, section)))
    (frame,) = frames(ws, start, r, rid, section)
    assert frame["e"] == "changed" and frame["t"] == "event"
    return frame[section]


async def notify_all(gw: Running, value: bool) -> None:
    assert (await gw.put("/config", {"websocketnotifyall": value})).status_code == 200


async def test_covering_report_frames(gw: Running, ws: WsClient):
    lid, blind = await gw.find("lights", lambda x: x["type"] == "Window covering device")
    sim = gw.sim("SIM-WC1")
    await notify_all(gw, True)
    start = len(ws.events)
    gw.network.emit(sim.report(None, WindowCovering, {"current_position_lift_percentage": 40}))
    state = await one_frame(ws, start, "lights", lid)
    keys = {"bri", "lift", "on", "open", "reachable", "sat", "tilt"}
    assert set(state) == set(blind["state"]) == keys
    assert (state["lift"], state["bri"], state["open"], state["on"]) == (40, 101, True, True)

    await notify_all(gw, False)
    start = len(ws.events)
    gw.network.emit(sim.report(None, WindowCovering, {"current_position_lift_percentage": 100}))
    assert await one_frame(ws, start, "lights", lid) == {"bri": 254, "lift": 100, "open": False}


async def test_lock_report_frames_on_the_light_and_the_sensor(gw: Running, ws: WsClient):
    lid, light = await gw.find("lights", lambda x: x["type"] == "Door Lock")
    sid, sensor = await gw.find("sensors", lambda x: x["type"] == "ZHADoorLock")
    sim = gw.sim("SIM-DL-LOCK1")
    await notify_all(gw, True)
    start = len(ws.events)
    gw.network.emit(sim.report(None, DoorLock, {"lock_state": DoorLock.LockState.Unlocked}))
    assert await one_frame(ws, start, "lights", lid) == {"on": False, "reachable": True}
    state = await one_frame(ws, start, "sensors", sid)
    assert set(state) == set(sensor["state"]) and state["lockstate"] == "unlocked"
    config = await one_frame(ws, start, "sensors", sid, "config")
    assert set(config) == set(sensor["config"]) and config["lock"] is False
    assert set(light["state"]) == {"on", "reachable"}

    await notify_all(gw, False)
    start = len(ws.events)
    gw.network.emit(sim.report(None, DoorLock, {"lock_state": DoorLock.LockState.Locked}))
    assert await one_frame(ws, start, "lights", lid) == {"on": True}
    state = await one_frame(ws, start, "sensors", sid)
    assert set(state) == {"lastupdated", "lockstate"} and state["lockstate"] == "locked"
    assert await one_frame(ws, start, "sensors", sid, "config") == {"lock": True}


async def test_fan_report_frames(gw: Running, ws: WsClient):
    lid, fan = await gw.find("lights", lambda x: x["type"] == "Fan")
    sim = gw.sim("SIM-FAN1")
    await notify_all(gw, True)
    start = len(ws.events)
    gw.network.emit(sim.report(None, Fan, {"fan_mode": Fan.FanMode.Medium}))
    state = await one_frame(ws, start, "lights", lid)
    assert state == {"on": True, "reachable": True, "speed": 2} and set(fan["state"]) == set(state)

    await notify_all(gw, False)
    start = len(ws.events)
    gw.network.emit(sim.report(None, Fan, {"fan_mode": Fan.FanMode.High}))
    assert await one_frame(ws, start, "lights", lid) == {"speed": 3}


async def test_siren_command_frames(gw: Running, ws: WsClient):
    lid, siren = await gw.find("lights", lambda x: x["type"] == "Warning device")
    await notify_all(gw, True)
    start = len(ws.events)
    r = await gw.put(f"/lights/{lid}/state", {"alert": "lselect", "ontime": 20})
    assert r.json() == [{"success": {f"/lights/{lid}/state/alert": "lselect"}}]
    state = await one_frame(ws, start, "lights", lid)
    assert state == {"alert": "lselect", "reachable": True} and set(siren["state"]) == set(state)

    await notify_all(gw, False)
    start = len(ws.events)
    await gw.put(f"/lights/{lid}/state", {"alert": "none"})
    assert await one_frame(ws, start, "lights", lid) == {"alert": "none"}
