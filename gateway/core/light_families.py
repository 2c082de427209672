"""The light families that are not lamps, in the order they claim an endpoint.

A covering, lock or siren endpoint often carries On/Off or Level too (for scenes or a
status LED); the family cluster is what the device is for, so families are asked before
the lamp table.
"""

from __future__ import annotations

from radio.events import EndpointInfo

from . import covers, fans, locks, sirens
from .family import LightFamily

FAMILIES: tuple[LightFamily, ...] = (covers.FAMILY, locks.FAMILY, sirens.FAMILY, fans.FAMILY)
BY_NAME = {family.name: family for family in FAMILIES}


def classify(ep: EndpointInfo) -> LightFamily | None:
    return next((family for family in FAMILIES if family.claims(ep)), None)


def of(name: str) -> LightFamily | None:
    """The family a light was built as (`LightFeatures.family`), None for a lamp."""
    return BY_NAME.get(name) if name else None
