"""The simulated blind, lock, fan and siren on zigpy's own clusters: interviewed like the
catalogue's devices, and behaving like the real things when commanded."""

from __future__ import annotations

import pytest
from sim_helpers import Reports, join, wait_for
from zigpy.zcl import foundation
from zigpy.zcl.clusters.closures import DoorLock, WindowCovering
from zigpy.zcl.clusters.hvac import Fan
from zigpy.zcl.clusters.security import IasWd

from radio.sim import VirtualRadio, demo_ieee, scaled_network
from radio.sim.families import FACTORIES, SimCovering, SimSiren

LIFT = "current_position_lift_percentage"


@pytest.mark.parametrize("kind", sorted(FACTORIES))
async def test_family_device_is_fully_interviewed(app: VirtualRadio, kind: str) -> None:
    sim = FACTORIES[kind](demo_ieee(8, 3), 0x5A60)
    (device,) = await join(app, sim)
    assert device.is_initialized and device.model == sim.model
    endpoint = device.endpoints[1]
    assert set(endpoint.in_clusters) == set(sim.endpoints[1].server)
    assert endpoint.device_type == sim.endpoints[1].device_type


async def test_a_blind_travels_reporting_its_position_and_stops_on_request(app: VirtualRadio):
    sim = FACTORIES["window_covering"](demo_ieee(8, 4), 0x5A61, tilt=True)
    assert isinstance(sim, SimCovering)
    (device,) = await join(app, sim)
    cluster = device.endpoints[1].in_clusters[WindowCovering.cluster_id]
    await cluster.configure_reporting(LIFT, 1, 900, 1)
    reports = Reports(cluster)

    await cluster.go_to_lift_percentage(60)
    assert sim.moving and sim.get(1, WindowCovering, LIFT) < 60  # it has not arrived yet
    await wait_for(lambda: not sim.moving, timeout=10)
    assert sim.get(1, WindowCovering, LIFT) == 60
    await wait_for(lambda: reports.values(LIFT)[-1:] == [60])  # the last report is on its way
    lifts = reports.values(LIFT)
    assert len(lifts) >= 3 and lifts == sorted(lifts)

    await cluster.up_open()
    await wait_for(lambda: sim.get(1, WindowCovering, LIFT) < 60, timeout=5)
    await cluster.stop()
    halted = sim.get(1, WindowCovering, LIFT)
    assert not sim.moving and 0 < halted < 60
    await cluster.go_to_tilt_percentage(30)
    await wait_for(lambda: sim.get(1, WindowCovering, "current_position_tilt_percentage") == 30)
    reports.close()


async def test_a_lock_answers_and_reports_its_bolt(app: VirtualRadio):
    sim = FACTORIES["door_lock"](demo_ieee(8, 5), 0x5A62)
    (device,) = await join(app, sim)
    cluster = device.endpoints[1].in_clusters[DoorLock.cluster_id]
    rsp = await cluster.unlock_door()
    assert rsp.status == foundation.Status.SUCCESS
    assert sim.get(1, DoorLock, "lock_state") == DoorLock.LockState.Unlocked
    await cluster.lock_door()
    assert sim.get(1, DoorLock, "lock_state") == DoorLock.LockState.Locked


async def test_a_fan_takes_its_mode_by_attribute_write(app: VirtualRadio):
    sim = FACTORIES["ceiling_fan"](demo_ieee(8, 6), 0x5A63)
    (device,) = await join(app, sim)
    cluster = device.endpoints[1].in_clusters[Fan.cluster_id]
    await cluster.write_attributes({"fan_mode": Fan.FanMode.High})
    assert sim.get(1, Fan, "fan_mode") == Fan.FanMode.High


async def test_a_siren_sounds_within_its_max_duration_and_stops(app: VirtualRadio):
    sim = FACTORIES["siren"](demo_ieee(8, 7), 0x5A64)
    assert isinstance(sim, SimSiren)
    (device,) = await join(app, sim)
    cluster = device.endpoints[1].in_clusters[IasWd.cluster_id]
    await cluster.start_warning(0x16, 9999, 50, 0)
    assert sim.sounding and sim.warning.mode == 1 and sim.warning.strobe
    assert sim.warning.until - sim.clock() <= 600  # MaxDuration
    await cluster.start_warning(0x00, 0, 0, 0)
    assert not sim.sounding


def test_a_scaled_network_has_every_family():
    models = {d.model for d in scaled_network(40)}
    assert {"SIM-WC1", "SIM-DL-LOCK1", "SIM-FAN1", "SIM-SIREN1"} <= models
