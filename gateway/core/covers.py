"""Window coverings (Window Covering cluster 0x0102) as deCONZ shows them.

`lift` and `tilt` are the percentages *closed* the device reports (0 = open); deCONZ adds
`open` (lift below 100) and the legacy items `bri` (lift scaled to 0..254), `on` (not
fully open) and `sat` (tilt scaled to 0..254) that older clients still read. `tilt` (and
`sat`) exist only on coverings that can tilt (their type says so, or they have reported a
tilt), because Home Assistant offers tilt control exactly when the key is there.
"""

from __future__ import annotations

from typing import Any

from radio.clusters import WINDOW_COVERING
from radio.events import EndpointInfo

from .family import LightFamily, Reader, percent

TYPE = "Window covering device"
ATTR_TYPE = 0x0000  # WindowCoveringType
ATTR_LIFT_PERCENT = 0x0008
ATTR_TILT_PERCENT = 0x0009
TILTING_TYPES = frozenset({0x06, 0x07, 0x08})  # shutter, tilt blind (tilt only, lift+tilt)
DEVICE_TYPE = 0x0202  # HA "Window covering device"


def _claims(ep: EndpointInfo) -> bool:
    return WINDOW_COVERING in ep.in_clusters


def can_tilt(read: Reader) -> bool:
    return read(WINDOW_COVERING, ATTR_TYPE) in TILTING_TYPES or (
        read(WINDOW_COVERING, ATTR_TILT_PERCENT) is not None
    )


def _state(_ep: EndpointInfo, read: Reader) -> dict[str, Any]:
    state: dict[str, Any] = {"bri": None, "lift": None, "on": None, "open": None}
    if can_tilt(read):
        state.update(sat=None, tilt=None)  # `sat`: the legacy tilt, scaled 0..254
    return state


def lift_items(lift: int) -> dict[str, Any]:
    """Every item a lift percentage decides (the legacy `bri` scaled as deCONZ does)."""
    return {"bri": lift * 254 // 100, "lift": lift, "on": lift > 0, "open": lift < 100}


def _lift(read: Reader) -> dict[str, Any]:
    lift = percent(read(WINDOW_COVERING, ATTR_LIFT_PERCENT))
    return {} if lift is None else lift_items(lift)


def _tilt(read: Reader) -> dict[str, Any]:
    tilt = percent(read(WINDOW_COVERING, ATTR_TILT_PERCENT))
    return {} if tilt is None else {"sat": tilt * 254 // 100, "tilt": tilt}


FAMILY = LightFamily(
    "covering",
    TYPE,
    WINDOW_COVERING,
    _claims,
    _state,
    {
        (WINDOW_COVERING, ATTR_LIFT_PERCENT): _lift,
        (WINDOW_COVERING, ATTR_TILT_PERCENT): _tilt,
    },
)
