"""Losing the coordinator and getting it back, through the real zigpy-znp.

When the stick goes away (killed: TCP reset; closed; or a broken line with the stick still
there) the daemon keeps serving REST and the websocket, says the radio is down (config
`rfconnected` false; every light and sensor `reachable` false, pushed as `changed` events,
which is what deCONZ clients see when deCONZ loses its ConBee), answers writes that need
the radio with error 950, and reconnects with backoff. When the stick is back everything
resumes without a daemon restart and without losing stored data.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import zigpy_znp.commands as c
from zigpy.zcl.clusters.general import Identify
from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from radio import commands as cmd
from radio.sim.catalogue import climate_sensor, dimmable_light
from tests.emulators.znp import ZStackEmulator
from tests.gateway.conftest import Running, WsClient
from tests.radio.znp.conftest import join, resource, start_daemon, stop_daemon, until

LIGHT = "00:5a:49:47:00:00:00:11"
SENSOR = "00:5a:49:47:00:00:00:12"


def reachable_events(ws: WsClient, start: int, value: bool) -> dict[tuple[str, str], dict]:
    """`changed` events setting reachable to `value`, by (resource kind, id)."""
    out = {}
    for e in ws.events[start:]:
        section = e.get("state") if e.get("r") == "lights" else e.get("config")
        if e.get("e") == "changed" and (section or {}).get("reachable") is value:
            out[(e["r"], e["id"])] = e
    return out


async def joined(gw: Running, stick: ZStackEmulator):
    light = dimmable_light(LIGHT, 0x2001)
    sensor = climate_sensor(SENSOR, 0x2002)
    await join(gw, stick, light, sensor)
    lid, _ = await resource(gw, "lights", LIGHT)
    sid, _ = await resource(gw, "sensors", SENSOR)
    return light, sensor, lid, sid


@pytest.mark.parametrize("loss", ["kill", "close", "drop"])
async def test_radio_loss_and_recovery(
    gw: Running, ws: WsClient, stick: ZStackEmulator, loss: str, caplog
):
    caplog.set_level(logging.INFO, logger="radio")
    light, sensor, lid, sid = await joined(gw, stick)
    # Stored data the outage must not touch: a name, a group with a member, a second key
    assert (await gw.put(f"/lights/{lid}", {"name": "Desk"})).status_code == 200
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Study"})
    gid = r.json()[0]["success"]["id"]
    assert (await gw.put(f"/groups/{gid}", {"lights": [lid]})).status_code == 200
    other_key = await gw.create_key("other-client")
    before = await gw.get("")
    radio = gw.daemon.radio
    first_app = radio.app

    # -- the stick goes away --------------------------------------------------------------
    start = len(ws.events)
    if loss == "kill":
        stick.kill()  # TCP reset; nothing listens until restart()
    elif loss == "close":
        await stick.close()  # orderly close; nothing listens until restart()
    else:
        stick.drop()  # a broken line: the stick is still there, the reconnect gets it at once

    if loss != "drop":
        await until(
            lambda: {("lights", lid), ("sensors", sid)} <= set(reachable_events(ws, start, False)),
            what="lights and sensors going unreachable on the websocket",
        )
        config = await gw.get("/config")
        assert config["rfconnected"] is False
        # REST keeps serving the stored state; writes that need the radio get error 950
        lights = await gw.get("/lights")
        assert lights[lid]["name"] == "Desk" and lights[lid]["state"]["reachable"] is False
        # Light and group commands need the radio itself: 950 (HTTP 503), as deCONZ
        r = await gw.put(f"/lights/{lid}/state", {"on": True})
        assert r.status_code == 503 and r.json()[0]["error"]["type"] == 950, r.text
        r = await gw.put(f"/groups/{gid}/action", {"on": True})
        assert r.status_code == 503 and r.json()[0]["error"]["type"] == 950, r.text
        # Writes that need no radio still work
        assert (await gw.put(f"/groups/{gid}", {"name": "Study room"})).status_code == 200
        # It keeps trying, backing off, until the stick is back
        await until(
            lambda: sum("Reconnect attempt" in m for m in caplog.messages) >= 2,
            what="two failed reconnect attempts",
        )
        mark = len(ws.events)
        await stick.restart()
    else:
        mark = start

    # -- it is back -----------------------------------------------------------------------
    await until(lambda: radio.is_up and radio.app is not first_app, what="the radio coming back")
    await until(
        lambda: {("lights", lid), ("sensors", sid)} <= set(reachable_events(ws, mark, True)),
        what="lights and sensors reachable again on the websocket",
    )
    config = await gw.get("/config")
    assert config["rfconnected"] is True
    after = await gw.get("")
    assert after["lights"][lid]["name"] == "Desk"
    assert set(after["lights"]) == set(before["lights"])
    assert set(after["sensors"]) == set(before["sensors"])
    assert after["groups"][gid]["lights"] == [lid]
    assert after["groups"][gid]["name"] == ("Study" if loss == "drop" else "Study room")
    assert other_key in after["config"]["whitelist"]

    # The network works again: a command reaches the light, a report reaches the websocket
    rx = len(light.received)
    assert (await gw.put(f"/lights/{lid}/state", {"on": True})).status_code == 200
    await until(lambda: len(light.received) > rx, what="the light receiving 'on'")
    stick.network.emit(sensor.report(None, TemperatureMeasurement, {"measured_value": 1999}))
    await ws.wait(lambda e: e.get("id") == sid and e.get("state", {}).get("temperature") == 1999)

    # One reconnection, no leftovers; the stick's network was never rewritten
    assert stick.nv_writes() == []
    assert radio._reconnect_task is not None and radio._reconnect_task.done()


async def test_stopping_while_reconnecting_does_not_hang(tmp_path: Path, stick: ZStackEmulator):
    gw = await start_daemon(tmp_path, stick)
    radio = gw.daemon.radio
    stick.mode = "silent"  # it comes back, but hangs: the reconnect waits on its first ping
    mark = len(stick.requests)
    await stick.restart()
    await until(lambda: not radio.is_up, what="the radio noticing the loss")
    await stick.wait_for(
        lambda: (
            stick.connected and any(isinstance(r, c.SYS.Ping.Req) for r in stick.requests[mark:])
        )
    )
    reconnect = radio._reconnect_task
    async with asyncio.timeout(5):  # bounds a hang; the stop itself is immediate
        await stop_daemon(gw)
    assert reconnect is not None and reconnect.done()
    await stick.wait_for(lambda: not stick.connected)  # the half-open connection was closed
    assert radio.app is None


async def test_commands_in_flight_when_the_stick_dies_get_an_answer(
    gw: Running, stick: ZStackEmulator
):
    light, sensor, lid, _ = await joined(gw, stick)
    radio = gw.daemon.radio
    # They act at once, but their answers would come much later
    light.reply_delay = sensor.reply_delay = 60.0
    rx = len(light.received), len(sensor.received)
    put = asyncio.create_task(gw.put(f"/lights/{lid}/state", {"on": False}))
    identify = cmd.ZclCommand(
        cmd.DeviceTarget(SENSOR, 1), Identify.cluster_id, "identify", {"identify_time": 5}
    )
    direct = asyncio.create_task(radio.execute(identify))
    await until(
        lambda: (len(light.received), len(sensor.received)) == (rx[0] + 1, rx[1] + 1),
        what="both commands reaching their devices",
    )
    stick.kill()
    async with asyncio.timeout(10):  # bounds a hang
        r, result = await put, await direct
    # deCONZ answers a light command optimistically: the lost stick must not turn it into a
    # server error or a dropped connection. Underneath, the radio says why it failed.
    assert r.status_code == 200, r.text
    assert result == cmd.CommandResult(ok=False, status="NETWORK_DOWN")
    assert not radio.is_up
