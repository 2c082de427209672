"""Websocket frames on the wire for a device report and a light command, with
websocketnotifyall true (the whole sub-object) and false (only what changed)."""

from __future__ import annotations

from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from tests.gateway.conftest import Running, WsClient


def state_frames(ws: WsClient, start: int, r: str, rid: str) -> list[dict]:
    return [e for e in ws.events[start:] if e.get("r") == r and e.get("id") == rid and "state" in e]


async def test_sensor_report_frames(gw: Running, ws: WsClient):
    sid, sensor = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    sim = gw.sim("SIM-TH1")

    start = len(ws.events)
    gw.network.emit(sim.report(None, TemperatureMeasurement, {"measured_value": 2231}))
    frame = await ws.wait(lambda e: e.get("id") == sid and "state" in e)
    assert set(frame) == {"e", "id", "r", "state", "t", "uniqueid"}
    assert (frame["t"], frame["e"], frame["r"], frame["uniqueid"]) == (
        "event", "changed", "sensors", sensor["uniqueid"],
    )  # fmt: skip
    assert frame["state"]["temperature"] == 2231
    assert set(frame["state"]) == set(sensor["state"])  # notifyall: the whole state object
    assert len(state_frames(ws, start, "sensors", sid)) == 1

    assert (await gw.put("/config", {"websocketnotifyall": False})).status_code == 200
    start = len(ws.events)
    gw.network.emit(sim.report(None, TemperatureMeasurement, {"measured_value": 2231}))
    await ws.wait(lambda e: len(state_frames(ws, start, "sensors", sid)) == 1)
    (frame,) = state_frames(ws, start, "sensors", sid)
    # same value again: only lastupdated changed, and deCONZ still pushes it
    assert set(frame["state"]) == {"lastupdated"}

    start = len(ws.events)
    gw.network.emit(sim.report(None, TemperatureMeasurement, {"measured_value": 2240}))
    await ws.wait(lambda e: len(state_frames(ws, start, "sensors", sid)) == 1)
    (frame,) = state_frames(ws, start, "sensors", sid)
    assert frame["state"]["temperature"] == 2240 and set(frame["state"]) == {
        "lastupdated",
        "temperature",
    }


async def test_light_command_frames_then_group_frame(gw: Running, ws: WsClient):
    lid, light = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Desk"})
    gid = r.json()[0]["success"]["id"]
    await gw.put(f"/groups/{gid}", {"lights": [lid]})
    await gw.put(f"/lights/{lid}/state", {"on": True})
    await ws.wait(lambda e: e.get("r") == "groups" and e.get("id") == gid and "state" in e)

    start = len(ws.events)
    assert (await gw.put(f"/lights/{lid}/state", {"on": False})).status_code == 200
    await ws.wait(lambda e: any(g.get("r") == "groups" for g in ws.events[start:]))
    group = next(e for e in ws.events[start:] if e.get("r") == "groups" and e.get("id") == gid)
    assert group == {
        "e": "changed", "id": gid, "r": "groups",
        "state": {"all_on": False, "any_on": False}, "t": "event",
    }  # fmt: skip
    frames = state_frames(ws, start, "lights", lid)
    assert frames, ws.events[start:]
    assert ws.events.index(frames[0]) < ws.events.index(group)  # light first, then group
    assert frames[0]["state"]["on"] is False
    assert set(frames[0]["state"]) == set(light["state"])  # notifyall true: whole state
    # the device's own report confirms the optimistic state without another frame
    assert all(f["state"]["on"] is False for f in frames)

    await gw.put("/config", {"websocketnotifyall": False})
    start = len(ws.events)
    await gw.put(f"/lights/{lid}/state", {"on": True})
    await ws.wait(lambda e: len(state_frames(ws, start, "lights", lid)) >= 1)
    assert state_frames(ws, start, "lights", lid)[0]["state"] == {"on": True}


async def test_a_remote_recalling_a_scene_emits_scene_called(gw: Running, ws: WsClient):
    lid, _ = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    gid = (await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Den"})).json()
    gid = gid[0]["success"]["id"]
    await gw.put(f"/groups/{gid}", {"lights": [lid]})
    await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 33, "transitiontime": 0})
    sid = (await gw.http.post(f"/api/{gw.key}/groups/{gid}/scenes", json={"name": "Low"})).json()
    sid = sid[0]["success"]["id"]
    await gw.put(f"/lights/{lid}/state", {"bri": 200, "transitiontime": 0})

    start = len(ws.events)
    # a REST recall does not emit scene-called (deCONZ only does for recalls from the air)
    await gw.put(f"/groups/{gid}/scenes/{sid}/recall", {})
    await gw.put(f"/lights/{lid}/state", {"bri": 200, "transitiontime": 0})
    remote = gw.sim("SIM-RC4")
    gw.network.emit(remote.recall_scene(int(sid), group=int(gid)))
    called = await ws.wait(lambda e: e.get("e") == "scene-called")
    assert called == {"e": "scene-called", "gid": gid, "r": "scenes", "scid": sid, "t": "event"}
    assert [e for e in ws.events[start:] if e.get("e") == "scene-called"] == [called]
    # the lights in the group really recalled it, and the gateway shows it
    after = len(ws.events) - 1 - ws.events[::-1].index(called)

    def recalled(_event) -> bool:
        return any(
            e.get("r") == "lights" and e.get("id") == lid and e.get("state", {}).get("bri") == 33
            for e in ws.events[after:]
        )

    await ws.wait(recalled)
    assert gw.sim("SIM-DL1").get(None, "level", "current_level") == 33
