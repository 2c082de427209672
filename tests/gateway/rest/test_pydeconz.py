"""pydeconz, the library Home Assistant's deCONZ integration uses, against a running
zigbridge on the simulated demo home: key, full state, typed resources, control, scenes,
sensor config and websocket updates for every resource type in the catalogue."""

from __future__ import annotations

import aiohttp
import pytest
from pydeconz import DeconzSession
from pydeconz.errors import LinkButtonNotPressed, ResourceNotFound, Unauthorized
from pydeconz.models.light.cover import Cover
from pydeconz.models.light.light import Light
from pydeconz.models.light.lock import Lock
from pydeconz.models.light.siren import Siren
from pydeconz.models.sensor.air_quality import AirQuality
from pydeconz.models.sensor.consumption import Consumption
from pydeconz.models.sensor.door_lock import DoorLock
from pydeconz.models.sensor.humidity import Humidity
from pydeconz.models.sensor.light_level import LightLevel
from pydeconz.models.sensor.moisture import Moisture
from pydeconz.models.sensor.open_close import OpenClose
from pydeconz.models.sensor.particulate_matter import ParticulateMatter
from pydeconz.models.sensor.power import Power
from pydeconz.models.sensor.presence import Presence
from pydeconz.models.sensor.pressure import Pressure
from pydeconz.models.sensor.switch import Switch
from pydeconz.models.sensor.temperature import Temperature
from pydeconz.models.sensor.thermostat import Thermostat
from pydeconz.models.sensor.water import Water
from pydeconz.utils import get_bridge_id
from zigpy.zcl.clusters.general import LevelControl, OnOff
from zigpy.zcl.clusters.measurement import (
    IlluminanceMeasurement,
    OccupancySensing,
    PressureMeasurement,
    RelativeHumidity,
    TemperatureMeasurement,
)
from zigpy.zcl.clusters.smartenergy import Metering

from tests.gateway.conftest import Running, until


def by_type(api: DeconzSession, cls: type) -> list:
    return [r for r in api.sensors.values() if isinstance(r, cls)]


async def test_key_full_state_and_typed_resources(gw: Running, session: DeconzSession):
    api = session
    async with aiohttp.ClientSession() as http:
        assert await get_bridge_id(http, "127.0.0.1", gw.daemon.rest.port, api.api_key)

    assert api.config.bridge_id.startswith("00212E")
    assert api.config.websocket_port == gw.daemon.ws.port
    light_types = sorted(light.type for light in api.lights.values())
    assert light_types == [
        "Color temperature light",
        "Dimmable light",
        "Door Lock",
        "Extended color light",
        "Extended color light",
        "Extended color light",  # the demo's bulb with a manufacturer device id
        "Fan",
        "On/Off plug-in unit",
        "Warning device",
        "Window covering device",
    ]
    classes = {"Door Lock": Lock, "Warning device": Siren, "Window covering device": Cover}
    for light in api.lights.values():
        assert isinstance(light, classes.get(light.type, Light)) and light.reachable, light.type
    lamp = next(light for light in api.lights.values() if light.model_id == "SIM-MXL1")
    assert lamp.color_temp is not None and lamp.xy is not None and lamp.brightness == 254
    wanted = {
        Temperature: 1,
        Thermostat: 1,
        ParticulateMatter: 1,
        AirQuality: 2,  # the CO2 monitor and the VOC monitor
        Moisture: 1,
        Humidity: 1,
        Pressure: 1,
        Presence: 1,
        LightLevel: 1,
        OpenClose: 1,
        Water: 1,
        Switch: 1,
        Power: 1,
        Consumption: 1,
        DoorLock: 1,
    }
    for cls, count in wanted.items():
        assert len(by_type(api, cls)) == count, cls
    # every sensor is one of pydeconz's known types (unknown types are dropped silently)
    assert len(api.sensors.values()) == sum(wanted.values())
    assert all(t.battery is not None for t in by_type(api, Temperature))


async def test_locked_gateway_refuses_keys_and_bad_keys_are_unauthorized(gw: Running):
    async with aiohttp.ClientSession() as http:
        with pytest.raises(LinkButtonNotPressed):
            await DeconzSession(http, "127.0.0.1", gw.daemon.rest.port).get_api_key()
        bad = DeconzSession(http, "127.0.0.1", gw.daemon.rest.port, api_key="0123456789")
        with pytest.raises(Unauthorized):
            await bad.refresh_state()
        good = DeconzSession(http, "127.0.0.1", gw.daemon.rest.port, api_key=gw.key)
        with pytest.raises(ResourceNotFound):
            await good.request("get", "/lights/999")


async def test_light_control_reaches_the_device_and_comes_back(gw: Running, session):
    api = session
    lid, light = next(
        (lid, light) for lid, light in api.lights.items() if light.type == "Dimmable light"
    )
    sim = gw.sim("SIM-DL1")
    await api.lights.lights.set_state(lid, on=True, brightness=80, transition_time=0)
    await until(lambda: sim.get(None, LevelControl, "current_level") == 80, what="sim level")
    await until(lambda: light.brightness == 80 and light.on, what="pydeconz light")

    await api.lights.lights.set_state(lid, on=False)
    await until(lambda: not sim.get(None, OnOff, "on_off"), what="sim off")
    await until(lambda: light.on is False, what="pydeconz off")


async def test_group_control_scenes(gw: Running, session):
    api = session
    lights = [lid for lid, light in api.lights.items() if light.type.endswith("light")]
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Living"})
    gid = r.json()[0]["success"]["id"]
    r = await gw.put(f"/groups/{gid}", {"lights": lights})
    assert r.status_code == 200, r.text
    await api.refresh_state()
    group = api.groups[gid]
    assert sorted(group.lights) == sorted(lights)
    # membership reached the devices
    dimmer = gw.sim("SIM-DL1")
    assert int(gid) in next(iter(dimmer.endpoints.values())).groups
    await api.groups.set_state(gid, on=False)
    await until(lambda: not group.any_on, what="group any_on false")
    for lid in lights:
        await until(lambda lid=lid: api.lights[lid].on is False, what=f"light {lid} off")

    await api.groups.set_state(gid, on=True, brightness=120)
    await until(lambda: group.all_on, what="group all_on")
    r = await gw.http.post(f"/api/{gw.key}/groups/{gid}/scenes", json={"name": "Evening"})
    sid = r.json()[0]["success"]["id"]
    await api.scenes.store(gid, sid)
    await api.groups.set_state(gid, on=True, brightness=10)
    await until(lambda: dimmer.get(None, LevelControl, "current_level") == 10, what="dim")
    await api.scenes.recall(gid, sid)
    await until(lambda: dimmer.get(None, LevelControl, "current_level") == 120, what="recall")
    await api.refresh_state()
    assert f"{gid}_{sid}" in api.scenes


async def test_sensor_config_change(gw: Running, session):
    api = session
    presence = by_type(api, Presence)[0]
    await api.sensors.presence.set_config(presence.resource_id, delay=45, duration=30)
    sim = gw.sim("SIM-MS1")
    await until(lambda: sim.get(None, OccupancySensing, "pir_o_to_u_delay") == 45, what="delay")
    detail = await gw.get(f"/sensors/{presence.resource_id}")
    assert detail["config"]["delay"] == 45 and detail["config"]["duration"] == 30


REPORTS = [
    ("SIM-TH1", TemperatureMeasurement, {"measured_value": 2231}, Temperature,
     lambda s: s.temperature == 2231),
    ("SIM-TH1", RelativeHumidity, {"measured_value": 5120}, Humidity,
     lambda s: s.humidity == 5120),
    ("SIM-TH1", PressureMeasurement, {"measured_value": 998}, Pressure,
     lambda s: s.pressure == 998),
    ("SIM-MS1", OccupancySensing, {"occupancy": 1}, Presence, lambda s: s.presence is True),
    ("SIM-MS1", IlluminanceMeasurement, {"measured_value": 30001}, LightLevel,
     lambda s: s.light_level == 30001),
    ("SIM-PLUG1", Metering, {"current_summ_delivered": 424242}, Consumption,
     lambda s: s.consumption == 424242),
]  # fmt: skip


@pytest.mark.parametrize(("model", "cluster", "values", "cls", "check"), REPORTS)
async def test_device_reports_update_pydeconz_objects(
    gw: Running, session, model, cluster, values, cls, check
):
    sensor = by_type(session, cls)[0]
    gw.network.emit(gw.sim(model).report(None, cluster, values))
    await until(lambda: check(sensor), what=f"{cls.__name__} update")


async def test_ias_zones_power_and_remote_update_pydeconz(gw: Running, session):
    api = session
    door, leak = by_type(api, OpenClose)[0], by_type(api, Water)[0]
    gw.network.emit(gw.sim("SIM-DC1").zone_status_change(alarm1=True))
    gw.network.emit(gw.sim("SIM-WL1").zone_status_change(alarm1=True))
    await until(lambda: door.open is True and leak.water is True, what="IAS alarms")

    power = by_type(api, Power)[0]
    plug = gw.sim("SIM-PLUG1")
    gw.network.emit(plug.report(None, "electrical_measurement", {"active_power": 1234}))
    await until(lambda: power.power is not None and power.power != 0, what="power")

    switch = by_type(api, Switch)[0]
    presses: list[int | None] = []
    switch.subscribe(lambda *args: presses.append(switch.button_event))
    remote = gw.sim("SIM-RC4")
    gw.network.emit(remote.press(1))
    await until(lambda: switch.button_event == 1002, what="button 1002")
    gw.network.emit(remote.press(1))
    await until(lambda: len(presses) >= 2, what="second identical press")
    assert presses[-2:] == [1002, 1002]
