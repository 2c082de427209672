"""Unsolicited traffic reaches zigpy: reports, button presses, IAS notifications, failures."""

from __future__ import annotations

import time

import pytest
import zigpy.exceptions
import zigpy.types as t
from sim_helpers import ClusterCommands, Reports, join, settle, start_radio, wait_for
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import LevelControl, OnOff, Scenes
from zigpy.zcl.clusters.measurement import TemperatureMeasurement
from zigpy.zcl.clusters.security import IasZone

from radio.sim import DemoDriver, VirtualRadio, catalogue, demo_home, demo_ieee


async def test_sensor_report_reaches_zigpy_as_attribute_report(app: VirtualRadio) -> None:
    sensor = catalogue.climate_sensor(demo_ieee(9, 1), 0x6001)
    (device,) = await join(app, sensor)
    temperature = device.endpoints[1].temperature
    reports = Reports(temperature, device.endpoints[1].humidity)

    app.network.emit(sensor.report(1, TemperatureMeasurement, {"measured_value": 2345}))
    app.network.emit(sensor.report(None, "humidity", {"measured_value": 5120}))
    await wait_for(lambda: len(reports.events) == 2)

    assert reports.values("measured_value") == [2345, 5120]
    assert reports.events[0].device_ieee == str(sensor.ieee)
    assert temperature.get("measured_value") == 2345
    assert sensor.get(1, "temperature", "measured_value") == 2345


async def test_unconfigured_attribute_stays_silent_until_reporting_is_configured(
    app: VirtualRadio,
) -> None:
    sensor = catalogue.motion_sensor(demo_ieee(9, 2), 0x6002)
    (device,) = await join(app, sensor)
    occupancy = device.endpoints[1].occupancy
    reports = Reports(occupancy)

    app.network.emit(sensor.set_attribute(1, "occupancy", "occupancy", 1))
    await settle(20)
    assert reports.events == []

    result = await occupancy.configure_reporting("occupancy", 0, 300, 1)
    assert set(result.values()) == {foundation.Status.SUCCESS}
    app.network.emit(sensor.set_attribute(1, "occupancy", "occupancy", 0))
    await wait_for(lambda: reports.values("occupancy") == [0])

    (config,) = (
        await occupancy.general_command(
            foundation.GeneralCommand.Read_Reporting_Configuration,
            [foundation.ReadReportingConfigRecord(direction=0, attrid=0x0000)],
        )
    ).attribute_configs
    assert config.status == foundation.Status.SUCCESS
    assert (config.config.min_interval, config.config.max_interval) == (0, 300)


async def test_remote_press_reaches_the_out_cluster_and_repeats_are_not_debounced(
    app: VirtualRadio,
) -> None:
    remote = catalogue.remote_4button(demo_ieee(9, 3), 0x6003)
    (device,) = await join(app, remote)
    on_off = device.endpoints[1].out_clusters[OnOff.cluster_id]
    level = device.endpoints[1].out_clusters[LevelControl.cluster_id]
    commands = ClusterCommands(on_off, level)

    for _ in range(3):  # three identical presses within zigpy's 10 s duplicate window
        app.network.emit(remote.press(1))
    app.network.emit(remote.press(3, hold=True))
    app.network.emit(remote.release(3))
    await wait_for(lambda: len(commands.calls) == 5)

    on = OnOff.ServerCommandDefs.on.id
    assert [c for c, _ in commands.calls[:3]] == [on, on, on]
    move = LevelControl.ServerCommandDefs.move_with_on_off
    assert commands.calls[3][0] == move.id
    assert commands.calls[3][1].move_mode == LevelControl.MoveMode.Up
    assert commands.calls[4][0] == LevelControl.ServerCommandDefs.stop_with_on_off.id


async def test_remote_groupcast_reaches_coordinator_in_group_mode_and_member_lights(
    app: VirtualRadio,
) -> None:
    remote = catalogue.remote_4button(demo_ieee(9, 4), 0x6004, group=0x0042)
    light = catalogue.dimmable_light(demo_ieee(9, 5), 0x6005)
    zremote, zlight = await join(app, remote, light)
    await zlight.endpoints[1].add_to_group(0x0042, "Remote group")
    seen: list[t.ZigbeePacket] = []
    uplink = app.network.uplink
    app.network.uplink = lambda packet: (seen.append(packet), uplink(packet))
    scenes = ClusterCommands(zremote.endpoints[1].out_clusters[Scenes.cluster_id])
    toggles = ClusterCommands(zremote.endpoints[1].out_clusters[OnOff.cluster_id])

    assert light.get(1, "on_off", "on_off")
    app.network.emit(remote.toggle())
    app.network.emit(remote.recall_scene(3))
    await wait_for(lambda: toggles.calls and scenes.calls)

    from_remote = [p for p in seen if p.src.address == remote.nwk]
    assert {p.dst.addr_mode for p in from_remote} == {t.AddrMode.Group}
    assert {p.dst.address for p in from_remote} == {0x0042}
    assert scenes.calls[0][1].scene_id == 3 and scenes.calls[0][1].group_id == 0x0042
    assert not light.get(1, "on_off", "on_off"), "the member light toggled, as in a mesh"
    assert [c.command_name for c in light.received[-2:]] == ["toggle", "recall"]
    assert light.received[-1].group == 0x0042


async def test_ias_zone_enrolls_and_notifies(app: VirtualRadio) -> None:
    contact = catalogue.door_contact(demo_ieee(9, 6), 0x6006)
    (device,) = await join(app, contact)
    zone = device.endpoints[1].ias_zone
    calls = ClusterCommands(zone)

    await zone.write_attributes({"cie_addr": app.state.node_info.ieee})
    assert contact.get(1, IasZone, "cie_addr") == app.state.node_info.ieee
    enroll = IasZone.ClientCommandDefs.enroll.id
    await wait_for(lambda: any(c == enroll for c, _ in calls.calls))
    assert calls.calls[0][1].zone_type == IasZone.ZoneType.Contact_Switch

    await zone.enroll_response(IasZone.EnrollResponse.Success, 7)
    assert contact.get(1, IasZone, "zone_state") == IasZone.ZoneState.Enrolled

    app.network.emit(contact.zone_status_change(alarm1=True))
    notify = IasZone.ClientCommandDefs.status_change_notification.id
    await wait_for(lambda: any(c == notify for c, _ in calls.calls))
    args = next(a for c, a in calls.calls if c == notify)
    assert args.zone_status & IasZone.ZoneStatus.Alarm_1
    assert args.zone_id == 7
    success, _ = await zone.read_attributes(["zone_status"])
    assert success["zone_status"] & IasZone.ZoneStatus.Alarm_1


async def test_offline_device_fails_fast_with_delivery_error(app: VirtualRadio) -> None:
    light = catalogue.dimmable_light(demo_ieee(9, 7), 0x6007)
    (device,) = await join(app, light)
    light.online = False
    started = time.monotonic()
    with pytest.raises(zigpy.exceptions.DeliveryError):
        await device.endpoints[1].on_off.read_attributes(["on_off"])
    assert time.monotonic() - started < 1.0

    light.online = True
    light.fail_next = 2  # two lost frames: zigpy's retries get through
    success, _ = await device.endpoints[1].on_off.read_attributes(["on_off"], allow_cache=False)
    assert "on_off" in success and light.fail_next == 0


async def test_mute_device_makes_zigpy_time_out(app: VirtualRadio) -> None:
    light = catalogue.dimmable_light(demo_ieee(9, 8), 0x6008)
    (device,) = await join(app, light)
    light.mute = True
    with pytest.raises(TimeoutError):
        await device.endpoints[1].on_off.read_attributes(
            ["on_off"], allow_cache=False, timeout=0.05, retries=0
        )
    assert light.received_general[-1].command_name == "Read_Attributes"


async def test_live_demo_driver_reports_and_restarts_by_attaching(paths) -> None:
    nv, db = paths
    app = await start_radio(nv, db)
    devices = demo_home()
    driver = DemoDriver(app, devices, report_interval=0.02, press_interval=0.04, seed=3)
    await driver.start()
    climate = app.get_device(devices[5].ieee).endpoints[1]
    reports = Reports(climate.temperature, climate.humidity)
    await wait_for(lambda: len(reports.values("measured_value")) >= 4)
    remote = next(d for d in devices if d.model == "SIM-RC4")
    assert remote.get(1, "power", "battery_percentage_remaining") == 200
    await driver.stop()
    await app.shutdown()

    app = await start_radio(nv, db)
    try:
        driver = DemoDriver(app, demo_home(), live=False)
        await driver.start()
        assert driver.joined == [] and len(driver.attached) == len(devices)
    finally:
        await app.shutdown()
