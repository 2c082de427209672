"""The emulated NCP itself, driven by bellows' own EZSP host class (no zigpy app): the
version handshake, unknown commands, one client at a time, and the NVRAM views bellows
uses to rewrite a stick's IEEE address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import bellows.ezsp
import bellows.types as t
import pytest
from bellows.exception import InvalidCommandError

from tests.emulators.ezsp import FakeEzspNcp
from tests.emulators.ezsp_nvram import UNSET_EUI64, EzspNvram
from tests.radio.ezsp.conftest import NCP_IEEE, formed_nvram

NEW_IEEE = t.EUI64.convert("00:12:4b:00:2a:5b:7c:01")


@pytest.fixture
async def host(ncp: FakeEzspNcp) -> AsyncIterator[bellows.ezsp.EZSP]:
    ezsp = bellows.ezsp.EZSP({"path": ncp.url, "baudrate": 115200, "flow_control": None})
    await ezsp.connect(use_thread=False)
    yield ezsp
    await ezsp.disconnect()


async def test_version_handshake_lands_on_v13(ncp: FakeEzspNcp, host: bellows.ezsp.EZSP):
    assert host.ezsp_version == 13
    assert [(c.name, c.args) for c in ncp.commands[:2]] == [
        ("version", {"desiredProtocolVersion": 4}),  # legacy frame format
        ("version", {"desiredProtocolVersion": 13}),  # extended frame format
    ]
    (eui64,) = await host.getEui64()
    assert str(eui64) == NCP_IEEE
    assert await host.get_board_info() == ("zigbridge", "FakeEzspNcp", "7.4.3.0 build 0")


async def test_commands_it_does_not_know_are_invalid(ncp: FakeEzspNcp, host: bellows.ezsp.EZSP):
    with pytest.raises(InvalidCommandError):
        await host.getRouteTableEntry(index=0)
    assert [c.name for c in ncp.unhandled] == ["getRouteTableEntry"]
    ncp.unhandled.clear()  # expected here; the fixture checks none are left over
    (state,) = await host.networkState()  # still serving
    assert state == t.EmberNetworkStatus.NO_NETWORK


async def test_one_client_at_a_time(ncp: FakeEzspNcp, host: bellows.ezsp.EZSP):
    reader, writer = await asyncio.open_connection(ncp.host, ncp.port)
    async with asyncio.timeout(10):
        assert await reader.read() == b""  # refused: the serial port is taken
    writer.close()
    (eui64,) = await host.getEui64()
    assert str(eui64) == NCP_IEEE


async def test_ieee_rewrite_takes_effect_after_a_reset(ncp: FakeEzspNcp, host: bellows.ezsp.EZSP):
    assert await host.can_rewrite_custom_eui64()
    assert await host.can_burn_userdata_custom_eui64()
    await host.write_custom_eui64(NEW_IEEE)
    assert ncp.nvram.restored_eui64 == NEW_IEEE
    (eui64,) = await host.getEui64()
    assert str(eui64) == NCP_IEEE  # latched at boot, like the real stack
    await host.reset()
    await host.version()
    (eui64,) = await host.getEui64()
    assert eui64 == NEW_IEEE

    await host.reset_custom_eui64()
    await ncp.restart()  # survives power cycles until cleared; cleared here
    assert ncp.nvram.restored_eui64 == UNSET_EUI64
    assert ncp.nvram.eui64 == t.EUI64.convert(NCP_IEEE)


def test_nvram_token_views_round_trip():
    nv = formed_nvram(nwk_update_id=7)
    blank = EzspNvram.blank("00:0b:57:ff:fe:5a:00:99")
    for token in (
        t.NV3KeyId.NVM3KEY_STACK_NODE_DATA,
        t.NV3KeyId.NVM3KEY_STACK_NETWORK_MANAGEMENT,
        t.NV3KeyId.NVM3KEY_STACK_TRUST_CENTER,
    ):
        data = nv.read_token(token, 0)
        assert data is not None
        assert blank.write_token(token, 0, data)
        assert blank.read_token(token, 0) == data
    assert (blank.pan_id, blank.channel, blank.extended_pan_id) == (
        nv.pan_id,
        nv.channel,
        nv.extended_pan_id,
    )
    assert blank.nwk_update_id == 7 and blank.tc_link_key == nv.tc_link_key
    assert nv.read_token(t.NV3KeyId.NVM3KEY_STACK_CHILD_TABLE, 0) is None
    assert nv.read_token(0x12345, 0) is None and not nv.write_token(0x12345, 0, b"")


def test_factory_reset_keeps_only_the_addresses():
    nv = formed_nvram(nwk_frame_counter=500)
    nv.restored_eui64 = NEW_IEEE
    nv.factory_reset()
    assert not nv.formed_network
    assert nv.network_key is None and nv.nwk_frame_counter == 0
    assert nv.eui64 == NEW_IEEE and nv.hardware_eui64 == t.EUI64.convert(NCP_IEEE)
    kept = formed_nvram(nwk_frame_counter=500)
    kept.factory_reset(keep_outgoing_frame_counters=True)
    assert kept.nwk_frame_counter == 500
