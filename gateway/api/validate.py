"""Strict validators for JSON request values.

Each returns the checked (and normalised) value or raises `Invalid`; the planners turn
that into deCONZ error type 7 with the address that fits the endpoint.

JSON typing rules, stricter than deCONZ where deCONZ is sloppy:
- `true`/`false` are never numbers (Python's `bool` is an `int`; deCONZ's parser agrees
  that they are not).
- Strings are never numbers or booleans (deCONZ accepts `"hue": "100"`; we do not).
- An integral float such as `254.0` counts as the integer 254: JSON has a single number
  type and deCONZ's parser reads every number as a double, so clients that serialise
  floats keep working. A fractional value where an integer is wanted is refused (deCONZ
  would silently round it).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any


class Invalid(ValueError):
    """A value of the wrong JSON type or out of range."""


def is_number(value: Any) -> bool:
    """A finite JSON number; booleans are not numbers."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def as_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Invalid(value)
    return value


def as_int(value: Any, lo: int, hi: int) -> int:
    """An integer in `lo..hi` (inclusive)."""
    if not is_number(value):
        raise Invalid(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise Invalid(value)
        value = int(value)
    if not lo <= value <= hi:
        raise Invalid(value)
    return value


def as_number(value: Any, lo: float, hi: float) -> float:
    """Any finite number in `lo..hi` (inclusive), as a float."""
    if not is_number(value) or not lo <= value <= hi:
        raise Invalid(value)
    return float(value)


def as_str(value: Any, *, max_len: int, min_len: int = 0, strip: bool = True) -> str:
    """A string whose length (after trimming, as deCONZ trims names) is in range."""
    if not isinstance(value, str):
        raise Invalid(value)
    text = value.strip() if strip else value
    if not min_len <= len(text) <= max_len:
        raise Invalid(value)
    return text


def as_int_choice(value: Any, choices: Collection[int]) -> int:
    """An integer from a fixed set (e.g. Zigbee channels 11/15/20/25)."""
    number = as_int(value, min(choices), max(choices))
    if number not in choices:
        raise Invalid(value)
    return number


def as_choice(value: Any, choices: Collection[str]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise Invalid(value)
    return value


def as_str_list(value: Any, *, max_items: int = 1000) -> list[str]:
    """A list of strings, duplicates dropped, order kept."""
    if not isinstance(value, list) or len(value) > max_items:
        raise Invalid(value)
    if not all(isinstance(item, str) for item in value):
        raise Invalid(value)
    return list(dict.fromkeys(value))


def as_id_list(value: Any, *, max_items: int = 1000) -> list[str]:
    """A list of resource ids: decimal strings such as `"3"`, duplicates dropped."""
    ids = as_str_list(value, max_items=max_items)
    if not all(item.isascii() and item.isdecimal() and len(item) <= 10 for item in ids):
        raise Invalid(value)
    return ids


def as_xy(value: Any) -> tuple[float, float]:
    """CIE `[x, y]`: exactly two numbers, each within 0..1."""
    if not isinstance(value, list) or len(value) != 2:
        raise Invalid(value)
    return as_number(value[0], 0.0, 1.0), as_number(value[1], 0.0, 1.0)
