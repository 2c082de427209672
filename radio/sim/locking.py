"""A simulated door lock: Lock/Unlock move the bolt, answer with the command's response
and report LockState (deCONZ binds and configures reporting on it)."""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl import foundation
from zigpy.zcl.clusters.closures import DoorLock
from zigpy.zcl.clusters.general import PowerConfiguration

from .behaviours import handles
from .catalogue import MANUFACTURER, battery
from .device import SimDevice
from .request import Outcome, ZclRequest, respond
from .single import single_endpoint_device


@handles(DoorLock, "lock_door", "unlock_door", "toggle_door")
def _lock(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    state = DoorLock.LockState
    if req.command == "toggle_door":
        locked = ep.get(DoorLock, "lock_state") != state.Locked
    else:
        locked = req.command == "lock_door"
    ep.set(DoorLock, "lock_state", state.Locked if locked else state.Unlocked)
    name = "lock_door_response" if locked else "unlock_door_response"
    return respond(name, status=foundation.Status.SUCCESS)


def door_lock(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-DL-LOCK1",
    manufacturer: str = MANUFACTURER,
    locked: bool = True,
) -> SimDevice:
    """A battery deadbolt (HA Door Lock 0x000A) on a closed door."""
    return single_endpoint_device(
        SimDevice,
        ieee,
        nwk,
        device_type=zha.DeviceType.DOOR_LOCK,
        model=model,
        manufacturer=manufacturer,
        mains=False,
        name=name,
        clusters={
            PowerConfiguration: battery(percent=90, volts=6.0),
            DoorLock: {
                "lock_state": DoorLock.LockState.Locked if locked else DoorLock.LockState.Unlocked,
                "lock_type": DoorLock.LockType.Dead_bolt,
                "actuator_enabled": True,
                "door_state": DoorLock.DoorState.Closed,
            },
        },
    )
