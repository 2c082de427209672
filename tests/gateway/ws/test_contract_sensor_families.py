"""Websocket frames on the wire for the thermostat, PM2.5, soil moisture, CO2 and VOC sensors, with
websocketnotifyall true (the whole sub-object) and false (only what changed).

One daemon on the simulated demo home for the module."""

from __future__ import annotations

import pytest
import pytest_asyncio
import websockets
from zigpy.zcl.clusters.general import AnalogInput
from zigpy.zcl.clusters.hvac import Thermostat
from zigpy.zcl.clusters.measurement import PM25, CarbonDioxideConcentration, SoilMoisture

from tests.gateway.conftest import (
    Running,
    WsClient,
    daemon_settings,
    run_daemon,
    stop_daemon,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")
FRAME_KEYS = {"e", "id", "r", "t", "uniqueid"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gw(tmp_path_factory):
    running = await run_daemon(daemon_settings(tmp_path_factory.mktemp("ws-families")))
    yield running
    await stop_daemon(running)


@pytest_asyncio.fixture(loop_scope="module")
async def ws(gw: Running):
    client = WsClient(await websockets.connect(gw.ws_url))
    yield client
    await client.close()
    assert (await gw.put("/config", {"websocketnotifyall": True})).status_code == 200


def frames(ws: WsClient, start: int, sid: str, section: str) -> list[dict]:
    return [e for e in ws.events[start:] if e.get("id") == sid and section in e]


async def notify_all(gw: Running, value: bool) -> None:
    assert (await gw.put("/config", {"websocketnotifyall": value})).status_code == 200


@pytest.mark.parametrize("everything", [True, False])
async def test_thermostat_report_and_config_frames(gw: Running, ws: WsClient, everything):
    sid, sensor = await gw.find("sensors", lambda s: s["type"] == "ZHAThermostat")
    sim = gw.sim("SIM-TRV1")
    await notify_all(gw, everything)

    start = len(ws.events)
    temperature = sensor["state"]["temperature"] + 7
    gw.network.emit(sim.report(None, Thermostat, {"local_temperature": temperature}))
    await ws.wait(lambda e: len(frames(ws, start, sid, "state")) == 1)
    [frame] = frames(ws, start, sid, "state")
    assert set(frame) == FRAME_KEYS | {"state"} and frame["e"] == "changed"
    assert frame["uniqueid"] == sensor["uniqueid"]
    if everything:
        assert set(frame["state"]) == {"lastupdated", "on", "temperature", "valve"}
    else:
        assert set(frame["state"]) == {"lastupdated", "temperature"}
    assert frame["state"]["temperature"] == temperature

    # A REST write: the optimistic config frame at once; the device's report of the same
    # value (it reports its setpoint) causes no second one
    start = len(ws.events)
    setpoint = 2050 if sensor["config"]["heatsetpoint"] != 2050 else 2150
    r = await gw.put(f"/sensors/{sid}/config", {"heatsetpoint": setpoint})
    assert r.json() == [{"success": {f"/sensors/{sid}/config/heatsetpoint": setpoint}}]
    await ws.wait(lambda e: len(frames(ws, start, sid, "config")) == 1)
    await until(lambda: sim.get(None, Thermostat, "occupied_heating_setpoint") == setpoint)
    [frame] = frames(ws, start, sid, "config")
    if everything:
        assert set(frame["config"]) == set(sensor["config"])
        assert frame["config"]["heatsetpoint"] == setpoint
    else:
        assert frame["config"] == {"heatsetpoint": setpoint}
    after = (await gw.get(f"/sensors/{sid}"))["config"]
    assert after["heatsetpoint"] == setpoint
    assert len(frames(ws, start, sid, "config")) == 1


@pytest.mark.parametrize("everything", [True, False])
async def test_pm25_and_moisture_report_frames(gw: Running, ws: WsClient, everything):
    pid, pm = await gw.find("sensors", lambda s: s["type"] == "ZHAParticulateMatter")
    mid, soil = await gw.find("sensors", lambda s: s["type"] == "ZHAMoisture")
    moisture = soil["state"]["moisture"] + 100
    await notify_all(gw, everything)

    start = len(ws.events)
    value = pm["state"]["measured_value"] + 5
    gw.network.emit(gw.sim("SIM-PM1").report(None, PM25, {"measured_value": value + 0.2}))
    gw.network.emit(gw.sim("SIM-SM1").report(None, SoilMoisture, {"measured_value": moisture}))
    await ws.wait(lambda e: frames(ws, start, pid, "state") and frames(ws, start, mid, "state"))
    [pm_frame] = frames(ws, start, pid, "state")
    [moisture_frame] = frames(ws, start, mid, "state")
    assert pm_frame["state"] == {
        "lastupdated": pm_frame["state"]["lastupdated"],
        "measured_value": value,
    }
    assert moisture_frame["state"]["moisture"] == moisture
    assert set(moisture_frame["state"]) == {"lastupdated", "moisture"}

    # The same reading again: with notifyall false only lastupdated is pushed
    start = len(ws.events)
    gw.network.emit(gw.sim("SIM-PM1").report(None, PM25, {"measured_value": value + 0.2}))
    await ws.wait(lambda e: len(frames(ws, start, pid, "state")) == 1)
    [frame] = frames(ws, start, pid, "state")
    assert set(frame["state"]) == (
        {"lastupdated", "measured_value"} if everything else {"lastupdated"}
    )


@pytest.mark.parametrize("everything", [True, False])
async def test_co2_air_quality_report_frames(gw: Running, ws: WsClient, everything):
    sid, air = await gw.find("sensors", lambda s: s["modelid"] == "SIM-CO2")
    sim = gw.sim("SIM-CO2")
    await notify_all(gw, everything)

    start = len(ws.events)
    ppm = air["state"]["airquality_co2_density"] + 150
    gw.network.emit(sim.report(None, CarbonDioxideConcentration, {"measured_value": ppm / 1e6}))
    await ws.wait(lambda e: len(frames(ws, start, sid, "state")) == 1)
    [frame] = frames(ws, start, sid, "state")
    assert set(frame) == FRAME_KEYS | {"state"} and frame["e"] == "changed"
    assert frame["uniqueid"] == air["uniqueid"] and air["uniqueid"].endswith("-01-040d")
    assert frame["state"] == {
        "airquality_co2_density": ppm,
        "lastupdated": frame["state"]["lastupdated"],
    }

    # The same reading again: with notifyall false only lastupdated is pushed
    start = len(ws.events)
    gw.network.emit(sim.report(None, CarbonDioxideConcentration, {"measured_value": ppm / 1e6}))
    await ws.wait(lambda e: len(frames(ws, start, sid, "state")) == 1)
    [frame] = frames(ws, start, sid, "state")
    expected = {"lastupdated", "airquality_co2_density"} if everything else {"lastupdated"}
    assert set(frame["state"]) == expected


@pytest.mark.parametrize("everything", [True, False])
async def test_voc_air_quality_report_frames(gw: Running, ws: WsClient, everything):
    sid, air = await gw.find("sensors", lambda s: s["modelid"] == "SIM-VOC")
    assert air["type"] == "ZHAAirQuality" and air["uniqueid"].endswith("-01-000c")
    sim = gw.sim("SIM-VOC")
    await notify_all(gw, everything)

    # A reading in another band: both the ppb and the word change
    start = len(ws.events)
    ppb, word = (3000, "unhealthy") if everything else (1000, "poor")  # a new band each run
    gw.network.emit(sim.report(None, AnalogInput, {"present_value": float(ppb)}))
    await ws.wait(lambda e: len(frames(ws, start, sid, "state")) == 1)
    [frame] = frames(ws, start, sid, "state")
    assert set(frame) == FRAME_KEYS | {"state"} and frame["e"] == "changed"
    assert frame["state"] == {
        "airquality": word,
        "airqualityppb": ppb,
        "lastupdated": frame["state"]["lastupdated"],
    }

    # A new ppb in the same band: with notifyall false the unchanged word is not pushed
    start = len(ws.events)
    gw.network.emit(sim.report(None, AnalogInput, {"present_value": float(ppb + 1)}))
    await ws.wait(lambda e: len(frames(ws, start, sid, "state")) == 1)
    [frame] = frames(ws, start, sid, "state")
    expected = {"lastupdated", "airqualityppb"} | ({"airquality"} if everything else set())
    assert set(frame["state"]) == expected and frame["state"]["airqualityppb"] == ppb + 1
