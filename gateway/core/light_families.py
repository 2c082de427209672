"""The light families that are not lamps, in the order they claim an endpoint.

`classify` asks them after deCONZ's device id table and before the On/Off fallback: a
covering, lock or siren endpoint may carry On/Off or Level too (for scenes or a status
LED), but the family cluster is what the device is for.
"""

from __future__ import annotations

from radio.events import EndpointInfo

from . import covers, fans, locks, sirens
from .family import LightFamily

FAMILIES: tuple[LightFamily, ...] = (covers.FAMILY, locks.FAMILY, sirens.FAMILY, fans.FAMILY)
BY_TYPE = {family.type: family for family in FAMILIES}


def claiming(ep: EndpointInfo) -> LightFamily | None:
    return next((family for family in FAMILIES if family.claims(ep)), None)


def of_type(light_type: str) -> LightFamily | None:
    """The family of a light `type`, None for a lamp."""
    return BY_TYPE.get(light_type)
