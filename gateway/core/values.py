"""deCONZ's value rules on plain numbers, shared by the planners (`gateway.api`) and the store.

A light holds its state in ZCL units and reports it back in them, so every value a client
sends is published the way the light will report it: the REST reply, the optimistic
websocket push and the light's own later report are then the same number, and a client
sees one `changed` event per attribute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

BRI_MAX = 254
SAT_MAX = 254
HUE_MAX = 65535
CT_MIN_DEFAULT = 153  # 6500 K, for a light that has not reported its limits
CT_MAX_DEFAULT = 500  # 2000 K
CT_ZCL_MAX = 0xFEFF  # the largest ColorTemperatureMireds ZCL allows
XY_RAW_MAX = 0xFEFF  # deCONZ clamps CurrentX/Y here, which publishes as 0.9961

ALL_LIGHTS_GROUP = "0"
"""The hidden all-lights group: every light is a member, never listed in `GET /groups`."""
ALL_LIGHTS_ADDRESS = 0xFFF0
"""Its Zigbee group address (deCONZ uses 0xFFF0)."""


def clamp(value: Any, lo: int, hi: int) -> int:
    return min(max(int(value), lo), hi)


def clamp_bri(value: Any) -> int:
    return clamp(value, 0, BRI_MAX)


def clamp_sat(value: Any) -> int:
    return clamp(value, 0, SAT_MAX)


def clamp_hue(value: Any) -> int:
    return clamp(value, 0, HUE_MAX)


def clamp_ct(value: Any, limits: tuple[int, int] | None) -> int:
    """Into the light's `(ctmin, ctmax)` (deCONZ clamps rather than rejects), and within
    ZCL's range; None when the limits are unknown."""
    lo, hi = limits or (0, CT_ZCL_MAX)
    return clamp(clamp(value, lo, hi), 0, CT_ZCL_MAX)


def hue_to_8bit(hue: int) -> int:
    """16-bit REST hue as ZCL CurrentHue (0..254 covers the full circle)."""
    return round(hue * 254 / 65535)


def hue_from_8bit(raw: Any) -> int:
    """ZCL CurrentHue as REST hue, for a light without EnhancedCurrentHue."""
    return clamp(int(raw) * 256, 0, HUE_MAX)


def xy_from_raw(raw: Any) -> float:
    """CurrentX/Y (0..65535) → published 0..0.9961 with four decimals (deCONZ's rule)."""
    raw = clamp(raw, 0, XY_RAW_MAX)
    return math.floor(raw / 6.5535 + 0.5) / 10000


def xy_to_raw(value: float) -> int:
    """A REST x or y as the CurrentX/Y the light is sent."""
    return min(max(math.floor(float(value) * 65535 + 0.5), 0), XY_RAW_MAX)


def round_xy(value: float) -> float:
    """A client's x or y as the light will report it back."""
    return xy_from_raw(xy_to_raw(value))


def group_on(members: Iterable[tuple[bool, bool]]) -> dict[str, bool]:
    """`any_on`/`all_on` over the members' `(reachable, on)`; deCONZ ignores unreachable
    lights, and a group without a reachable member is neither."""
    ons = [on for reachable, on in members if reachable]
    return {"all_on": bool(ons) and all(ons), "any_on": any(ons)}


def group_address(group_id: str) -> int:
    """The Zigbee group address behind a REST group id."""
    return ALL_LIGHTS_ADDRESS if group_id == ALL_LIGHTS_GROUP else int(group_id)


def group_id(address: int) -> str:
    """The REST group id of a Zigbee group address."""
    return ALL_LIGHTS_GROUP if address == ALL_LIGHTS_ADDRESS else str(address)
