"""Door locks (Door Lock cluster 0x0101): a "Door Lock" light and a ZHADoorLock sensor.

deCONZ shows a lock twice, and Home Assistant uses both: the light's `state.on` is
"locked" (its lock entity), the sensor's `state.lockstate` names the bolt's position in
words and `config.lock` is what to set it to (`PUT config {"lock": true}` locks it).
Both follow the LockState attribute the lock reports.
"""

from __future__ import annotations

from typing import Any

from radio.clusters import DOOR_LOCK
from radio.events import EndpointInfo

from . import sensors
from .family import LightFamily, Reader
from .resources import Sensor

TYPE = "Door Lock"
ATTR_LOCK_STATE = 0x0000
ATTR_DOOR_STATE = 0x0003
LOCKED = 1
LOCK_STATES = {0: "not fully locked", 1: "locked", 2: "unlocked"}  # else "undefined"
DOOR_OPEN = 0  # DoorState: 0 open, 1 closed, 2.. errors, 0xFF undefined
DOOR_CLOSED = 1


def _claims(ep: EndpointInfo) -> bool:
    return DOOR_LOCK in ep.in_clusters


def _state(_ep: EndpointInfo, _read: Reader) -> dict[str, Any]:
    return {"on": None}


def _locked(read: Reader) -> dict[str, Any]:
    value = read(DOOR_LOCK, ATTR_LOCK_STATE)
    return {} if value is None else {"on": value == LOCKED}


FAMILY = LightFamily(
    "lock", TYPE, DOOR_LOCK, _claims, _state, {(DOOR_LOCK, ATTR_LOCK_STATE): _locked}
)


# --- the ZHADoorLock sensor ---------------------------------------------------------------


def _lock_state(_sensor: Sensor, read: Reader) -> sensors.Changes | None:
    value = read(DOOR_LOCK, ATTR_LOCK_STATE)
    if value is None:
        return None
    word = LOCK_STATES.get(value, "undefined") if isinstance(value, int) else "undefined"
    return {"state": {"lockstate": word}, "config": {"lock": value == LOCKED}}


def _door_state(_sensor: Sensor, read: Reader) -> sensors.Changes | None:
    value = read(DOOR_LOCK, ATTR_DOOR_STATE)
    if value not in (DOOR_OPEN, DOOR_CLOSED):
        return None
    return {"state": {"open": value == DOOR_OPEN}}


SENSOR = sensors.SensorSpec(
    "ZHADoorLock",
    DOOR_LOCK,
    {"lockstate": None, "open": None},
    {"lock": None},
    {ATTR_LOCK_STATE: _lock_state, ATTR_DOOR_STATE: _door_state},
)
sensors.register_family_spec(SENSOR)
