"""The light families that are not lamps in the core: which endpoints they claim, the state
deCONZ shows for each, how reports change it, and pydeconz reading the result."""

from __future__ import annotations

import json
import logging

import family_zoo as fz
from core_zoo import HA
from pydeconz.gateway import DeconzSession
from pydeconz.models.light.cover import Cover
from pydeconz.models.light.light import Light
from pydeconz.models.light.lock import Lock
from pydeconz.models.light.siren import Siren
from pydeconz.models.sensor.door_lock import DoorLock

from gateway.core.store import Store
from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource


def light_of(store: Store, ieee: str):
    (light,) = [r for r in store.resources_of_device(ieee) if r.r == "lights"]
    return light


def test_each_family_is_its_deconz_type_with_its_state(store: Store, joined):
    for device in (fz.roller_blind(), fz.venetian_blind(), fz.door_lock(), fz.ceiling_fan(),
                   fz.siren()):  # fmt: skip
        joined(device)
    roller = light_of(store, fz.BLIND_IEEE)
    assert roller.type == "Window covering device"
    assert roller.state == {
        "bri": 76, "lift": 30, "on": True, "open": True, "reachable": True,
    }  # fmt: skip
    venetian = light_of(store, fz.VENETIAN_IEEE)
    tilted = venetian.state
    assert (tilted["tilt"], tilted["sat"], tilted["open"]) == (45, 114, True)
    lock = light_of(store, fz.LOCK_IEEE)
    assert (lock.type, lock.state) == ("Door Lock", {"on": True, "reachable": True})
    fan = light_of(store, fz.FAN_IEEE)
    assert (fan.type, fan.state) == ("Fan", {"on": True, "reachable": True, "speed": 2})
    siren = light_of(store, fz.SIREN_IEEE)
    assert (siren.type, siren.state) == ("Warning device", {"alert": "none", "reachable": True})
    assert siren.capabilities["alerts"] == ["none", "select", "lselect", "blink", "all"]

    (sensor,) = [r for r in store.resources_of_device(fz.LOCK_IEEE) if r.r == "sensors"]
    assert sensor.type == "ZHADoorLock" and sensor.uniqueid.endswith("-01-0101")
    assert sensor.state["lockstate"] == "locked" and sensor.state["open"] is False
    assert sensor.config["lock"] is True and sensor.config["battery"] == 90


def test_reports_move_the_covering_lock_and_fan(store: Store, joined, rx):
    for device in (fz.roller_blind(), fz.door_lock(), fz.ceiling_fan()):
        joined(device)
    out = store.handle(rx.report(fz.BLIND_IEEE, 1, 0x0102, 0x0008, 100))
    blind = light_of(store, fz.BLIND_IEEE)
    assert (blind.state["lift"], blind.state["bri"], blind.state["open"]) == (100, 254, False)
    assert [m["state"]["lift"] for m in out if "state" in m] == [100]
    assert store.handle(rx.report(fz.BLIND_IEEE, 1, 0x0102, 0x0008, 0xFF)) == []  # unknown
    assert blind.state["lift"] == 100

    store.handle(rx.report(fz.LOCK_IEEE, 1, 0x0101, 0x0000, 2))
    assert light_of(store, fz.LOCK_IEEE).state["on"] is False
    (sensor,) = [r for r in store.resources_of_device(fz.LOCK_IEEE) if r.r == "sensors"]
    assert sensor.state["lockstate"] == "unlocked" and sensor.config["lock"] is False
    store.handle(rx.report(fz.LOCK_IEEE, 1, 0x0101, 0x0000, 0xFF))
    assert sensor.state["lockstate"] == "undefined"

    store.handle(rx.report(fz.FAN_IEEE, 1, 0x0202, 0x0000, 0))
    assert light_of(store, fz.FAN_IEEE).state == {"on": False, "reachable": True, "speed": 0}
    store.handle(rx.report(fz.FAN_IEEE, 1, 0x0202, 0x0000, 9))  # not a FanMode: ignored
    assert light_of(store, fz.FAN_IEEE).state["speed"] == 0


def _one_endpoint(device_type: int, clusters: tuple[int, ...]) -> DeviceInfo:
    ep = EndpointInfo(1, HA, device_type, clusters, ())
    return DeviceInfo(fz.FAN_IEEE, 0x0F02, "Acme", "X-1", PowerSource.MAINS,
                      LogicalType.ROUTER, (ep,))  # fmt: skip


def test_fan_control_on_a_thermostat_or_a_lamp_is_not_a_fan(store: Store, joined):
    joined(_one_endpoint(0x0301, (0x0000, 0x0201, 0x0202)))  # a thermostat's fan mode
    assert [r.type for r in store.resources_of_device(fz.FAN_IEEE) if r.r == "lights"] == []


def test_a_ceiling_light_with_a_fan_keeps_its_lamp_type_and_gains_speed(store: Store, joined, rx):
    joined(_one_endpoint(0x0101, (0x0000, 0x0006, 0x0008, 0x0202)))
    light = light_of(store, fz.FAN_IEEE)
    assert light.type == "Dimmable light" and "speed" in light.state
    store.handle(rx.report(fz.FAN_IEEE, 1, 0x0202, 0x0000, 3))
    assert light.state["speed"] == 3


def test_a_restart_rebuilds_the_families_silently_from_the_cache(persistence, clock, rx):
    store = Store(persistence, clock=clock)
    store.handle(rx.join(fz.venetian_blind()))
    again = Store(persistence, clock=clock)
    assert again.handle(rx.join(fz.venetian_blind(), restored=True)) == []
    blind = light_of(again, fz.VENETIAN_IEEE)
    assert (blind.id, blind.state["tilt"], blind.state["lift"]) == ("1", 45, 0)


def test_pydeconz_reads_every_family_as_its_class(store: Store, joined, caplog):
    for device in (fz.venetian_blind(), fz.door_lock(), fz.ceiling_fan(), fz.siren()):
        joined(device)
    session = DeconzSession(None, "127.0.0.1", 80, "KEY")  # type: ignore[arg-type]

    def wire(value):
        return json.loads(json.dumps(value, sort_keys=True))

    with caplog.at_level(logging.WARNING):
        session.lights.process_raw(wire(store.lights_json()))
        session.sensors.process_raw(wire(store.sensors_json()))
    assert caplog.records == []
    kinds = {type(light).__name__: light for light in session.lights.values()}
    assert set(kinds) == {"Cover", "Lock", "Light", "Siren"}
    assert isinstance(kinds["Cover"], Cover) and kinds["Cover"].tilt == 45
    assert isinstance(kinds["Lock"], Lock) and kinds["Lock"].is_locked
    assert isinstance(kinds["Light"], Light) and kinds["Light"].fan_speed == 2
    assert isinstance(kinds["Siren"], Siren) and kinds["Siren"].is_on is False
    (sensor,) = session.sensors.values()
    assert isinstance(sensor, DoorLock) and sensor.is_locked
