"""One thermostat's life through an emulated stick, shared by the Z-Stack and EmberZNet
tests: it joins and is a ZHAThermostat with the state read at interview, a REST write
reaches it as Write Attributes, and its reports (the room warming up) reach the websocket."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from zigpy.zcl.clusters.hvac import Thermostat

from radio.sim.thermostat import SimThermostat, radiator_thermostat
from tests.gateway.conftest import Running, WsClient, until

IEEE = "00:5a:49:47:00:00:e0:0b"


async def sensor_of(gw: Running, ieee: str, timeout: float = 15.0) -> tuple[str, dict]:
    """Wait until REST shows the device's sensor; (id, sensor)."""
    async with asyncio.timeout(timeout):
        while True:
            for sid, sensor in (await gw.get("/sensors")).items():
                if sensor["uniqueid"].startswith(ieee):
                    return sid, sensor
            await asyncio.sleep(0.02)


async def thermostat_round_trip(
    gw: Running, ws: WsClient, join: Callable[[SimThermostat], Any], nwk: int
) -> SimThermostat:
    trv = radiator_thermostat(IEEE, nwk, room=19.0, setpoint=20.0)
    trv.tau, trv.step = 0.4, 0.05
    join(trv)
    sid, sensor = await sensor_of(gw, IEEE)
    assert (sensor["type"], sensor["uniqueid"]) == ("ZHAThermostat", f"{IEEE}-01-0201")
    # read before the gateway heard of it: the first sight already has its values
    # (the room has started warming meanwhile: 19 °C toward 20 °C)
    assert 1900 <= sensor["state"]["temperature"] <= 2000, sensor
    assert sensor["config"]["heatsetpoint"] == 2000 and sensor["state"]["valve"] is not None
    assert sensor["config"]["mode"] == "heat" and sensor["config"]["locked"] is False

    start = len(ws.events)
    r = await gw.put(f"/sensors/{sid}/config", {"heatsetpoint": 2300, "mode": "auto"})
    assert r.status_code == 200 and all("success" in item for item in r.json()), r.text
    await until(lambda: trv.get(None, Thermostat, "occupied_heating_setpoint") == 2300)
    assert trv.get(None, Thermostat, "system_mode") == Thermostat.SystemMode.Auto
    written = [c for c in trv.received_general if c.command_name == "Write_Attributes"]
    assert written and all(c.cluster == Thermostat.cluster_id for c in written[-2:])

    def temperatures() -> list[int]:
        return [
            e["state"]["temperature"]
            for e in ws.events[start:]
            if e.get("id") == sid and "temperature" in e.get("state", {})
        ]

    await until(lambda: temperatures() and temperatures()[-1] >= 2280, what="room at 23 °C")
    assert temperatures() == sorted(temperatures()) and len(temperatures()) >= 3
    config = [e["config"] for e in ws.events[start:] if e.get("id") == sid and "config" in e]
    # (the interview's last reads may still bring a config frame of their own first)
    assert [c["heatsetpoint"] for c in config if "heatsetpoint" in c][-1] == 2300, config
    trv.cancel_timers()
    return trv
