"""A radiator thermostat through the emulated Z-Stack stick (zigpy-znp), end to end."""

from __future__ import annotations

import zigpy_znp.commands as c
from zigpy.zcl.clusters.hvac import Thermostat

from tests.emulators.znp import ZStackEmulator
from tests.gateway.conftest import Running, WsClient
from tests.radio.thermostat_trip import thermostat_round_trip
from tests.radio.znp.conftest import join


async def test_a_thermostat_joins_is_controlled_and_reports(
    gw: Running, ws: WsClient, stick: ZStackEmulator
):
    await join(gw, stick)
    await thermostat_round_trip(gw, ws, stick.join, 0x1E0B)
    # the writes left the gateway as AF data requests to the device's Thermostat cluster
    to_trv = {r.ClusterId for r in stick.data_requests(nwk=0x1E0B)}
    assert Thermostat.cluster_id in to_trv
    assert stick.requests_of(c.ZDO.MgmtPermitJoinReq)
