"""The emulated Z-Stack against zigpy-znp directly (no daemon): the parts of Z-Stack the
daemon tests do not reach, and a stick migration through zigpy's own backup/restore."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import zigpy.exceptions
import zigpy_znp.commands as c
import zigpy_znp.types as t
from zigpy_znp.exceptions import CommandNotRecognized
from zigpy_znp.types.nvids import OsalNvIds
from zigpy_znp.zigbee.application import ControllerApplication

from radio.sim.catalogue import dimmable_light
from tests.emulators.znp import ZStackEmulator, blank_nvram, formed_nvram
from tests.emulators.znp_nvram import ZStackNvram
from tests.radio.znp.conftest import until

LIGHT = "00:5a:49:47:00:00:00:21"


def config(stick: ZStackEmulator, db: Path | None = None) -> dict[str, Any]:
    return {
        "device": {"path": stick.url},
        "database_path": str(db) if db else None,
        "znp_config": {"skip_bootloader": False},
        "ota": {"enabled": False},
        "topology_scan_enabled": False,
    }


class Joins:
    def __init__(self) -> None:
        self.initialized: dict[str, Any] = {}
        self.left: list[str] = []

    def device_initialized(self, device: Any) -> None:
        self.initialized[str(device.ieee)] = device

    def device_left(self, device: Any) -> None:
        self.left.append(str(device.ieee))


async def start(stick: ZStackEmulator, db: Path | None = None) -> tuple[Any, Joins]:
    app = await ControllerApplication.new(config(stick, db), auto_form=True, start_radio=True)
    joins = Joins()
    app.add_listener(joins)
    return app, joins


async def test_a_stick_migration_through_zigpy_backup_and_restore(tmp_path: Path):
    """The old stick dies; a factory-new one with another IEEE takes its place. zigpy
    restores its latest backup onto it, and the devices keep working without re-joining."""
    db = tmp_path / "zigbee.db"
    async with ZStackEmulator(formed_nvram(frame_counter=5000)) as old:
        app, joins = await start(old, db)
        light = old.join(dimmable_light(LIGHT, 0x3001))
        await until(lambda: LIGHT in joins.initialized, what="the interview")
        backup = await app.backups.create_backup(load_devices=True)
        assert [str(k.partner_ieee) for k in backup.network_info.key_table] == [LIGHT]
        await app.shutdown()
    network, old_nv = old.network, old.nvram

    new_nv = blank_nvram(ieee="00:12:4b:00:99:99:99:99")
    async with ZStackEmulator(new_nv, network) as new:
        app, _ = await start(new, db)  # NetworkNotFormed → zigpy restores its backup
        try:
            nib, old_nib = new.nvram.nib, old_nv.nib
            assert (nib.nwkPanId, nib.extendedPANID, nib.nwkLogicalChannel) == (
                old_nib.nwkPanId,
                old_nib.extendedPANID,
                old_nib.nwkLogicalChannel,
            )
            assert new.nvram.network_key == old_nv.network_key
            assert new.ieee == old.ieee  # the coordinator keeps its address
            assert new.nvram.frame_counter >= 5000  # never reused: zigpy bumps it
            assert [str(e.extAddr) for e in new.nvram.address_manager()] == [LIGHT]
            # The light never re-joined, and still obeys
            device = app.get_device(ieee=t.EUI64.convert(LIGHT))
            await device.endpoints[1].on_off.off()
            assert light.received[-1].command_name == "off"
        finally:
            await app.shutdown()


async def test_clear_state_at_reset_leaves_the_network_and_keeps_the_address():
    nv = formed_nvram()
    nv.write(OsalNvIds.STARTUP_OPTION, t.StartupOptions.ClearState)
    nv.osal.pop(int(OsalNvIds.EXTADDR))  # zigpy-znp deletes it when the backup has none
    async with ZStackEmulator(nv) as stick:
        assert not stick.nvram.is_formed
        assert stick.nvram.read(OsalNvIds.STARTUP_OPTION, t.uint8_t) == 0
        assert stick.ieee == stick.nvram.hardware_ieee
        assert stick.nvram.read(OsalNvIds.TCLK_SEED, t.KeyData) is not None


async def test_nvram_survives_json_and_a_power_cycle(tmp_path: Path):
    async with ZStackEmulator(blank_nvram()) as stick:
        app, _ = await start(stick)
        await app.shutdown()
        saved = json.dumps(stick.nvram.as_dict())
        await stick.restart()
        assert stick.nvram.is_formed and stick.endpoints == {}  # RAM state lost, flash kept
    again = ZStackNvram.from_dict(json.loads(saved))
    async with ZStackEmulator(again) as stick:
        app, _ = await start(stick)
        try:
            assert stick.nv_writes() == []  # resumed as is
            assert app.state.network_info.network_key.key == again.network_key
        finally:
            await app.shutdown()


async def test_z_stack_answers_what_it_does_not_know_and_serves_one_client(stick):
    app, _ = await start(stick)
    try:
        with pytest.raises(CommandNotRecognized):
            await app._znp.request(c.ZDO.StartupFromApp.Req(StartDelay=100))
        # A second program opening the "serial port" is turned away
        _, writer = await asyncio.open_connection("127.0.0.1", stick.port)
        await until(lambda: stick.refused == 1, what="the second client refused")
        writer.close()
        assert stick.connections == 1 and stick.connected
        await app._znp.request(c.SYS.Ping.Req())  # the first one is unaffected
    finally:
        await app.shutdown()


async def test_groups_failures_and_leaves_through_the_stick(stick):
    app, joins = await start(stick)
    try:
        light = stick.join(dimmable_light(LIGHT, 0x3001))
        await until(lambda: LIGHT in joins.initialized, what="the interview")
        device = joins.initialized[LIGHT]

        # A groupcast reaches the group's members and gets its AF.DataConfirm
        await device.endpoints[1].add_to_group(0x0123, "Desk")
        group = app.groups[0x0123]
        await group.endpoint.on_off.on()
        assert light.received[-1].group == 0x0123
        groupcast = stick.data_requests()[-1]
        assert groupcast.DstAddrModeAddress.mode == t.AddrMode.Group
        await until(
            lambda: any(
                isinstance(s, c.AF.DataConfirm.Callback) and s.TSN == groupcast.TSN
                for s in stick.sent
            ),
            what="the groupcast's DataConfirm",
        )

        # A device that does not answer the MAC: the DataConfirm says so, zigpy raises
        light.online = False
        with pytest.raises(zigpy.exceptions.DeliveryError):
            await device.endpoints[1].on_off.off()
        light.online = True

        # Removing it: Mgmt_Leave_req over the air, ZDO.LeaveInd back, NV forgets it
        await app.remove(device.ieee)
        await until(lambda: LIGHT in joins.left, what="the leave indication")
        assert light not in stick.network
        assert stick.nvram.address_manager() == []
    finally:
        await app.shutdown()
