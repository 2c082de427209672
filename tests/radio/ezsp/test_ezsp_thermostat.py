"""A radiator thermostat through the emulated EmberZNet NCP (bellows), end to end."""

from __future__ import annotations

from tests.emulators.ezsp import FakeEzspNcp
from tests.gateway.conftest import Running, WsClient
from tests.radio.ezsp.test_ezsp_daemon import open_network
from tests.radio.thermostat_trip import thermostat_round_trip


async def test_a_thermostat_joins_is_controlled_and_reports(
    gw: Running, ws: WsClient, ncp: FakeEzspNcp
):
    await open_network(gw, ncp)
    await thermostat_round_trip(gw, ws, ncp.network.join, 0x1E0B)
    assert "sendUnicast" in ncp.command_names()
