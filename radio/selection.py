"""Radio type → zigpy ControllerApplication class, imported only when chosen.

Each radio library costs memory and start-up time, so only the one in use is imported.
zigpy's `zigpy.radio` entry points are not used: bellows, zigpy-znp and zigpy-deconz don't
advertise themselves there.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RadioType:
    name: str
    module: str
    description: str
    default_baudrate: int
    class_name: str = "ControllerApplication"

    def controller_class(self) -> type:
        return getattr(importlib.import_module(self.module), self.class_name)


RADIO_TYPES: dict[str, RadioType] = {
    "ezsp": RadioType(
        "ezsp",
        "bellows.zigbee.application",
        "Silicon Labs EmberZNet (Sonoff ZBDongle-E, SkyConnect, ...) via bellows",
        115200,
    ),
    "znp": RadioType(
        "znp",
        "zigpy_znp.zigbee.application",
        "Texas Instruments Z-Stack (Sonoff ZBDongle-P, CC2652 sticks, ...) via zigpy-znp",
        115200,
    ),
    "deconz": RadioType(
        "deconz",
        "zigpy_deconz.zigbee.application",
        "dresden elektronik ConBee / RaspBee via zigpy-deconz",
        38400,
    ),
    "sim": RadioType(
        "sim",
        "radio.sim.radio",
        "Simulated Zigbee network (no hardware needed)",
        115200,
        class_name="VirtualRadio",
    ),
}


AUTO = "auto"
"""`--radio auto`: not a radio library but a request to find the stick and its type
(`radio.detect`); resolved to one of `RADIO_TYPES` before any radio is opened."""


class UnknownRadioType(ValueError):
    pass


def radio_type(name: str) -> RadioType:
    try:
        return RADIO_TYPES[name]
    except KeyError:
        known = ", ".join(sorted(RADIO_TYPES))
        raise UnknownRadioType(f"unknown radio type {name!r} (known: {known})") from None


def controller_class(name: str) -> type:
    """The zigpy ControllerApplication subclass for a radio type name."""
    return radio_type(name).controller_class()
