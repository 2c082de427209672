"""Lights driven through zigpy's cluster API change state and report it back."""

from __future__ import annotations

import pytest
from sim_helpers import Reports, join, wait_for
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import LevelControl, OnOff
from zigpy.zcl.clusters.lighting import Color

from radio.sim import SimDevice, VirtualRadio, catalogue, demo_ieee

Status = foundation.Status
CM = Color.ColorMode
ECM = Color.EnhancedColorMode


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def light(app: VirtualRadio):
    """An extended colour light with reporting configured, as the gateway does on join."""
    sim = catalogue.extended_color_light(demo_ieee(10, 1), 0x7001)
    (device,) = await join(app, sim)
    endpoint = device.endpoints[11]
    await endpoint.on_off.configure_reporting("on_off", 0, 300, 1)
    await endpoint.level.configure_reporting("current_level", 1, 300, 1)
    for name in ("current_x", "current_y", "color_temperature", "current_hue"):
        await endpoint.light_color.configure_reporting(name, 1, 300, 1)
    await endpoint.light_color.configure_reporting("color_mode", 1, 300, 0)
    reports = Reports(endpoint.on_off, endpoint.level, endpoint.light_color)
    yield sim, endpoint, reports
    reports.close()


def state(sim: SimDevice, cluster, name: str):
    return sim.get(11, cluster, name)


async def test_on_off_toggle_and_reports(light) -> None:
    sim, endpoint, reports = light
    rsp = await endpoint.on_off.off()
    assert rsp.status == Status.SUCCESS and rsp.command_id == OnOff.ServerCommandDefs.off.id
    assert state(sim, OnOff, "on_off") is not None and not state(sim, OnOff, "on_off")
    await endpoint.on_off.toggle()
    assert state(sim, OnOff, "on_off")
    await endpoint.on_off.on()  # already on: nothing changed, nothing reported
    await wait_for(lambda: reports.values("on_off") == [False, True])
    assert [c.command_name for c in sim.received[-3:]] == ["off", "toggle", "on"]
    assert endpoint.on_off.get("on_off")  # zigpy's cache follows the reports


async def test_off_with_effect_then_recall_global_scene(light) -> None:
    sim, endpoint, _ = light
    await endpoint.level.move_to_level(120, 0)
    await endpoint.on_off.off_with_effect(effect_id=0, effect_variant=0)
    await endpoint.level.move_to_level(10, 0)
    assert not state(sim, OnOff, "on_off")
    await endpoint.on_off.on_with_recall_global_scene()
    assert state(sim, OnOff, "on_off") and state(sim, LevelControl, "current_level") == 120


async def test_on_with_timed_off_switches_off_later(light) -> None:
    sim, endpoint, reports = light
    clock = FakeClock()
    sim.clock = clock
    await endpoint.on_off.off()
    await endpoint.on_off.on_with_timed_off(on_off_control=0, on_time=50, off_wait_time=0)
    assert state(sim, OnOff, "on_off") and state(sim, OnOff, "on_time") == 50
    clock.now += 2
    assert state(sim, OnOff, "on_time") == 30  # counts down in tenths of a second
    clock.now += 3.1
    sim.transmit(sim.tick())  # what the timer does once it fires
    assert not state(sim, OnOff, "on_off")
    await wait_for(lambda: reports.values("on_off")[-1:] == [False])


async def test_level_commands(light) -> None:
    sim, endpoint, reports = light
    clock = FakeClock()
    sim.clock = clock
    await endpoint.level.move_to_level_with_on_off(100, 10)
    assert state(sim, LevelControl, "current_level") == 100
    await endpoint.level.step(LevelControl.StepMode.Down, 30, 0)
    assert state(sim, LevelControl, "current_level") == 70
    await endpoint.level.step_with_on_off(LevelControl.StepMode.Down, 200, 0)
    assert state(sim, LevelControl, "current_level") == 1 and not state(sim, OnOff, "on_off")
    await endpoint.level.move_with_on_off(LevelControl.MoveMode.Up, 100)
    assert state(sim, OnOff, "on_off")
    clock.now += 0.5
    success, _ = await endpoint.level.read_attributes(["current_level"], allow_cache=False)
    assert success["current_level"] == 51  # moving at 100 units/s from 1
    clock.now += 0.5
    await endpoint.level.stop()
    assert state(sim, LevelControl, "current_level") == 101
    await endpoint.level.move_to_level_with_on_off(0, 0)
    assert not state(sim, OnOff, "on_off") and state(sim, LevelControl, "current_level") == 101
    await wait_for(lambda: reports.values("current_level")[-1:] == [101])
    assert 100 in reports.values("current_level")


async def test_color_commands_keep_color_mode_right(light) -> None:
    sim, endpoint, reports = light
    color = endpoint.light_color

    await color.move_to_color(0x4000, 0x5000, 0)
    assert (state(sim, Color, "current_x"), state(sim, Color, "current_y")) == (0x4000, 0x5000)
    assert state(sim, Color, "color_mode") == CM.X_and_Y
    assert state(sim, Color, "enhanced_color_mode") == ECM.X_and_Y

    await color.move_to_color_temp(100, 0)  # below the physical minimum: clamped
    assert state(sim, Color, "color_temperature") == 153
    assert state(sim, Color, "color_mode") == CM.Color_temperature
    await color.step_color_temp(Color.StepMode.Up, 50, 0, 0, 0)
    assert state(sim, Color, "color_temperature") == 203

    await color.move_to_hue_and_saturation(100, 200, 0)
    assert state(sim, Color, "current_hue") == 100
    assert state(sim, Color, "current_saturation") == 200
    assert state(sim, Color, "enhanced_current_hue") == 100 << 8
    assert state(sim, Color, "color_mode") == CM.Hue_and_saturation

    await color.enhanced_move_to_hue_and_saturation(0x8000, 150, 0)
    assert state(sim, Color, "enhanced_color_mode") == ECM.Enhanced_hue_and_saturation
    assert state(sim, Color, "color_mode") == CM.Hue_and_saturation
    assert state(sim, Color, "current_hue") == 0x80

    await color.color_loop_set(
        update_flags=Color.ColorLoopUpdateFlags.Action,
        action=Color.ColorLoopAction.Activate_from_current_hue,
        direction=Color.ColorLoopDirection.Increment,
        time=10,
        start_hue=0,
    )
    assert state(sim, Color, "color_loop_active") == 1
    await wait_for(lambda: CM.Hue_and_saturation in reports.values("color_mode"))
    assert reports.values("color_temperature")[:2] == [153, 203]
    assert (reports.values("current_x")[0], reports.values("current_y")[0]) == (0x4000, 0x5000)


async def test_unsupported_commands_and_attributes(app: VirtualRadio) -> None:
    sim = catalogue.color_temperature_light(demo_ieee(10, 2), 0x7002)
    dimmer = catalogue.dimmable_light(demo_ieee(10, 3), 0x7003)
    ct_light, zdimmer = await join(app, sim, dimmer)
    color = ct_light.endpoints[1].light_color

    rsp = await color.move_to_hue(10, 0, 0)  # a tunable white bulb has no hue
    assert rsp.status == Status.UNSUP_CLUSTER_COMMAND
    await color.move_to_color_temp(600, 0)
    assert sim.get(1, Color, "color_temperature") == 454  # clamped to the physical maximum

    success, failure = await color.read_attributes(["current_hue", "color_temperature"])
    assert (
        failure == {"current_hue": Status.UNSUPPORTED_ATTRIBUTE} and "color_temperature" in success
    )
    (record,) = (await color.write_attributes({"color_temperature": 300}))[0]
    assert record.status == Status.READ_ONLY

    # A cluster the device does not have answers UNSUPPORTED_CLUSTER, quickly
    zdimmer.endpoints[1].add_input_cluster(Color.cluster_id)
    rsp = await zdimmer.endpoints[1].light_color.move_to_color_temp(300, 0)
    assert rsp.status == Status.UNSUPPORTED_CLUSTER


async def test_groups_and_group_commands(app: VirtualRadio) -> None:
    sims = [catalogue.dimmable_light(demo_ieee(10, 10 + i), 0x7010 + i) for i in range(3)]
    devices = await join(app, *sims)
    for device in devices[:2]:
        assert await device.endpoints[1].add_to_group(0x0100, "Kitchen") == Status.SUCCESS
    assert sims[0].endpoints[1].groups == {0x0100: "Kitchen"}

    groups = devices[0].endpoints[1].groups
    assert (await groups.view(0x0100)).group_name == "Kitchen"
    assert (await groups.view(0x0999)).status == Status.NOT_FOUND
    membership = await groups.get_membership([])
    assert list(membership.groups) == [0x0100] and membership.capacity == 15
    assert (await groups.add(0x0100, "Kitchen")).status == Status.DUPLICATE_EXISTS

    group = app.groups[0x0100]
    await group.endpoint.on_off.off()
    await wait_for(
        lambda: not sims[0].get(1, OnOff, "on_off") and not sims[1].get(1, OnOff, "on_off")
    )
    assert sims[2].get(1, OnOff, "on_off"), "not a member"
    assert sims[0].received[-1].group == 0x0100

    await devices[1].endpoints[1].remove_from_group(0x0100)
    assert sims[1].endpoints[1].groups == {}
    await groups.remove_all()
    assert sims[0].endpoints[1].groups == {}


async def test_scenes_store_and_recall_via_group(app: VirtualRadio) -> None:
    sims = [
        catalogue.extended_color_light(demo_ieee(10, 20), 0x7020),
        catalogue.dimmable_light(demo_ieee(10, 21), 0x7021),
    ]
    devices = await join(app, *sims)
    endpoints = [d.endpoints[ep] for d, ep in zip(devices, (11, 1), strict=True)]
    reports = []
    for endpoint in endpoints:
        await endpoint.add_to_group(0x0200, "Evening")
        await endpoint.level.configure_reporting("current_level", 1, 300, 1)
        reports.append(Reports(endpoint.level))
        assert (await endpoint.scenes.add(0x0200, 1, 0, "Cosy")).status == Status.SUCCESS
        await endpoint.level.move_to_level(40, 0)
        assert (await endpoint.scenes.store(0x0200, 1)).status == Status.SUCCESS
        await endpoint.level.move_to_level(254, 0)
    await endpoints[0].light_color.move_to_color_temp(250, 0)

    group = app.groups[0x0200]
    await group.endpoint.scenes.recall(0x0200, 1)
    await wait_for(lambda: all(s.get(None, LevelControl, "current_level") == 40 for s in sims))
    assert sims[0].get(11, Color, "color_temperature") == 370  # restored from the scene
    await wait_for(lambda: all(r.values("current_level")[-1:] == [40] for r in reports))

    view = await endpoints[0].scenes.view(0x0200, 1)
    assert view.status == Status.SUCCESS and view.scene_name == "Cosy"
    membership = await endpoints[0].scenes.get_scene_membership(0x0200)
    assert list(membership.scenes) == [1]
    assert (await endpoints[0].scenes.read_attributes(["count", "scene_valid"]))[0] == {
        "count": 1,
        "scene_valid": True,
    }
    assert (await endpoints[0].scenes.remove(0x0200, 1)).status == Status.SUCCESS
    assert (await endpoints[0].scenes.recall(0x0200, 1)).status == Status.NOT_FOUND
    assert (await endpoints[0].scenes.add(0x0777, 1, 0, "x")).status == Status.INVALID_FIELD


async def test_move_runs_to_the_limit_on_its_own_and_reports(light) -> None:
    sim, endpoint, reports = light
    await endpoint.level.move_to_level(200, 0)
    await endpoint.level.move(LevelControl.MoveMode.Up, 250)  # reaches 254 after ~0.2 s
    await wait_for(lambda: reports.values("current_level")[-1:] == [254], timeout=2)
    assert state(sim, LevelControl, "current_level") == 254 and not sim.endpoints[11].ramps


async def test_identify_and_add_group_if_identifying(light) -> None:
    sim, endpoint, _ = light
    await endpoint.groups.add_if_identifying(0x0300, "Not identifying")
    assert sim.endpoints[11].groups == {}
    await endpoint.identify.identify(30)
    assert (await endpoint.identify.identify_query()).timeout in (29, 30)
    await endpoint.groups.add_if_identifying(0x0300, "Found it")
    assert sim.endpoints[11].groups == {0x0300: "Found it"}
    await endpoint.identify.trigger_effect(effect_id=0, effect_variant=0)
    await endpoint.identify.identify(0)
    rsp = await endpoint.identify.identify_query()
    assert rsp.status == Status.SUCCESS  # not identifying: a plain Default_Response
