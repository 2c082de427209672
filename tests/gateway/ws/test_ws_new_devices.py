"""What a websocket client sees of devices, as a new user meets them: a device that pairs
is `added` with its real state, and a meter's report is one event.

One daemon on the simulated network for the module, with `--sim-join-on-permit` so opening
the network brings a new (simulated) device, as pressing its pairing button would."""

from __future__ import annotations

import pytest
import pytest_asyncio
import websockets
from zigpy.zcl.clusters.general import LevelControl, OnOff

from tests.gateway.conftest import (
    Running,
    WsClient,
    daemon_settings,
    run_daemon,
    stop_daemon,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gw(tmp_path_factory):
    settings = daemon_settings(tmp_path_factory.mktemp("ws-new"), sim_join_on_permit=True)
    running = await run_daemon(settings)
    yield running
    await stop_daemon(running)


@pytest_asyncio.fixture(loop_scope="module")
async def ws(gw: Running):
    client = WsClient(await websockets.connect(gw.ws_url))
    yield client
    await client.close()


async def test_a_paired_light_is_added_with_the_state_it_has(gw: Running, ws: WsClient) -> None:
    r = await gw.put("/config", {"permitjoin": 60})
    assert r.status_code == 200, r.text
    added = await ws.wait(lambda e: e["e"] == "added" and e["r"] == "lights", timeout=20)
    sim = gw.network.get(added["uniqueid"].split("-")[0])
    state = added["light"]["state"]
    assert state["on"] == bool(sim.get(None, OnOff, "on_off"))
    assert state["bri"] == sim.get(None, LevelControl, "current_level")
    await gw.put("/config", {"permitjoin": 0})


async def test_a_meter_report_is_one_consumption_event(gw: Running, ws: WsClient) -> None:
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHAConsumption")
    tid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    plug, climate = gw.sim("SIM-PLUG1"), gw.sim("SIM-TH1")
    for summation in (20_000, 20_000, 20_001):  # the same reading twice, then a new one
        start = len(ws.events)
        report = {"current_summ_delivered": summation, "instantaneous_demand": 42}
        gw.network.emit(plug.report(None, "smartenergy_metering", report))
        gw.network.emit(climate.report(None, "temperature", {"measured_value": summation}))
        await until(
            lambda start=start: any(
                e.get("id") == tid and e["r"] == "sensors" for e in ws.events[start:]
            ),
            what="the temperature report that follows the meter's",
        )
        events = [
            e for e in ws.events[start:] if e["r"] == "sensors" and e["id"] == sid and "state" in e
        ]
        assert len(events) == 1, events
        assert events[0]["state"]["consumption"] == summation
        assert events[0]["state"]["power"] == 42
