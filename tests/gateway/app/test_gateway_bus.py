"""The bus on a running daemon: the deCONZ websocket is one sink among others, it sees the
same frames the bus numbered, and a consumer that breaks does not silence it."""

from __future__ import annotations

import json

from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from tests.gateway.conftest import Running, WsClient, until


async def test_websocket_frames_are_the_bus_events_in_order(gw: Running, ws: WsClient):
    published: list = []
    gw.gateway.bus.add_sink(published.append)
    lid, _ = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    start = len(ws.events)
    assert (await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 77})).status_code == 200
    sim = gw.sim("SIM-TH1")
    gw.network.emit(sim.report(None, TemperatureMeasurement, {"measured_value": 1999}))
    await ws.wait(lambda e: e.get("state", {}).get("temperature") == 1999)
    await until(lambda: len(ws.events) - start >= len(published))

    assert [e.seq for e in published] == list(range(published[0].seq, published[-1].seq + 1))
    assert ws.events[start : start + len(published)] == [json.loads(e.text) for e in published]
    assert gw.gateway.bus.seq == published[-1].seq


async def test_a_broken_sink_does_not_stop_the_websocket(gw: Running, ws: WsClient):
    def broken(event):
        raise RuntimeError("a consumer with a bug")

    gw.gateway.bus.add_sink(broken)
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    sim = gw.sim("SIM-TH1")
    for value in (2101, 2102):
        gw.network.emit(sim.report(None, TemperatureMeasurement, {"measured_value": value}))
        await ws.wait(lambda e, v=value: e.get("id") == sid and e["state"]["temperature"] == v)
    assert (await gw.get(f"/sensors/{sid}"))["state"]["temperature"] == 2102


async def test_metrics_count_what_the_bus_published(gw: Running, ws: WsClient):
    before = gw.gateway.bus.seq
    lid, _ = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    assert (await gw.put(f"/lights/{lid}/state", {"on": False})).status_code == 200
    await until(lambda: gw.gateway.bus.seq > before)
    text = (await gw.http.get("/metrics")).text
    line = next(x for x in text.splitlines() if x.startswith("zigbridge_events_published_total"))
    assert int(float(line.split()[-1])) == gw.gateway.bus.seq
