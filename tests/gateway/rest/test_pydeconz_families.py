"""pydeconz, as Home Assistant uses it, against a real daemon on the demo home: the blind,
the door lock, the fan and the siren load as their own classes, take their commands over
REST down to the simulated devices, and the devices' reports change pydeconz's objects."""

from __future__ import annotations

import logging

import aiohttp
import pytest
import pytest_asyncio
from pydeconz import DeconzSession
from pydeconz.interfaces.lights import CoverAction
from pydeconz.models.light.cover import Cover
from pydeconz.models.light.light import Light, LightFanSpeed
from pydeconz.models.light.lock import Lock
from pydeconz.models.light.siren import Siren
from pydeconz.models.sensor.door_lock import DoorLock, DoorLockLockState
from pydeconz.websocket import State
from zigpy.zcl.clusters.closures import DoorLock as ZclDoorLock
from zigpy.zcl.clusters.closures import WindowCovering
from zigpy.zcl.clusters.hvac import Fan

from tests.gateway.conftest import Running, module_daemon, until

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIFT = "current_position_lift_percentage"
TILT = "current_position_tilt_percentage"


gw = module_daemon("families")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def api(gw: Running):
    async with aiohttp.ClientSession() as http:
        session = DeconzSession(http, "127.0.0.1", gw.daemon.rest.port, api_key=gw.key)
        await session.refresh_state()
        session.start()
        await until(
            lambda: session.websocket is not None and session.websocket.state == State.RUNNING
        )
        await until(lambda: gw.daemon.ws.client_count >= 1, what="ws client")
        yield session
        session.close()


def one(api: DeconzSession, cls: type, type_: str | None = None):
    items = [r for r in api.lights.values() if isinstance(r, cls)]
    items = [r for r in items if type_ is None or r.type == type_]
    assert len(items) == 1, items
    return items[0]


async def test_each_family_loads_as_its_pydeconz_class(gw: Running, caplog):
    with caplog.at_level(logging.WARNING, logger="pydeconz"):
        async with aiohttp.ClientSession() as http:
            fresh = DeconzSession(http, "127.0.0.1", gw.daemon.rest.port, api_key=gw.key)
            await fresh.refresh_state()
    assert [r for r in caplog.records if r.name.startswith("pydeconz")] == []  # no unknown types
    blind = one(fresh, Cover)
    assert blind.type == "Window covering device" and blind.supports_tilt
    assert (blind.lift, blind.tilt, blind.is_open) == (0, 0, True)
    assert one(fresh, Lock).is_locked is True
    assert one(fresh, Siren).is_on is False
    fan = one(fresh, Light, "Fan")
    assert fan.supports_fan_speed and fan.fan_speed is LightFanSpeed.OFF
    (lock_sensor,) = [s for s in fresh.sensors.values() if isinstance(s, DoorLock)]
    assert lock_sensor.lock_state is DoorLockLockState.LOCKED and lock_sensor.is_locked


async def test_covering_moves_reporting_its_way_and_stops(gw: Running, api: DeconzSession):
    blind, sim = one(api, Cover), gw.sim("SIM-WC1")
    seen: list[int] = []
    blind.register_callback(lambda *_: seen.append(blind.lift))

    await api.lights.covers.set_state(blind.resource_id, lift=60)
    await until(lambda: blind.lift == 60, what="pydeconz lift 60")
    assert sim.get(None, WindowCovering, LIFT) == 60
    assert len(set(seen)) >= 3, seen  # positions on the way, not a jump
    assert seen == sorted(seen) and blind.is_open

    await api.lights.covers.set_state(blind.resource_id, action=CoverAction.CLOSE)
    await until(lambda: sim.moving, what="moving down")
    await api.lights.covers.set_state(blind.resource_id, action=CoverAction.STOP)
    await until(lambda: not sim.moving, what="stopped")
    stopped = sim.get(None, WindowCovering, LIFT)
    assert 60 <= stopped < 100
    await until(lambda: blind.lift == stopped, what="pydeconz at the stop position")

    await api.lights.covers.set_state(blind.resource_id, action=CoverAction.CLOSE)
    await until(lambda: blind.lift == 100 and blind.is_open is False, what="closed")
    await api.lights.covers.set_state(blind.resource_id, tilt=30)
    await until(lambda: blind.tilt == 30, what="pydeconz tilt")
    assert sim.get(None, WindowCovering, TILT) == 30


async def test_a_group_of_coverings_moves_together(gw: Running, api: DeconzSession):
    blind, sim = one(api, Cover), gw.sim("SIM-WC1")
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Blinds"})
    gid = r.json()[0]["success"]["id"]
    assert (await gw.put(f"/groups/{gid}", {"lights": [blind.resource_id]})).status_code == 200
    await until(lambda: int(gid) in sim.endpoints[1].groups, what="blind in the group")
    r = await gw.put(f"/groups/{gid}/action", {"lift": 20})
    assert r.json() == [{"success": {f"/groups/{gid}/action/lift": 20}}]
    await until(lambda: blind.lift == 20, what="group lift")
    r = await gw.put(f"/groups/{gid}/action", {"open": True})
    assert r.json() == [{"success": {f"/groups/{gid}/action/open": True}}]
    await until(lambda: blind.lift == 0 and blind.is_open, what="group open")
    r = await gw.put(f"/groups/{gid}/action", {"lift": 101})
    assert r.status_code == 400 and r.json()[0]["error"]["type"] == 7


async def test_lock_locks_and_unlocks_from_both_resources(gw: Running, api: DeconzSession):
    lock, sim = one(api, Lock), gw.sim("SIM-DL-LOCK1")
    (sensor,) = [s for s in api.sensors.values() if isinstance(s, DoorLock)]
    await api.lights.locks.set_state(lock.resource_id, lock=False)
    await until(lambda: sim.get(None, ZclDoorLock, "lock_state") == 2, what="sim unlocked")
    await until(lambda: lock.is_locked is False, what="pydeconz lock unlocked")
    await until(lambda: sensor.lock_state is DoorLockLockState.UNLOCKED, what="sensor")

    await api.sensors.door_lock.set_config(sensor.resource_id, lock=True)
    await until(lambda: sim.get(None, ZclDoorLock, "lock_state") == 1, what="sim locked")
    await until(lambda: lock.is_locked and sensor.is_locked, what="both locked")


async def test_fan_speed_goes_to_the_fan_and_its_reports_come_back(gw: Running, api):
    fan, sim = one(api, Light, "Fan"), gw.sim("SIM-FAN1")
    await api.lights.lights.set_state(fan.resource_id, fan_speed=LightFanSpeed.PERCENT_75)
    await until(lambda: sim.get(None, Fan, "fan_mode") == Fan.FanMode.High, what="sim high")
    assert fan.fan_speed is LightFanSpeed.PERCENT_75 and fan.on
    gw.network.emit(sim.report(None, Fan, {"fan_mode": Fan.FanMode.Low}))  # its own button
    await until(lambda: fan.fan_speed is LightFanSpeed.PERCENT_25, what="reported low")
    await api.lights.lights.set_state(fan.resource_id, on=False)
    await until(lambda: sim.get(None, Fan, "fan_mode") == Fan.FanMode.Off, what="sim off")
    await until(lambda: fan.on is False and fan.fan_speed is LightFanSpeed.OFF, what="off")


async def test_siren_sounds_for_its_duration_and_stops(gw: Running, api: DeconzSession):
    siren, sim = one(api, Siren), gw.sim("SIM-SIREN1")
    await api.lights.sirens.set_state(siren.resource_id, on=True, duration=45)
    await until(lambda: sim.sounding, what="siren sounding")
    assert sim.warning.mode == 1 and sim.warning.strobe
    assert 40 <= sim.warning.until - sim.clock() <= 45  # ontime: seconds, as deCONZ reads it
    await until(lambda: siren.is_on, what="pydeconz siren on")
    await api.lights.sirens.set_state(siren.resource_id, on=False)
    await until(lambda: not sim.sounding, what="siren silent")
    await until(lambda: siren.is_on is False, what="pydeconz siren off")
