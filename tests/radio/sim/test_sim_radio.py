"""VirtualRadio lifecycle on the real zigpy stack: form, resume, persistence, loopback."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import zigpy.application
import zigpy.exceptions
import zigpy.topology
import zigpy.types as t
import zigpy.zdo.types as zdo_t
from sim_helpers import join, start_radio, wait_for

from radio.sim import VirtualRadio, catalogue, demo_ieee, sim_config

LIGHT = demo_ieee(7, 1)
SENSOR = demo_ieee(7, 2)


def _network_identity(app: VirtualRadio) -> tuple:
    info = app.state.network_info
    return (
        info.pan_id,
        info.extended_pan_id,
        info.network_key.key,
        info.channel,
        app.state.node_info.ieee,
    )


async def test_forms_then_resumes_the_same_network_without_reinterview(paths) -> None:
    nv, db = paths
    app = await start_radio(nv, db)
    identity = _network_identity(app)
    light = catalogue.extended_color_light(LIGHT, 0x1234)
    sensor = catalogue.climate_sensor(SENSOR, 0x2345)
    zlight, _ = await join(app, light, sensor)
    await zlight.endpoints[11].add_to_group(0x0033, "Lounge")  # the light remembers it
    await app.shutdown()

    stored = json.loads(Path(nv).read_text())
    assert stored["node_info"]["ieee"] == str(identity[-1])
    assert stored["devices"][str(light.ieee)]["11"]["groups"] == {"51": "Lounge"}

    app = await start_radio(nv, db)
    try:
        assert _network_identity(app) == identity
        assert app.state.node_info.ieee != t.EUI64.UNKNOWN
        known = app.get_device(light.ieee)
        assert known.is_initialized and known.model == "SIM-XL1"
        assert app.get_device(sensor.ieee).is_initialized
        assert 0x0033 in app.groups

        # Fresh sim objects with the same addresses, as the demo creates on every start
        light = app.network.attach(catalogue.extended_color_light(LIGHT, 0x1234))
        app.network.attach(catalogue.climate_sensor(SENSOR, 0x2345))
        assert light.endpoints[11].groups == {0x0033: "Lounge"}
        success, _ = await known.endpoints[11].on_off.read_attributes(["on_off"])
        assert success == {"on_off": t.Bool.true}
        assert zdo_t.ZDOCmd.Node_Desc_req not in light.zdo_requests
    finally:
        await app.shutdown()


async def test_coordinator_device_and_endpoints(app: VirtualRadio) -> None:
    coordinator = app._device
    assert coordinator.ieee == app.state.node_info.ieee
    assert coordinator.is_initialized
    assert {1, 2, 242} <= set(coordinator.endpoints)
    assert coordinator.manufacturer == "zigbridge"
    assert coordinator.model == "Virtual Coordinator"
    assert coordinator.node_desc.logical_type == zdo_t.LogicalType.Coordinator


async def test_coordinator_answers_loopback_zdo(app: VirtualRadio) -> None:
    status, _, endpoints = await app._device.zdo.Active_EP_req(0x0000)
    assert status == zdo_t.Status.SUCCESS and {1, 2, 242} <= set(endpoints)
    energies = await app.energy_scan(t.Channels.from_channel_list([11, 15, 20]), 2, 1)
    assert set(energies) == {11, 15, 20}


async def test_forms_without_configured_channel_using_loopback_energy_scan() -> None:
    app = await VirtualRadio.new(
        sim_config(":memory:", channel=None) | {"network": {}}, auto_form=True
    )
    try:
        assert app.state.network_info.channel in (11, 15, 20, 25)
    finally:
        await app.shutdown()


async def test_slow_radio_start_is_simulated() -> None:
    slow = VirtualRadio.with_startup_delay(0.2)
    started = time.monotonic()
    app = await slow.new(sim_config(), auto_form=True)
    try:
        assert time.monotonic() - started >= 0.2
        assert VirtualRadio.startup_delay == 0
    finally:
        await app.shutdown()


async def test_permit_join_window_is_recorded(app: VirtualRadio) -> None:
    assert not app.permitting_joins
    await app.permit(60)
    assert app.permitting_joins
    assert app.permit_history[-1][1] == 60
    await app.permit(0)
    assert not app.permitting_joins


async def test_remove_makes_the_device_leave(app: VirtualRadio) -> None:
    light = catalogue.dimmable_light(demo_ieee(7, 3), 0x3456)
    await join(app, light)
    await app.remove(light.ieee)
    await wait_for(lambda: light.ieee not in app.devices and light.ieee not in app.network)
    assert zdo_t.ZDOCmd.Mgmt_Leave_req in light.zdo_requests


async def test_unknown_device_is_discovered_through_ieee_address_request(
    app: VirtualRadio,
) -> None:
    """A device that talks without announcing itself gets found and interviewed."""
    sensor = catalogue.climate_sensor(demo_ieee(7, 4), 0x4567)
    app.network.add(sensor)
    app.network.emit(sensor.report(None, "temperature", {"measured_value": 2000}))
    await wait_for(lambda: sensor.ieee in app.devices and app.devices[sensor.ieee].is_initialized)
    assert zdo_t.ZDOCmd.IEEE_addr_req in sensor.zdo_requests


async def test_send_after_shutdown_fails_cleanly() -> None:
    app = await start_radio()
    light = catalogue.dimmable_light(demo_ieee(7, 5), 0x5678)
    (zlight,) = await join(app, light)
    await app.shutdown()
    with pytest.raises(zigpy.exceptions.ZigbeeException):
        await zlight.endpoints[1].on_off.on()


async def test_topology_scan_sees_every_device_as_coordinator_neighbor(
    app: VirtualRadio, monkeypatch
) -> None:
    monkeypatch.setattr(zigpy.topology, "REQUEST_DELAY", (0, 0))
    sims = [catalogue.dimmable_light(demo_ieee(7, 10 + i), 0x6100 + i) for i in range(4)]
    sims.append(catalogue.door_contact(demo_ieee(7, 20), 0x6200))
    await join(app, *sims)
    await app.topology.scan()
    neighbors = app.topology.neighbors[app.state.node_info.ieee]
    assert {n.ieee for n in neighbors} == {s.ieee for s in sims}
    contact = next(n for n in neighbors if n.ieee == sims[-1].ieee)
    assert contact.device_type == zdo_t.DeviceType.EndDevice


async def test_channel_change_moves_the_coordinator(paths, monkeypatch) -> None:
    monkeypatch.setattr(zigpy.application, "CHANNEL_CHANGE_BROADCAST_DELAY_S", 0)
    nv, db = paths
    app = await start_radio(nv, db)
    try:
        await app.move_network_to_channel(25, num_broadcasts=1)
        assert app.state.network_info.channel == 25
    finally:
        await app.shutdown()
    assert json.loads(Path(nv).read_text())["network_info"]["channel"] == 25


async def test_saved_device_state_is_handed_over_not_kept(paths, monkeypatch) -> None:
    monkeypatch.setattr(zigpy.application, "CHANNEL_CHANGE_BROADCAST_DELAY_S", 0)
    nv, db = paths
    app = await start_radio(nv, db)
    try:
        (zlight,) = await join(app, catalogue.extended_color_light(LIGHT, 0x1234))
        await zlight.endpoints[11].add_to_group(0x0033, "Lounge")
    finally:
        await app.shutdown()

    app = await start_radio(nv, db)
    try:
        light = app.network.attach(catalogue.extended_color_light(LIGHT, 0x1234))
        assert light.endpoints[11].groups == {0x0033: "Lounge"}
        # The device holds its state now: no decoded copy stays in the network or the NV
        assert app.network.saved_state == {} and app.nvram.devices == {}
        # A write while running (here a channel change) stores the state as it is now
        light.endpoints[11].groups[0x0044] = "Hall"
        await app.move_network_to_channel(25, num_broadcasts=1)
        stored = json.loads(Path(nv).read_text())["devices"][str(light.ieee)]
        assert stored["11"]["groups"] == {"51": "Lounge", "68": "Hall"}
    finally:
        await app.shutdown()
