"""Fans (Fan Control cluster 0x0202) as deCONZ shows them: a "Fan" light with `speed`.

`speed` is the FanMode attribute as is (0 off, 1-3 low/medium/high, 4 on, 5 auto, 6 smart),
which pydeconz names 0 %, 25 %, 50 %, 75 %, 100 %, auto and comfort breeze. A fan endpoint
without an On/Off cluster still publishes `on` (the fan turns), since every pydeconz light
reads it. An endpoint that is a lamp *and* has Fan Control stays a lamp with a `speed` item
(`lights.py`); a thermostat's Fan Control is its `config.fanmode`, not a fan.
"""

from __future__ import annotations

from typing import Any

from radio.clusters import FAN_CONTROL, ON_OFF, THERMOSTAT
from radio.events import EndpointInfo

from .family import LightFamily, Reader

TYPE = "Fan"
ATTR_FAN_MODE = 0x0000
MODE_OFF, MODE_ON = 0, 4
MAX_SPEED = 6


def _claims(ep: EndpointInfo) -> bool:
    clusters = ep.in_clusters
    return FAN_CONTROL in clusters and ON_OFF not in clusters and THERMOSTAT not in clusters


def _state(_ep: EndpointInfo, _read: Reader) -> dict[str, Any]:
    return {"on": None, "speed": None}


def speed(read: Reader) -> dict[str, Any]:
    """`speed` from FanMode; unknown modes (a future ZCL value) are not published."""
    mode = read(FAN_CONTROL, ATTR_FAN_MODE)
    if not isinstance(mode, int) or not 0 <= mode <= MAX_SPEED:
        return {}
    return {"speed": mode}


def _speed_and_on(read: Reader) -> dict[str, Any]:
    items = speed(read)
    if items:
        items["on"] = items["speed"] != MODE_OFF
    return items


FAMILY = LightFamily(
    "fan", TYPE, FAN_CONTROL, _claims, _state, {(FAN_CONTROL, ATTR_FAN_MODE): _speed_and_on}
)
