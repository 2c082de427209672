"""Moving a network from a Texas Instruments stick to a Silicon Labs one without pairing
any device again, the way a person does it:

    zigbridge backup net.json                                  # daemon on the Z-Stack stick
    systemctl stop zigbridge; swap the stick
    zigbridge --radio ezsp --device ... restore net.json       # onto the blank EmberZNet NCP
    zigbridge --radio ezsp --device ...                         # the same devices, working

The real zigpy-znp drives the emulated Z-Stack coordinator and the real bellows the
emulated EmberZNet NCP; both emulators sit on one `SimNetwork`, the devices "in the
room". The EmberZNet emulator is built only after the Z-Stack one has stopped (a
`SimNetwork` has one uplink: the coordinator on the air). The CLI runs as a subprocess, as
a person would run it, while this event loop keeps the emulators going.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import websockets
import zigpy.zdo.types as zdo_t
from zigpy.zcl.clusters.general import LevelControl, OnOff
from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from radio.backup import read_backup
from radio.sim.catalogue import climate_sensor, color_temperature_light, dimmable_light
from radio.sim.network import SimNetwork
from tests.emulators.ezsp import FakeEzspNcp
from tests.emulators.znp import ZStackEmulator, formed_nvram
from tests.emulators.znp_nvram import DEFAULT_IEEE, DEFAULT_NETWORK
from tests.gateway.cli.test_main import clean_env, free_port
from tests.gateway.conftest import WsClient
from tests.radio.ezsp import conftest as ezsp
from tests.radio.znp import conftest as znp

LIGHT = "00:5a:49:47:00:00:00:51"
CT_LIGHT = "00:5a:49:47:00:00:00:52"
SENSOR = "00:5a:49:47:00:00:00:53"
NEW_STICK = "00:0b:57:ff:fe:5a:00:77"  # the EmberZNet stick's own address
INTERVIEW = {zdo_t.ZDOCmd.Node_Desc_req, zdo_t.ZDOCmd.Active_EP_req, zdo_t.ZDOCmd.Simple_Desc_req}


async def zigbridge(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli.main", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, (args, err.decode())
    assert b"Traceback" not in err
    return out.decode()


def interviews(*devices) -> int:
    return sum(1 for d in devices for r in d.zdo_requests if r in INTERVIEW)


async def test_a_network_moves_from_a_z_stack_stick_to_an_emberznet_stick(tmp_path: Path):
    data = tmp_path / "data"
    backup_file = tmp_path / "network.json"
    network = SimNetwork()
    light = dimmable_light(LIGHT, 0x1051)
    ct_light = color_temperature_light(CT_LIGHT, 0x1052)
    sensor = climate_sensor(SENSOR, 0x1053)

    # 1. The gateway on the Z-Stack stick; three devices pair; a backup is taken
    old = await ZStackEmulator(formed_nvram(), network).start()
    try:
        gw = await znp.start_daemon(data, old)
        try:
            await znp.join(gw, old, light, ct_light, sensor)
            lid, _ = await znp.resource(gw, "lights", LIGHT)
            cid, _ = await znp.resource(gw, "lights", CT_LIGHT)
            sid, _ = await znp.resource(gw, "sensors", SENSOR)
            assert (await gw.put(f"/lights/{lid}", {"name": "Desk"})).status_code == 200
            out = await zigbridge(
                "--data-dir", str(data), "--host", "127.0.0.1",
                "--http-port", str(gw.daemon.rest.port), "backup", str(backup_file),
            )  # fmt: skip
            assert f"to {backup_file}" in out
        finally:
            await znp.stop_daemon(gw)
    finally:
        await old.close()
    assert not old.errors
    paired = interviews(light, ct_light, sensor)
    assert paired > 0

    # 2. The new stick, factory-new: restore the backup onto it
    new = await FakeEzspNcp.blank(NEW_STICK, network=network).start()
    try:
        out = await zigbridge(
            "--data-dir", str(data), "--http-port", str(free_port()),
            "--radio", "ezsp", "--device", new.url, "restore", str(backup_file),
        )  # fmt: skip
        # the backup names the radio library it came from
        assert out.startswith("Restored the network from zigpy-znp@")
        assert f"PAN 0x{DEFAULT_NETWORK['pan_id']:04X}" in out and "3 devices" in out
        stored = new.nvram.summary()
        assert stored["formed"] and stored["ieee"] == DEFAULT_IEEE  # the old stick's address
        assert stored["extended_pan_id"] == DEFAULT_NETWORK["extended_pan_id"]
        assert stored["network_key"] == DEFAULT_NETWORK["network_key"].replace(":", "")
        assert stored["channel"] == DEFAULT_NETWORK["channel"]
        assert SENSOR in stored["children"]  # the sensor's parent is still the coordinator

        # 3. The gateway on the new stick: the same devices, working, nothing re-paired
        gw = await ezsp.start_daemon(data, new)
        ws = WsClient(await websockets.connect(gw.ws_url))
        try:
            config = await gw.get("/config")
            assert config["panid"] == DEFAULT_NETWORK["pan_id"]
            assert gw.daemon.radio.network_up.radio_type == "ezsp"
            lid2, desk = await znp.resource(gw, "lights", LIGHT)
            cid2, _ = await znp.resource(gw, "lights", CT_LIGHT)
            sid2, _ = await znp.resource(gw, "sensors", SENSOR)
            assert (lid2, cid2, sid2) == (lid, cid, sid) and desk["name"] == "Desk"

            # A REST command reaches the light through the new stick
            mark = len(light.received)
            r = await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 77})
            assert r.status_code == 200, r.text
            await znp.until(lambda: light.get(None, LevelControl, "current_level") == 77)
            assert {c.cluster for c in light.received[mark:]} <= {
                OnOff.cluster_id,
                LevelControl.cluster_id,
            }
            assert new.sent_to(0x1051)  # sendUnicast on the EmberZNet NCP

            # The sensor's report arrives over the websocket
            network.emit(sensor.report(None, TemperatureMeasurement, {"measured_value": 1987}))
            frame = await ws.wait(
                lambda e: e.get("id") == sid and e.get("state", {}).get("temperature") == 1987
            )
            assert frame["r"] == "sensors"

            # No device joined or was interviewed again
            assert interviews(light, ct_light, sensor) == paired
            # Only the restored child is known to the NCP: no device announced itself (a
            # join or rejoin would have been admitted there), and none was refused
            assert {str(ieee) for ieee in new.nvram.devices} == {SENSOR}
            assert not new.refused_joins

            # The automatic backups in the data directory are of this same network
            files = await znp.until(lambda: sorted((data / "backups").glob("*.json")))
            assert {str(read_backup(f).network_info.extended_pan_id) for f in files} == {
                DEFAULT_NETWORK["extended_pan_id"]
            }
            assert not [e for e in ws.events if e.get("e") == "added"]
        finally:
            await ws.close()
            await ezsp.stop_daemon(gw)
    finally:
        await new.close()
    assert not new.errors and not new.unhandled
