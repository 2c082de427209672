"""A network written by bellows lands in the emulated NCP's NVRAM and comes back from it.

This is the path a migration takes (a backup from another stick, e.g. a Z-Stack one,
restored onto a Silicon Labs stick): zigpy's ``restore_backup`` → bellows'
``write_network_info`` → ``tokenFactoryReset``, EUI64 rewrite through the NV3
"restored EUI64" token, frame counters, ``setInitialSecurityState``, link keys,
``formNetwork``, the network-management token, the child table, resets in between.
"""

from __future__ import annotations

from pathlib import Path

import zigpy.state
import zigpy.types as t
import zigpy.zdo.types as zdo_t
from zigpy.backups import NetworkBackup

from radio.controller import zigpy_config
from radio.selection import controller_class
from radio.sim import catalogue
from tests.emulators.ezsp import FakeEzspNcp
from tests.radio.ezsp.conftest import (
    formed_nvram,
    radio_settings,
    rest_until,
    start_daemon,
    stop_daemon,
    until,
)

OLD_COORDINATOR = t.EUI64.convert("00:12:4b:00:2a:5b:7c:01")  # a TI stick's address
NEW_STICK = "00:0b:57:ff:fe:5a:00:03"
END_DEVICE = t.EUI64.convert("00:5a:49:47:00:00:f0:01")
ROUTER = t.EUI64.convert("00:5a:49:47:00:00:f0:02")
NETWORK_KEY = t.KeyData.convert("8f:22:4e:7b:10:aa:31:c6:02:9d:5e:44:e1:7a:0b:33")
DEVICE_LINK_KEY = t.KeyData.convert("11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00")


def znp_backup() -> NetworkBackup:
    """What zigpy-znp would have backed up from a Z-Stack coordinator."""
    return NetworkBackup(
        backup_time=None,
        network_info=zigpy.state.NetworkInfo(
            extended_pan_id=t.ExtendedPanId.convert("a1:b2:c3:d4:e5:f6:07:18"),
            pan_id=t.PanId(0x4A7C),
            nwk_update_id=t.uint8_t(3),
            nwk_manager_id=t.NWK(0x0000),
            channel=t.uint8_t(20),
            channel_mask=t.Channels.from_channel_list([20]),
            security_level=t.uint8_t(5),
            network_key=zigpy.state.Key(key=NETWORK_KEY, tx_counter=123456, seq=1),
            tc_link_key=zigpy.state.Key(
                key=t.KeyData(b"ZigBeeAlliance09"), tx_counter=777, partner_ieee=OLD_COORDINATOR
            ),
            key_table=[
                zigpy.state.Key(
                    key=DEVICE_LINK_KEY, tx_counter=12, rx_counter=34, partner_ieee=ROUTER
                )
            ],
            children=[END_DEVICE],
            nwk_addresses={END_DEVICE: t.NWK(0x5A01), ROUTER: t.NWK(0x5A02)},
            stack_specific={"zstack": {"tclk_seed": "c0ffee00c0ffee00c0ffee00c0ffee00"}},
            metadata={},
            source="zigpy-znp@1.1.1",
        ),
        node_info=zigpy.state.NodeInfo(
            nwk=t.NWK(0x0000),
            ieee=OLD_COORDINATOR,
            logical_type=zdo_t.LogicalType.Coordinator,
            model="CC2652",
            manufacturer="Texas Instruments",
            version="Z-Stack 20240710",
        ),
    )


def app_config(tmp_path: Path, ncp: FakeEzspNcp) -> dict:
    """The zigpy config the daemon itself would build for this stick."""
    return zigpy_config(radio_settings(tmp_path, ncp.url, zigpy_config={"backup_enabled": False}))


async def test_restored_backup_is_exactly_what_the_stick_holds(tmp_path: Path):
    backup = znp_backup()
    ncp = await FakeEzspNcp.blank(NEW_STICK).start()
    cls = controller_class("ezsp")
    try:
        app = cls(app_config(tmp_path, ncp))
        await app.connect()
        try:
            await app.backups.restore_backup(backup, create_new=False)
        finally:
            await app.disconnect()

        nv = ncp.nvram
        info = backup.network_info
        assert nv.formed_network
        assert (nv.pan_id, nv.extended_pan_id, nv.channel) == (0x4A7C, info.extended_pan_id, 20)
        assert nv.network_key == NETWORK_KEY and nv.network_key_seq == 1
        assert nv.nwk_frame_counter == 123456 + 10000  # zigpy skips ahead on restore
        assert nv.aps_frame_counter == 777
        assert nv.nwk_update_id == 3  # written through the network-management token
        # The stick now answers with the old coordinator's IEEE (NV3 restored EUI64)
        assert nv.restored_eui64 == OLD_COORDINATOR
        assert nv.hardware_eui64 == t.EUI64.convert(NEW_STICK)
        assert ncp.eui64 == OLD_COORDINATOR and nv.trust_center_eui64 == OLD_COORDINATOR
        assert nv.hashed_tclk
        assert {c.eui64: c.nwk for c in nv.child_table.values()} == {END_DEVICE: 0x5A01}
        assert [(k.eui64, k.key) for k in nv.key_table.values()] == [(ROUTER, DEVICE_LINK_KEY)]
        writes = {c.name for c in ncp.writes()}
        assert {"tokenFactoryReset", "setTokenData", "setInitialSecurityState"} <= writes
        assert {"formNetwork", "importLinkKey", "setChildData"} <= writes
        assert not ncp.unhandled and not ncp.errors

        # Power-cycle the stick: bellows reads the very same network back
        await ncp.restart()
        app = await cls.new(app_config(tmp_path, ncp), auto_form=False)
        try:
            loaded = await app.backups.create_backup(load_devices=True)
        finally:
            await app.shutdown()
        assert loaded.is_compatible_with(backup)
        assert loaded.network_info.network_key.tx_counter >= 133456
        assert loaded.network_info.children == [END_DEVICE]
        assert loaded.network_info.nwk_addresses[END_DEVICE] == 0x5A01
        assert [(k.partner_ieee, k.key) for k in loaded.network_info.key_table] == [
            (ROUTER, DEVICE_LINK_KEY)
        ]
        assert ncp.sessions == 2 and ncp.writes(session=2) == []
    finally:
        await ncp.close()


async def test_replaced_stick_gets_the_network_from_the_backup(tmp_path: Path):
    """A dead stick swapped for a factory-new one: zigpy restores its newest backup onto
    the new stick (same IEEE, keys and PAN), and the paired devices just keep working."""
    old = await FakeEzspNcp(formed_nvram()).start()
    try:
        gw = await start_daemon(tmp_path, old)
        try:
            await gw.put("/config", {"permitjoin": 60})
            await until(lambda: old.permitting_joins, what="permit join")
            light = old.network.join(catalogue.dimmable_light("00:5a:49:47:00:00:f0:10", 0x1F10))
            await rest_until(gw, "/lights", lambda lights: len(lights) == 1)
            # zigpy backs the network up into its database shortly after start-up
            await until(lambda: gw.daemon.radio.app.backups.backups, what="network backup")
        finally:
            await stop_daemon(gw)
    finally:
        await old.close()
    old.network.remove(light.ieee)

    new = await FakeEzspNcp.blank(NEW_STICK).start()
    try:
        new.network.attach(light)  # the light is still paired to the same network
        gw = await start_daemon(tmp_path, new)
        try:
            before = old.nvram
            after = new.nvram
            assert after.formed_network
            assert (after.pan_id, after.extended_pan_id, after.channel) == (
                before.pan_id,
                before.extended_pan_id,
                before.channel,
            )
            assert after.network_key == before.network_key
            assert after.nwk_frame_counter > before.nwk_frame_counter
            assert new.eui64 == old.eui64 != after.hardware_eui64  # IEEE carried over

            lights = await gw.get("/lights")
            (lid,) = lights
            r = await gw.put(f"/lights/{lid}/state", {"on": False})
            assert r.status_code == 200, r.text
            await until(lambda: not light.get(None, "on_off", "on_off"), what="light off")
            assert zdo_t.ZDOCmd.Node_Desc_req in light.zdo_requests  # from the first join
            assert light.zdo_requests.count(zdo_t.ZDOCmd.Node_Desc_req) == 1
        finally:
            await stop_daemon(gw)
    finally:
        await new.close()
    assert not new.unhandled and not new.errors
