"""The radio layer end to end on the real zigpy stack with the virtual radio: formation and
resume, typed events for every sensor type and a remote, commands changing a simulated
light, groups and scenes, and availability."""

from __future__ import annotations

import pytest
from zigpy.zcl.clusters.general import LevelControl, OnOff, PowerConfiguration
from zigpy.zcl.clusters.lighting import Color
from zigpy.zcl.clusters.measurement import (
    IlluminanceMeasurement,
    OccupancySensing,
    PressureMeasurement,
    RelativeHumidity,
    TemperatureMeasurement,
)
from zigpy.zcl.clusters.smartenergy import Metering

from radio import commands as cmd
from radio import events as ev
from radio.controller import Radio
from radio.sim import catalogue
from radio.sim.demo import demo_home
from tests.radio.conftest import EventLog, join, settings

LIGHT_IEEE = "00:5a:49:47:00:00:01:01"


def report_of(ieee: str, cluster: int, attribute: str, *, read: bool | None = None):
    def match(e) -> bool:
        return (
            isinstance(e, ev.AttributeReport)
            and e.ieee == ieee
            and e.cluster == cluster
            and e.attribute_name == attribute
            and (read is None or e.read == read)
        )

    return match


async def test_forms_then_resumes_the_same_network_without_reinterview(tmp_path):
    events = EventLog()
    first = Radio(settings(tmp_path), events.append)
    await first.start()
    up = events.of(ev.NetworkUp)[0]
    key = first.app.state.network_info.network_key.key
    devices = demo_home()
    await join(first, events, *devices)

    initialized = {e.device.ieee: e.device for e in events.of(ev.DeviceInitialized)}
    assert set(initialized) == {str(d.ieee) for d in devices}
    for sim in devices:
        info = initialized[str(sim.ieee)]
        assert (info.manufacturer, info.model) == (sim.manufacturer, sim.model)
        assert {e.id for e in info.endpoints} == set(sim.endpoints)
    assert all(not e.restored for e in events.of(ev.DeviceInitialized))
    await first.stop()

    again = EventLog()
    second = Radio(settings(tmp_path), again.append)
    await second.start()
    try:
        resumed = again.of(ev.NetworkUp)[0]
        assert (resumed.pan_id, resumed.extended_pan_id, resumed.channel, resumed.ieee) == (
            up.pan_id,
            up.extended_pan_id,
            up.channel,
            up.ieee,
        )
        assert second.app.state.network_info.network_key.key == key
        restored = again.of(ev.DeviceInitialized)
        assert {e.device.ieee for e in restored} == {str(d.ieee) for d in devices}
        assert all(e.restored for e in restored)
        assert not again.of(ev.DeviceJoined)
        # The restored description carries what zigpy cached, so the gateway can show
        # state before the first report arrives.
        light = next(e.device for e in restored if e.device.model == devices[0].model)
        assert light.cached
    finally:
        await second.stop()


async def test_every_sensor_type_reports_typed_values(radio: Radio, events: EventLog):
    climate = catalogue.climate_sensor("00:5a:49:47:00:00:02:01", 0x2001)
    motion = catalogue.motion_sensor("00:5a:49:47:00:00:02:02", 0x2002)
    door = catalogue.door_contact("00:5a:49:47:00:00:02:03", 0x2003)
    leak = catalogue.water_leak("00:5a:49:47:00:00:02:04", 0x2004)
    plug = catalogue.onoff_plug_with_metering("00:5a:49:47:00:00:02:05", 0x2005)
    await join(radio, events, climate, motion, door, leak, plug)
    net = radio.app.network

    cases = [
        (climate, TemperatureMeasurement, {"measured_value": 2154}),
        (climate, RelativeHumidity, {"measured_value": 4520}),
        (climate, PressureMeasurement, {"measured_value": 1013}),
        (climate, PowerConfiguration, {"battery_percentage_remaining": 174}),
        (motion, OccupancySensing, {"occupancy": 1}),
        (motion, IlluminanceMeasurement, {"measured_value": 21761}),
        (plug, Metering, {"current_summ_delivered": 12345}),
    ]
    for sim, cluster, values in cases:
        start = len(events)
        net.emit(sim.report(None, cluster, values))
        ((name, value),) = values.items()
        got = await events.wait(
            report_of(str(sim.ieee), cluster.cluster_id, name, read=False), start=start
        )
        assert got.value == value, (cluster.ep_attribute, got)

    for sim in (door, leak):
        start = len(events)
        net.emit(sim.zone_status_change(alarm1=True))
        got = await events.wait(
            lambda e, s=sim: (
                isinstance(e, ev.ClusterCommand)
                and e.ieee == str(s.ieee)
                and e.command_name == "status_change_notification"
            ),
            start=start,
        )
        assert got.cluster == 0x0500
        assert got.args["zone_status"] & 0x0001


async def test_remote_press_arrives_as_a_cluster_command(radio: Radio, events: EventLog):
    remote = catalogue.remote_4button("00:5a:49:47:00:00:03:01", 0x3001)
    await join(radio, events, remote)
    net = radio.app.network

    start = len(events)
    net.emit(remote.press(1))
    got = await events.wait(lambda e: isinstance(e, ev.ClusterCommand), start=start)
    assert (got.cluster, got.command_name, got.group) == (0x0006, "on", None)

    start = len(events)
    net.emit(remote.press(3, group=7))
    got = await events.wait(lambda e: isinstance(e, ev.ClusterCommand), start=start)
    assert (got.cluster, got.command_name, got.group) == (0x0008, "step_with_on_off", 7)

    # Two identical presses must both arrive (zigpy drops identical frames within 10 s
    # unless the TSN differs).
    start = len(events)
    net.emit(remote.press(2))
    net.emit(remote.press(2))
    await events.wait(
        lambda e: len([x for x in events[start:] if isinstance(x, ev.ClusterCommand)]) == 2,
        start=start,
    )

    start = len(events)
    net.emit(remote.recall_scene(2, group=7))
    got = await events.wait(lambda e: isinstance(e, ev.ClusterCommand), start=start)
    assert (got.cluster, got.command_name, got.group) == (0x0005, "recall", 7)
    assert got.args["scene_id"] == 2


@pytest.fixture
async def light(radio: Radio, events: EventLog):
    sim = catalogue.extended_color_light(LIGHT_IEEE, 0x1101)
    await join(radio, events, sim)
    # The first read of the colour cluster comes before the device is announced to the
    # gateway (its first state is in the cache of DeviceInitialized).
    await events.wait(report_of(LIGHT_IEEE, Color.cluster_id, "color_mode", read=True))
    return sim


async def send(radio: Radio, cluster: int, command: str, **args):
    ep = next(iter(radio.app.get_device(ieee=_eui(LIGHT_IEEE)).endpoints.keys() - {0}))
    target = cmd.DeviceTarget(LIGHT_IEEE, ep)
    return await radio.execute(cmd.ZclCommand(target, cluster, command, args))


def _eui(ieee: str):
    import zigpy.types as t

    return t.EUI64.convert(ieee)


async def test_light_commands_change_the_device_and_come_back_as_reports(
    radio: Radio, events: EventLog, light
):
    start = len(events)
    assert (await send(radio, 0x0006, "off")).ok
    await events.wait(report_of(LIGHT_IEEE, 0x0006, "on_off", read=False), start=start)
    assert light.get(None, OnOff, "on_off") is False or light.get(None, OnOff, "on_off") == 0

    start = len(events)
    await send(radio, 0x0008, "move_to_level_with_on_off", level=100, transition_time=0)
    got = await events.wait(report_of(LIGHT_IEEE, 0x0008, "current_level", read=False), start=start)
    assert got.value == 100
    assert light.get(None, LevelControl, "current_level") == 100

    start = len(events)
    await send(radio, 0x0300, "move_to_color", color_x=30000, color_y=26000, transition_time=0)
    got = await events.wait(report_of(LIGHT_IEEE, 0x0300, "current_x", read=False), start=start)
    assert got.value == 30000
    assert light.get(None, Color, "current_y") == 26000

    start = len(events)
    await send(radio, 0x0300, "move_to_color_temp", color_temp_mireds=300, transition_time=0)
    got = await events.wait(
        report_of(LIGHT_IEEE, 0x0300, "color_temperature", read=False), start=start
    )
    assert got.value == 300
    assert light.get(None, Color, "color_mode") == Color.ColorMode.Color_temperature

    start = len(events)
    await send(
        radio,
        0x0300,
        "enhanced_move_to_hue_and_saturation",
        enhanced_hue=20000,
        saturation=200,
        transition_time=0,
    )
    got = await events.wait(
        report_of(LIGHT_IEEE, 0x0300, "current_saturation", read=False), start=start
    )
    assert got.value == 200
    assert light.get(None, Color, "enhanced_current_hue") == 20000


async def test_group_membership_group_command_and_scenes(radio: Radio, events: EventLog, light):
    ep = light.endpoints and next(iter(light.endpoints))
    target = cmd.DeviceTarget(LIGHT_IEEE, ep)
    assert (await radio.execute(cmd.AddToGroup(target, 7, "Living room"))).ok
    assert 7 in light.endpoints[ep].groups

    start = len(events)
    assert (await radio.execute(cmd.ZclCommand(cmd.GroupTarget(7), 0x0006, "off"))).ok
    await events.wait(report_of(LIGHT_IEEE, 0x0006, "on_off", read=False), start=start)
    assert not light.get(None, OnOff, "on_off")

    # Scene 1 of group 7 = "on at level 40"; then change the light and recall the scene.
    group = cmd.GroupTarget(7)
    await send(radio, 0x0008, "move_to_level_with_on_off", level=40, transition_time=0)
    await radio.execute(
        cmd.ZclCommand(
            group,
            0x0005,
            "add",
            {
                "group_id": 7,
                "scene_id": 1,
                "transition_time": 0,
                "scene_name": "Relax",
            },
        )
    )
    await radio.execute(cmd.ZclCommand(group, 0x0005, "store", {"group_id": 7, "scene_id": 1}))
    await send(radio, 0x0008, "move_to_level_with_on_off", level=200, transition_time=0)
    assert light.get(None, LevelControl, "current_level") == 200

    start = len(events)
    await radio.execute(cmd.ZclCommand(group, 0x0005, "recall", {"group_id": 7, "scene_id": 1}))
    got = await events.wait(report_of(LIGHT_IEEE, 0x0008, "current_level", read=False), start=start)
    assert got.value == 40
    assert light.get(None, LevelControl, "current_level") == 40

    assert (await radio.execute(cmd.RemoveFromGroup(target, 7))).ok
    assert 7 not in light.endpoints[ep].groups


async def test_read_and_write_attributes(radio: Radio, events: EventLog, light):
    ep = next(iter(light.endpoints))
    target = cmd.DeviceTarget(LIGHT_IEEE, ep)
    result = await radio.execute(cmd.ReadAttributes(target, 0x0008, ("current_level",)))
    assert result.ok and result.values["current_level"] == light.get(
        None, LevelControl, "current_level"
    )
    result = await radio.execute(cmd.WriteAttributes(target, 0x0008, {"on_off_transition_time": 7}))
    assert result.ok
    assert light.get(None, LevelControl, "on_off_transition_time") == 7
    # An attribute the device does not have is refused, not silently accepted.
    result = await radio.execute(cmd.WriteAttributes(target, 0x0008, {"on_transition_time": 7}))
    assert (result.ok, result.status) == (False, "UNSUPPORTED_ATTRIBUTE")


async def test_unknown_device_and_network_down_are_clear_errors(tmp_path, events: EventLog):
    r = Radio(settings(tmp_path), events.append)
    with pytest.raises(cmd.NetworkNotReady):
        await r.execute(cmd.PermitJoin(10))
    await r.start()
    try:
        with pytest.raises(cmd.UnknownDevice):
            await r.execute(
                cmd.ZclCommand(cmd.DeviceTarget("00:11:22:33:44:55:66:77", 1), 0x0006, "on")
            )
        assert (await r.execute(cmd.PermitJoin(30))).ok
        assert events.of(ev.PermitJoinChanged)[-1].seconds == 30
    finally:
        await r.stop()


async def test_a_silent_mains_device_becomes_unavailable_and_comes_back(tmp_path):
    events = EventLog()
    r = Radio(
        settings(tmp_path, mains_timeout=0.3, availability_interval=0.1, seen_interval=0),
        events.append,
    )
    await r.start()
    try:
        sim = catalogue.dimmable_light("00:5a:49:47:00:00:04:01", 0x4001)
        await join(r, events, sim)
        sim.online = False
        got = await events.wait(lambda e: isinstance(e, ev.AvailabilityChanged) and not e.available)
        assert got.ieee == str(sim.ieee)

        sim.online = True
        start = len(events)
        r.app.network.emit(sim.report(None, OnOff, {"on_off": 1}))
        await events.wait(
            lambda e: isinstance(e, ev.AvailabilityChanged) and e.available, start=start
        )
    finally:
        await r.stop()


async def test_a_silent_battery_device_expires_and_is_never_pinged(tmp_path):
    events = EventLog()
    r = Radio(
        settings(tmp_path, battery_timeout=0.3, mains_timeout=0.3, availability_interval=0.1),
        events.append,
    )
    await r.start()
    try:
        sensor = catalogue.climate_sensor("00:5a:49:47:00:00:05:01", 0x5001)
        await join(r, events, sensor)
        got = await events.wait(lambda e: isinstance(e, ev.AvailabilityChanged) and not e.available)
        assert got.ieee == str(sensor.ieee)
        # a sleepy device is never pinged (a ping reads Basic's zcl_version, attribute 0)
        pings = [
            c
            for c in sensor.received_general
            if c.cluster == 0
            and c.command_name == "Read_Attributes"
            and c.args["attribute_ids"] == [0]
        ]
        assert not pings
        start = len(events)
        r.app.network.emit(sensor.report(None, TemperatureMeasurement, {"measured_value": 1900}))
        await events.wait(
            lambda e: isinstance(e, ev.AvailabilityChanged) and e.available, start=start
        )
    finally:
        await r.stop()


async def test_a_scaled_network_of_hundreds_joins_and_is_interviewed(tmp_path):
    from radio.sim.demo import DemoDriver, scaled_network

    events = EventLog()
    r = Radio(settings(tmp_path), events.append)
    await r.start()
    try:
        devices = scaled_network(200)
        driver = DemoDriver(r.app, devices, live=False)
        await driver.start()
        assert not driver.failed
        await events.wait(lambda e: len(events.of(ev.DeviceInitialized)) == 200, timeout=60)
        assert {e.device.ieee for e in events.of(ev.DeviceInitialized)} == {
            str(d.ieee) for d in devices
        }
    finally:
        await r.stop()


async def test_permit_join_longer_than_zigbee_allows_is_reopened_in_slices(radio, events):
    radio.permit_slice = 2  # stands in for Zigbee's 254 s limit
    assert (await radio.execute(cmd.PermitJoin(5))).ok
    history = radio.app.permit_history
    await events.wait(lambda e: [s for _, s in history[-3:]] == [2, 2, 1], timeout=10)
    assert radio.app.permitting_joins
    assert (await radio.execute(cmd.PermitJoin(0))).ok
    assert history[-1][1] == 0 and not radio.app.permitting_joins


async def test_a_failed_interview_is_told_and_can_be_redone(radio: Radio, events: EventLog):
    shy = catalogue.dimmable_light(LIGHT_IEEE, 0x1101)
    shy.fail_next = 10_000  # it joins, then nothing sent to it arrives
    radio.app.network.join(shy)
    await events.wait(lambda e: isinstance(e, ev.InterviewFailed) and e.ieee == LIGHT_IEEE, 60)
    assert not events.of(ev.DeviceInitialized)

    shy.fail_next = 0
    result = await radio.execute(cmd.Reinterview(LIGHT_IEEE))
    assert result.ok  # answered once the re-interview has started
    done = await events.wait(
        lambda e: isinstance(e, ev.DeviceInitialized) and e.device.ieee == LIGHT_IEEE, 30
    )
    assert not done.restored
    assert {ep.id for ep in done.device.endpoints} == set(shy.endpoints)
    assert done.device.cached[(1, OnOff.cluster_id, 0x0000)] == shy.get(None, OnOff, "on_off")
    with pytest.raises(cmd.UnknownDevice):
        await radio.execute(cmd.Reinterview("00:5a:49:47:ff:ff:ff:ff"))
