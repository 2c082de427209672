"""The daemon on `--radio znp`: the real zigpy-znp drives an emulated Z-Stack 3.30 stick over
`socket://`, with simulated devices behind it. Start-up on a formed and on a blank stick,
joins, reports, commands, and a daemon restart.

Waits poll conditions; no assertion depends on timing.
"""

from __future__ import annotations

from pathlib import Path

import zigpy.zdo.types as zdo_t
import zigpy_znp.commands as c
from zigpy.zcl.clusters.general import LevelControl, OnOff
from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from radio.sim.catalogue import (
    climate_sensor,
    dimmable_light,
    manufacturer_id_light,
    manufacturer_only_device,
    remote_4button,
)
from tests.emulators.znp import ZStackEmulator
from tests.emulators.znp_nvram import DEFAULT_IEEE, DEFAULT_NETWORK
from tests.gateway.conftest import Running, WsClient
from tests.radio.manufacturer_devices import GADGET, check_served_and_listed
from tests.radio.manufacturer_devices import LIGHT as MFR_LIGHT
from tests.radio.znp.conftest import join, resource, start_daemon, stop_daemon, until

LIGHT = "00:5a:49:47:00:00:00:01"
SENSOR = "00:5a:49:47:00:00:00:02"
REMOTE = "00:5a:49:47:00:00:00:03"
INTERVIEW = {zdo_t.ZDOCmd.Node_Desc_req, zdo_t.ZDOCmd.Active_EP_req, zdo_t.ZDOCmd.Simple_Desc_req}


async def test_starts_on_a_formed_stick_and_writes_nothing_to_it(tmp_path: Path, stick):
    # The stock zigpy-znp options, bootloader-skip dance included: what a user runs.
    gw = await start_daemon(tmp_path, stick, zigpy_config={})
    try:
        config = await gw.get("/config")
        assert config["zigbeechannel"] == DEFAULT_NETWORK["channel"]
        assert config["panid"] == DEFAULT_NETWORK["pan_id"]
        assert config["rfconnected"] is True
        assert config["bridgeid"] == "00212EFFFF" + DEFAULT_IEEE.replace(":", "")[-6:].upper()
        up = gw.daemon.radio.network_up
        assert up.extended_pan_id == DEFAULT_NETWORK["extended_pan_id"]
        assert up.firmware == "Z-Stack 20240710"
        # A formed stick set up by zigpy-znp before is resumed, never rewritten or re-formed
        assert stick.nv_writes() == []
        assert stick.requests_of(c.AppConfig.BDBSetChannel) == []
        assert stick.started and sorted(stick.endpoints) == [1, 2, 242]
    finally:
        await stop_daemon(gw)


async def test_forms_a_network_on_a_blank_stick_then_resumes_it(tmp_path: Path, blank_stick):
    stick = blank_stick
    assert not stick.nvram.is_formed
    gw = await start_daemon(tmp_path, stick)
    try:
        nib = stick.nvram.nib
        assert stick.nvram.is_formed and nib is not None
        config = await gw.get("/config")
        assert config["rfconnected"] is True
        assert config["zigbeechannel"] == nib.nwkLogicalChannel
        assert config["panid"] == nib.nwkPanId
        key = stick.nvram.network_key
        assert key is not None and bytes(key) != bytes(16)
        assert stick.nv_writes(), "formation writes the network into the stick"
    finally:
        await stop_daemon(gw)

    # The second start finds the network zigbridge formed and leaves it alone
    mark = len(stick.requests)
    gw = await start_daemon(tmp_path, stick)
    try:
        config = await gw.get("/config")
        assert (config["zigbeechannel"], config["panid"]) == (nib.nwkLogicalChannel, nib.nwkPanId)
        assert stick.nvram.network_key == key
        second = stick.requests[mark:]
        assert not [r for r in second if isinstance(r, c.AppConfig.BDBSetChannel.Req)]
        assert not [r for r in second if r in stick.nv_writes()]
    finally:
        await stop_daemon(gw)


async def test_devices_join_report_and_obey(gw: Running, ws: WsClient, stick: ZStackEmulator):
    light = dimmable_light(LIGHT, 0x1001)
    sensor = climate_sensor(SENSOR, 0x1002)
    remote = remote_4button(REMOTE, 0x1003)
    await join(gw, stick, light, sensor, remote)
    permits = stick.requests_of(c.ZDO.MgmtPermitJoinReq)
    assert any(r.Duration > 0 for r in permits)

    lid, res = await resource(gw, "lights", LIGHT)
    assert res["type"] == "Dimmable light" and res["modelid"] == "SIM-DL1"
    assert res["state"]["reachable"] is True
    sid, temp = await resource(gw, "sensors", SENSOR)
    rid, switch = await resource(gw, "sensors", REMOTE)
    assert temp["type"] == "ZHATemperature" and switch["type"] == "ZHASwitch"
    await ws.wait(lambda e: e.get("e") == "added" and e.get("id") == lid and e["r"] == "lights")
    # The devices were interviewed through the stick: TC join indication, then ZDO over AF
    assert {str(r.SrcIEEE) for r in stick.sent if isinstance(r, c.ZDO.TCDevInd.Callback)} == {
        LIGHT,
        SENSOR,
        REMOTE,
    }
    assert set(light.zdo_requests) >= INTERVIEW
    assert {str(e.extAddr) for e in stick.nvram.address_manager()} == {LIGHT, SENSOR, REMOTE}

    # A sensor report arrives as a websocket event (AF.IncomingMsg → zigpy → store)
    stick.network.emit(sensor.report(None, TemperatureMeasurement, {"measured_value": 2234}))
    frame = await ws.wait(lambda e: e.get("id") == sid and e.get("state", {}).get("temperature"))
    assert (frame["e"], frame["r"], frame["state"]["temperature"]) == ("changed", "sensors", 2234)

    # A button press: a client command from the remote
    stick.network.emit(remote.press(1))
    frame = await ws.wait(lambda e: e.get("id") == rid and "buttonevent" in e.get("state", {}))
    assert frame["state"]["buttonevent"] == 1002

    # A REST command reaches the device through AF.DataRequestExt
    mark = len(light.received)
    r = await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 100})
    assert r.status_code == 200, r.text
    await until(lambda: len(light.received) > mark, what="the light receiving the command")
    got = light.received[mark:]
    assert {cmd.cluster for cmd in got} <= {OnOff.cluster_id, LevelControl.cluster_id}
    assert light.get(None, LevelControl, "current_level") == 100
    assert light.get(None, OnOff, "on_off")
    to_light = {r.ClusterId for r in stick.data_requests(nwk=0x1001)}
    assert LevelControl.cluster_id in to_light
    # …and the light's own reports confirm the state
    await until(
        lambda: any(e.get("id") == lid and e.get("state", {}).get("bri") == 100 for e in ws.events),
        what="bri 100 on the websocket",
    )


async def test_a_daemon_restart_resumes_the_network_without_reinterview(
    tmp_path: Path, stick: ZStackEmulator
):
    light = dimmable_light(LIGHT, 0x1001)
    sensor = climate_sensor(SENSOR, 0x1002)
    gw = await start_daemon(tmp_path, stick)
    try:
        await join(gw, stick, light, sensor)
        lid, _ = await resource(gw, "lights", LIGHT)
        sid, _ = await resource(gw, "sensors", SENSOR)
        assert (await gw.put(f"/lights/{lid}", {"name": "Desk"})).status_code == 200
    finally:
        await stop_daemon(gw)
    interviews = sum(1 for d in (light, sensor) for r in d.zdo_requests if r in INTERVIEW)
    mark = len(stick.requests)

    gw = await start_daemon(tmp_path, stick)
    try:
        assert stick.connections == 2
        lid2, res = await resource(gw, "lights", LIGHT)
        sid2, _ = await resource(gw, "sensors", SENSOR)
        assert (lid2, sid2) == (lid, sid) and res["name"] == "Desk"
        assert res["state"]["reachable"] is True
        # No device was asked for its descriptors again, and nothing was written
        again = sum(1 for d in (light, sensor) for r in d.zdo_requests if r in INTERVIEW)
        assert again == interviews
        assert not [r for r in stick.requests[mark:] if r in stick.nv_writes()]
        # …and the network works
        mark_rx = len(light.received)
        assert (await gw.put(f"/lights/{lid}/state", {"on": False})).status_code == 200
        await until(lambda: len(light.received) > mark_rx, what="the light receiving 'off'")
        assert light.received[-1].command_name == "off"
    finally:
        await stop_daemon(gw)


async def test_a_manufacturer_id_bulb_is_a_light_and_a_gadget_is_unsupported(
    gw: Running, stick: ZStackEmulator
):
    bulb = manufacturer_id_light(MFR_LIGHT, 0x1A01)
    await join(gw, stick, bulb, manufacturer_only_device(GADGET, 0x1A02))
    await check_served_and_listed(gw, bulb)
