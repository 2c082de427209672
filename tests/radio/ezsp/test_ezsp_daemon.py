"""zigbridge with ``--radio ezsp`` end to end: the real bellows drives an emulated EmberZNet
NCP over ``socket://127.0.0.1:PORT``; simulated devices behind it join, are interviewed,
report, and obey REST commands exactly as on the virtual radio.

Assertions are on what crossed the wire (the NCP's command record) and on what the
simulated devices received, never on timing.
"""

from __future__ import annotations

from pathlib import Path

import websockets
import zigpy.zdo.types as zdo_t
from zigpy.zcl.clusters.general import Groups, LevelControl, OnOff
from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from radio.sim import catalogue
from tests.emulators.ezsp import FakeEzspNcp
from tests.gateway.conftest import Running, WsClient
from tests.radio.ezsp.conftest import (
    CHANNEL,
    EXTENDED_PAN_ID,
    NCP_IEEE,
    NETWORK_KEY,
    PAN_ID,
    formed_nvram,
    rest_until,
    start_daemon,
    stop_daemon,
    until,
)
from tests.radio.manufacturer_devices import GADGET, check_served_and_listed
from tests.radio.manufacturer_devices import LIGHT as MFR_LIGHT

LIGHT = "00:5a:49:47:00:00:e0:01"
SENSOR = "00:5a:49:47:00:00:e0:02"
REMOTE = "00:5a:49:47:00:00:e0:03"
# Channels the emulated NCP's energy scan reports as busy (Wi-Fi overlap)
BUSY_CHANNELS = {12, 13, 17, 18, 22, 23}


async def open_network(gw: Running, ncp: FakeEzspNcp) -> None:
    r = await gw.put("/config", {"permitjoin": 60})
    assert r.status_code == 200, r.text
    await until(lambda: ncp.permitting_joins, what="permitJoining on the NCP")


async def join_home(gw: Running, ncp: FakeEzspNcp):
    """A light, a climate sensor and a remote join; returns them once REST shows all."""
    await open_network(gw, ncp)
    light = ncp.network.join(catalogue.dimmable_light(LIGHT, 0x1E01))
    sensor = ncp.network.join(catalogue.climate_sensor(SENSOR, 0x1E02))
    remote = ncp.network.join(catalogue.remote_4button(REMOTE, 0x1E03))
    await rest_until(gw, "/lights", lambda lights: len(lights) == 1)
    await rest_until(
        gw,
        "/sensors",
        lambda sensors: {s["modelid"] for s in sensors.values()} >= {"SIM-TH1", "SIM-RC4"},
    )
    return light, sensor, remote


async def find(gw: Running, kind: str, uniqueid_prefix: str, type_: str | None = None):
    items = await gw.get(f"/{kind}")
    return next(
        (rid, item)
        for rid, item in items.items()
        if item["uniqueid"].startswith(uniqueid_prefix) and (type_ is None or item["type"] == type_)
    )


async def test_starts_on_a_formed_stick_without_writing_to_it(gw: Running, ncp: FakeEzspNcp):
    config = await gw.get("/config")
    assert config["zigbeechannel"] == CHANNEL
    assert config["panid"] == PAN_ID
    assert config["rfconnected"] is True
    assert config["bridgeid"].endswith(NCP_IEEE.replace(":", "")[-6:].upper())

    app = gw.daemon.radio.app
    info = app.state.network_info
    assert str(info.extended_pan_id) == EXTENDED_PAN_ID
    assert info.network_key.key.serialize() == NETWORK_KEY
    assert str(app.state.node_info.ieee) == NCP_IEEE
    # bellows negotiated EZSP v13: legacy version(4) first, then version(13) extended
    assert ncp.command_names()[:2] == ["version", "version"]
    assert ncp.commands[1].args == {"desiredProtocolVersion": 13}
    assert "networkInit" in ncp.command_names()
    assert ncp.writes() == []


async def test_bellows_default_serial_thread_works_too(tmp_path: Path, ncp: FakeEzspNcp):
    """Users run bellows with its serial link in a second thread (``use_thread: True``)."""
    gw = await start_daemon(tmp_path, ncp, zigpy_config={"use_thread": True})
    try:
        await open_network(gw, ncp)
        light = ncp.network.join(catalogue.dimmable_light(LIGHT, 0x1E01))
        lights = await rest_until(gw, "/lights", lambda lights: lights)
        (lid,) = lights
        r = await gw.put(f"/lights/{lid}/state", {"on": True})
        assert r.status_code == 200, r.text
        await until(lambda: light.get(None, OnOff, "on_off"), what="light on")
    finally:
        await stop_daemon(gw)


async def test_forms_a_network_on_a_blank_stick(tmp_path: Path):
    # The user's default: no --channel, so zigpy scans for a quiet one through the NCP.
    ncp = await FakeEzspNcp.blank("00:0b:57:ff:fe:5a:00:02").start()
    try:
        gw = await start_daemon(tmp_path, ncp)
        try:
            config = await gw.get("/config")
        finally:
            await stop_daemon(gw)
    finally:
        await ncp.close()

    nv = ncp.nvram
    assert nv.formed_network
    assert "startScan" in ncp.command_names() and "formNetwork" in ncp.command_names()
    assert nv.channel not in BUSY_CHANNELS
    assert (config["zigbeechannel"], config["panid"]) == (nv.channel, nv.pan_id)
    assert nv.trust_center_eui64 == nv.eui64 == nv.hardware_eui64
    assert nv.hashed_tclk  # bellows forms with a hashed trust-center link key
    assert not ncp.unhandled and not ncp.errors


async def test_devices_join_and_appear_as_resources(gw: Running, ncp: FakeEzspNcp):
    # The daemon closes the network on start-up: a device cannot join before it opens it.
    early = ncp.network.join(catalogue.dimmable_light("00:5a:49:47:00:00:e0:99", 0x1E99))
    await until(lambda: early.ieee in ncp.refused_joins, what="refused join")
    ncp.network.remove(early.ieee)

    light, sensor, remote = await join_home(gw, ncp)
    assert ncp.commands_named("permitJoining")[-1].args["duration"] == 60

    _, dimmer = await find(gw, "lights", LIGHT)
    assert (dimmer["modelid"], dimmer["type"]) == ("SIM-DL1", "Dimmable light")
    assert dimmer["state"]["reachable"] is True
    _, temperature = await find(gw, "sensors", SENSOR, "ZHATemperature")
    assert temperature["modelid"] == "SIM-TH1"
    _, switch = await find(gw, "sensors", REMOTE, "ZHASwitch")
    assert switch["modelid"] == "SIM-RC4"

    # Each device was interviewed through bellows' sendUnicast
    for device in (light, sensor, remote):
        assert zdo_t.ZDOCmd.Node_Desc_req in device.zdo_requests
        assert zdo_t.ZDOCmd.Simple_Desc_req in device.zdo_requests
        assert ncp.sent_to(device.nwk)
    # The sensor is an end device: the NCP keeps it in its child table
    assert sensor.ieee in {c.eui64 for c in ncp.nvram.child_table.values()}
    assert light.ieee not in {c.eui64 for c in ncp.nvram.child_table.values()}


async def test_reports_arrive_as_websocket_events(gw: Running, ncp: FakeEzspNcp, ws: WsClient):
    _, sensor, remote = await join_home(gw, ncp)
    tid, _ = await find(gw, "sensors", SENSOR, "ZHATemperature")
    sid, _ = await find(gw, "sensors", REMOTE, "ZHASwitch")

    ncp.network.emit(sensor.report(None, TemperatureMeasurement, {"measured_value": 2231}))
    event = await ws.wait(
        lambda e: (
            e.get("r") == "sensors"
            and e.get("id") == tid
            and e.get("state", {}).get("temperature") == 2231
        )
    )
    assert event["e"] == "changed"

    ncp.network.emit(remote.press(2))  # "off" button, bound to the coordinator
    await ws.wait(
        lambda e: (
            e.get("r") == "sensors"
            and e.get("id") == sid
            and e.get("state", {}).get("buttonevent") == 2002
        )
    )
    detail = await gw.get(f"/sensors/{tid}")
    assert detail["state"]["temperature"] == 2231


async def test_rest_commands_reach_the_device(gw: Running, ncp: FakeEzspNcp):
    light, _, _ = await join_home(gw, ncp)
    lid, _ = await find(gw, "lights", LIGHT)

    r = await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 80, "transitiontime": 0})
    assert r.status_code == 200, r.text
    await until(lambda: light.get(None, LevelControl, "current_level") == 80, what="level 80")
    await until(lambda: light.get(None, OnOff, "on_off"), what="light on")
    names = {(c.cluster, c.command_name) for c in light.received}
    assert any(cluster == LevelControl.cluster_id for cluster, _ in names), names
    unicasts = {int(c.args["apsFrame"].clusterId) for c in ncp.sent_to(light.nwk)}
    assert {OnOff.cluster_id, LevelControl.cluster_id} & unicasts

    # A group: membership goes to the light by unicast, the action by multicast
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Study"})
    gid = r.json()[0]["success"]["id"]
    r = await gw.put(f"/groups/{gid}", {"lights": [lid]})
    assert r.status_code == 200, r.text
    await until(lambda: int(gid) in light.endpoints[1].groups, what="group membership")
    assert any(c.cluster == Groups.cluster_id for c in light.received)

    r = await gw.put(f"/groups/{gid}/action", {"on": False})
    assert r.status_code == 200, r.text
    await until(lambda: not light.get(None, OnOff, "on_off"), what="light off by group")
    assert any(c.group == int(gid) for c in light.received)
    multicasts = ncp.commands_named("sendMulticast")
    assert any(int(c.args["apsFrame"].groupId) == int(gid) for c in multicasts)


async def test_restart_resumes_the_network_without_reinterview(tmp_path: Path, ncp: FakeEzspNcp):
    gw = await start_daemon(tmp_path, ncp)
    try:
        light, sensor, _ = await join_home(gw, ncp)
        lid, _ = await find(gw, "lights", LIGHT)
        r = await gw.put(f"/lights/{lid}", {"name": "Desk"})
        assert r.status_code == 200, r.text
        before = await gw.get("")
    finally:
        await stop_daemon(gw)

    await ncp.restart()  # the stick is power-cycled too: only its NVRAM survives
    interviews = {d.ieee: list(d.zdo_requests) for d in ncp.network}
    gw = await start_daemon(tmp_path, ncp)
    try:
        session = ncp.sessions
        after = await rest_until(gw, "", lambda body: body if body["lights"] else None)
        assert set(after["lights"]) == set(before["lights"])
        assert set(after["sensors"]) == set(before["sensors"])
        assert after["lights"][lid]["name"] == "Desk"
        for kind in ("lights", "sensors"):
            for rid, res in before[kind].items():
                assert after[kind][rid]["uniqueid"] == res["uniqueid"]

        # Same network from the stick, nothing written, nobody re-interviewed
        assert ncp.writes(session=session) == []
        assert after["config"]["panid"] == PAN_ID
        for device in ncp.network:
            new = device.zdo_requests[len(interviews[device.ieee]) :]
            assert zdo_t.ZDOCmd.Node_Desc_req not in new, (device, new)
            assert zdo_t.ZDOCmd.Active_EP_req not in new, (device, new)

        # ... and the devices still work both ways
        r = await gw.put(f"/lights/{lid}/state", {"on": False})
        assert r.status_code == 200, r.text
        await until(lambda: not light.get(None, OnOff, "on_off"), what="light off")
        tid, _ = await find(gw, "sensors", SENSOR, "ZHATemperature")
        ncp.network.emit(sensor.report(None, TemperatureMeasurement, {"measured_value": 1999}))
        await rest_until(gw, f"/sensors/{tid}", lambda s: s["state"]["temperature"] == 1999)
    finally:
        await stop_daemon(gw)


async def test_unplugged_stick_comes_back(tmp_path: Path, ncp: FakeEzspNcp):
    gw = await start_daemon(tmp_path, ncp, reconnect_min=0.05, reconnect_max=0.2)
    try:
        light, _, _ = await join_home(gw, ncp)
        lid, _ = await find(gw, "lights", LIGHT)
        await ncp.kill()
        await rest_until(gw, "/config", lambda c: c["rfconnected"] is False)
        sent = len(ncp.commands)
        r = await gw.put(f"/lights/{lid}/state", {"on": False})
        # refused (the light is unreachable, the network down), and nothing was sent
        assert r.json()[0]["error"]["type"] == 950, r.text
        assert len(ncp.commands) == sent

        await ncp.start()
        await rest_until(gw, "/config", lambda c: c["rfconnected"] is True)
        assert ncp.writes(session=ncp.sessions) == []
        await rest_until(gw, f"/lights/{lid}", lambda light: light["state"]["reachable"])
        r = await gw.put(f"/lights/{lid}/state", {"on": False})
        assert r.status_code == 200, r.text
        await until(lambda: not light.get(None, OnOff, "on_off"), what="light off")
    finally:
        await stop_daemon(gw)


async def test_firmware_crash_is_recovered(tmp_path: Path, ncp: FakeEzspNcp):
    gw = await start_daemon(tmp_path, ncp, reconnect_min=0.05, reconnect_max=0.2)
    try:
        light, _, _ = await join_home(gw, ncp)
        lid, _ = await find(gw, "lights", LIGHT)
        sessions = ncp.sessions
        ncp.crash()  # watchdog reset: unsolicited RSTACK, the network is down on the stick
        await until(lambda: ncp.sessions > sessions and ncp.network_up, what="reconnected")
        await rest_until(gw, "/config", lambda c: c["rfconnected"] is True)
        await rest_until(gw, f"/lights/{lid}", lambda light: light["state"]["reachable"])
        r = await gw.put(f"/lights/{lid}/state", {"on": False})
        assert r.status_code == 200, r.text
        await until(lambda: not light.get(None, OnOff, "on_off"), what="light off")
        assert ncp.writes() == []
    finally:
        await stop_daemon(gw)


async def _press_grouped_remote(
    gw: Running, ncp: FakeEzspNcp, ws: WsClient, group: int = 0x4001
) -> bool:
    """A remote that talks to `group` presses "on"; whether the gateway heard it."""
    await open_network(gw, ncp)
    remote = ncp.network.join(catalogue.remote_4button(REMOTE, 0x1E03, group=group))
    await rest_until(gw, "/sensors", lambda sensors: len(sensors) == 1)
    sid, _ = await find(gw, "sensors", REMOTE, "ZHASwitch")

    def heard() -> bool:
        return any(
            e.get("id") == sid and e.get("state", {}).get("buttonevent") == 1002 for e in ws.events
        )

    ncp.network.emit(remote.press(1))
    await until(lambda: heard() or ncp.dropped_groupcasts, what="groupcast handled")
    return heard()


async def test_groupcast_from_a_remote_reaches_the_gateway_through_the_firmware(tmp_path: Path):
    """Firmware that passes every group up (XNCP ``MEMBER_OF_ALL_GROUPS`` style): the
    remote's groupcast arrives as INCOMING_MULTICAST and becomes a button event."""
    ncp = await FakeEzspNcp(formed_nvram(), member_of_all_groups=True).start()
    try:
        gw = await start_daemon(tmp_path, ncp)
        ws = WsClient(await websockets.connect(gw.ws_url))
        try:
            assert await _press_grouped_remote(gw, ncp, ws)
            _, switch = await find(gw, "sensors", REMOTE, "ZHASwitch")
            assert switch["config"]["group"] == str(0x4001)
        finally:
            await ws.close()
            await stop_daemon(gw)
    finally:
        await ncp.close()


async def test_groupcast_to_a_group_the_gateway_knows_reaches_it(
    gw: Running, ncp: FakeEzspNcp, ws: WsClient
):
    """Stock EmberZNet passes up only groups in its multicast table: the gateway subscribes
    the coordinator to every group it knows (at start-up and when one is created)."""
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Hall"})
    gid = int(r.json()[0]["success"]["id"])
    assert gid in ncp.multicast_groups()
    assert await _press_grouped_remote(gw, ncp, ws, group=gid)
    await gw.http.delete(f"/api/{gw.key}/groups/{gid}")
    assert gid not in ncp.multicast_groups()


async def test_a_manufacturer_id_bulb_is_a_light_and_a_gadget_is_unsupported(
    gw: Running, ncp: FakeEzspNcp
):
    await open_network(gw, ncp)
    bulb = ncp.network.join(catalogue.manufacturer_id_light(MFR_LIGHT, 0x1EA1))
    ncp.network.join(catalogue.manufacturer_only_device(GADGET, 0x1EA2))
    await check_served_and_listed(gw, bulb)
