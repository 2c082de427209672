"""Every catalogue device joins and zigpy's full interview sees what the sim exposes."""

from __future__ import annotations

import time

import pytest
import zigpy.zdo.types as zdo_t
from sim_helpers import join
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Basic, Ota

from radio.sim import DemoDriver, VirtualRadio, catalogue, demo_home, demo_ieee, scaled_network

ROUTERS = {
    "extended_color_light",
    "color_temperature_light",
    "dimmable_light",
    "onoff_plug_with_metering",
    "manufacturer_id_light",
    "manufacturer_only_device",
}
EXPECTED_DEVICE_TYPE = {
    "extended_color_light": 0x010D,
    "color_temperature_light": 0x010C,
    "dimmable_light": 0x0101,
    "onoff_plug_with_metering": 0x010A,
    "climate_sensor": 0x0302,
    "motion_sensor": 0x0107,
    "door_contact": 0x0402,
    "water_leak": 0x0402,
    "remote_4button": 0x0820,
    "manufacturer_id_light": 0xABCD,
    "manufacturer_only_device": 0x0061,
}


@pytest.mark.parametrize("kind", sorted(catalogue.FACTORIES))
async def test_catalogue_device_is_fully_interviewed(app: VirtualRadio, kind: str) -> None:
    sim = catalogue.FACTORIES[kind](demo_ieee(8, 1), 0x5A5A)
    (device,) = await join(app, sim)

    assert device.is_initialized
    assert device.manufacturer == "zigbridge-sim"
    assert device.model == sim.model and device.model.startswith("SIM-")
    is_router = kind in ROUTERS
    expected_type = zdo_t.LogicalType.Router if is_router else zdo_t.LogicalType.EndDevice
    assert device.node_desc.logical_type == expected_type
    assert device.node_desc.is_mains_powered is is_router
    assert set(device.endpoints) - {0} == set(sim.endpoints)
    for ep_id, sim_ep in sim.endpoints.items():
        endpoint = device.endpoints[ep_id]
        assert endpoint.profile_id == sim_ep.profile_id
        assert endpoint.device_type == sim_ep.device_type
        assert set(endpoint.in_clusters) == set(sim_ep.server)
        assert set(endpoint.out_clusters) == set(sim_ep.client)
    assert device.endpoints[min(sim.endpoints)].device_type == EXPECTED_DEVICE_TYPE[kind]

    # The interview asked what a real device is asked, and got answers for all of it
    asked = {cmd.name for cmd in sim.zdo_requests}
    assert {"Node_Desc_req", "Active_EP_req", "Simple_Desc_req"} <= asked
    basic = device.endpoints[min(sim.endpoints)].basic
    success, failure = await basic.read_attributes(
        ["power_source", "sw_build_id", "date_code", "zcl_version"]
    )
    assert not failure
    mains = Basic.PowerSource.Mains_single_phase
    assert (success["power_source"] == mains) is is_router
    assert success["sw_build_id"] and success["date_code"]


async def test_ota_client_interview_extras(app: VirtualRadio) -> None:
    light = catalogue.dimmable_light(demo_ieee(8, 2), 0x5A5B)
    (device,) = await join(app, light)
    ota_reads = [
        r
        for r in light.received_general
        if r.cluster == Ota.cluster_id and r.command_name == "Read_Attributes"
    ]
    assert ota_reads, "zigpy reads current_file_version from the OTA client"
    assert [r.command_name for r in light.received if r.cluster == Ota.cluster_id] == [
        "image_notify"
    ]
    ota = device.endpoints[1].out_clusters[Ota.cluster_id]
    assert ota.is_attribute_unsupported("current_file_version")
    rsp = await device.endpoints[1].basic.read_attributes_raw([0x4000, 0x7777])
    records = {r.attrid: r.status for r in rsp[0]}
    assert records == {
        0x4000: foundation.Status.SUCCESS,
        0x7777: foundation.Status.UNSUPPORTED_ATTRIBUTE,
    }


async def test_demo_home_joins_within_two_seconds(app: VirtualRadio) -> None:
    devices = demo_home()
    driver = DemoDriver(app, devices, live=False, join_timeout=2.0)
    started = time.monotonic()
    await driver.start()
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert not driver.failed and len(driver.joined) == len(devices)
    assert len({d.ieee for d in devices}) == len({d.nwk for d in devices}) == len(devices)
    for sim in devices:
        assert app.get_device(sim.ieee).is_initialized
    await driver.stop()


async def test_demo_addresses_are_deterministic() -> None:
    first, second = demo_home(), demo_home()
    assert [(d.ieee, d.nwk) for d in first] == [(d.ieee, d.nwk) for d in second]
    assert [d.ieee for d in scaled_network(30)] == [d.ieee for d in scaled_network(30)]


async def test_scaled_network_of_a_hundred_devices_joins(app: VirtualRadio) -> None:
    devices = scaled_network(100)
    started = time.monotonic()
    await join(app, *devices, timeout=10)
    assert time.monotonic() - started < 5
    kinds = {d.model for d in devices}
    assert {
        "SIM-XL1",
        "SIM-CT1",
        "SIM-DL1",
        "SIM-PLUG1",
        "SIM-TH1",
        "SIM-MS1",
        "SIM-DC1",
        "SIM-TRV1",
        "SIM-PM1",
    } <= kinds
