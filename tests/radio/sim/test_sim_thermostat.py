"""The simulated radiator thermostat and the air/soil sensors behave like the real ones."""

from __future__ import annotations

from itertools import pairwise

from sim_helpers import Reports, join, wait_for
from zigpy.zcl.clusters.hvac import Thermostat, UserInterface
from zigpy.zcl.clusters.measurement import PM25, CarbonDioxideConcentration, SoilMoisture

from radio.sim import DemoDriver, VirtualRadio, demo_ieee
from radio.sim.air import co2_monitor, pm25_monitor, soil_moisture_sensor, voc_monitor
from radio.sim.thermostat import SimThermostat, radiator_thermostat


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def trv(clock: Clock, **kwargs) -> SimThermostat:
    device = radiator_thermostat(demo_ieee(8, 2), 0x5A5B, **kwargs)
    device.clock = clock
    device.tick()  # starts its own time from the injected clock
    return device


def reading(device: SimThermostat, name: str):
    return device.get(None, Thermostat, name)


def test_the_room_warms_toward_the_setpoint_then_it_stops_heating():
    clock = Clock()
    device = trv(clock, room=18.0, setpoint=21.0)
    assert reading(device, "local_temperature") == 1800
    assert reading(device, "running_state") == Thermostat.RunningState.Heat_State_On
    assert reading(device, "pi_heating_demand") == 100
    temperatures = []
    for _ in range(20):
        clock.now += 60
        device.tick()
        temperatures.append(reading(device, "local_temperature"))
    assert temperatures == sorted(temperatures) and 1800 < temperatures[0] < temperatures[-1]
    assert temperatures[-1] == 2100
    assert reading(device, "running_state") == Thermostat.RunningState.Idle
    assert reading(device, "pi_heating_demand") == 0


def test_switched_off_the_room_cools_to_ambient_and_calibration_shifts_the_reading():
    clock = Clock()
    device = trv(clock, room=21.0, setpoint=21.0)
    ep = device.endpoint(None, Thermostat)
    ep.set(Thermostat, "local_temperature_calibration", -5)
    assert reading(device, "local_temperature") == 2050
    ep.set(Thermostat, "system_mode", Thermostat.SystemMode.Off)
    for _ in range(30):
        clock.now += 120
        device.tick()
    assert device.room == device.ambient
    assert reading(device, "local_temperature") == round(device.ambient * 100) - 50
    assert reading(device, "running_state") == Thermostat.RunningState.Idle


async def test_a_written_setpoint_is_reported_then_the_temperature_follows(app: VirtualRadio):
    sim = radiator_thermostat(demo_ieee(8, 3), 0x5A5C, room=20.0, setpoint=20.0)
    sim.tau, sim.step = 0.3, 0.05  # minutes in a real room
    (device,) = await join(app, sim)
    cluster = device.endpoints[1].thermostat
    reports = Reports(cluster)
    await cluster.configure_reporting("local_temperature", 1, 600, 10)
    await cluster.configure_reporting("occupied_heating_setpoint", 0, 600, 1)
    [[status]] = await cluster.write_attributes({"occupied_heating_setpoint": 2200})
    assert status.status == 0
    await wait_for(sim.settled, timeout=5)
    temperatures = reports.values("local_temperature")
    # reported in steps of at least the reportable change (0.1 °C), up to the setpoint
    assert len(temperatures) >= 3 and temperatures == sorted(temperatures)
    assert 2190 <= temperatures[-1] <= 2200 and min(b - a for a, b in pairwise(temperatures)) >= 10
    assert reports.values("occupied_heating_setpoint") == [2200]
    reports.close()
    # The keypad lock is a plain writable attribute of the UI cluster
    ui = device.endpoints[1].thermostat_ui
    await ui.write_attributes({"keypad_lockout": UserInterface.KeypadLockout.Level_1_lockout})
    assert sim.get(None, UserInterface, "keypad_lockout") == 1
    sim.cancel_timers()


async def test_air_and_soil_sensors_join_with_their_clusters(app: VirtualRadio):
    pm, soil = pm25_monitor(demo_ieee(8, 4), 0x5A5D), soil_moisture_sensor(demo_ieee(8, 5), 0x5A5E)
    devices = await join(app, pm, soil)
    assert PM25.cluster_id in devices[0].endpoints[1].in_clusters
    assert devices[0].node_desc.is_mains_powered
    assert SoilMoisture.cluster_id in devices[1].endpoints[1].in_clusters
    value = await devices[0].endpoints[1].pm25.read_attributes(["measured_value"])
    assert value[0]["measured_value"] == 8.0


async def test_co2_monitor_sends_ppm_as_a_fraction(app: VirtualRadio):
    [device] = await join(app, co2_monitor(demo_ieee(8, 6), 0x5A5F, ppm=455))
    assert CarbonDioxideConcentration.cluster_id in device.endpoints[1].in_clusters
    assert device.node_desc.is_mains_powered
    cluster = device.endpoints[1].carbon_dioxide_concentration
    value = await cluster.read_attributes(["measured_value"])
    assert round(value[0]["measured_value"] * 1e6) == 455


async def test_demo_driver_drifts_the_co2_reading_in_ppm(app: VirtualRadio):
    monitor = co2_monitor(demo_ieee(8, 7), 0x5A60)
    driver = DemoDriver(app, [monitor], report_interval=0.02, seed=3)
    await driver.start()
    try:
        cluster = app.get_device(monitor.ieee).endpoints[1].carbon_dioxide_concentration
        reports = Reports(cluster)
        await wait_for(lambda: len(set(reports.values("measured_value"))) >= 3)
        ppm = [value * 1e6 for value in reports.values("measured_value")]
        assert all(400 <= value <= 2500 for value in ppm), ppm
    finally:
        await driver.stop()


async def test_voc_monitor_reports_ppb_on_an_analog_input(app: VirtualRadio):
    monitor = voc_monitor(demo_ieee(8, 8), 0x5A61, ppb=240)
    [device] = await join(app, monitor)
    assert device.node_desc.is_mains_powered
    cluster = device.endpoints[1].analog_input
    value = await cluster.read_attributes(["engineering_units", "present_value"])
    assert value[0] == {"engineering_units": 96, "present_value": 240.0}
    driver = DemoDriver(app, [monitor], report_interval=0.02, seed=5)
    await driver.start()
    try:
        reports = Reports(cluster)
        await wait_for(lambda: len(set(reports.values("present_value"))) >= 3)
        ppb = reports.values("present_value")
        assert all(50 <= value <= 800 for value in ppb), ppb
    finally:
        await driver.stop()
