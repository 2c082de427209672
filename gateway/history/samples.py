"""The points a published deCONZ message carries: one per numeric or boolean sensor state
item (`lastupdated` and text items are not series), in the units the REST API shows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from gateway.core.resources import EventKey, EventType, Message

SKIPPED_KEYS = frozenset({"lastupdated", "lastset"})

_R, _E, _ID, _STATE = EventKey.RESOURCE, EventKey.EVENT, EventKey.ID, EventKey.STATE
_CHANGED = EventType.CHANGED
_INF = float("inf")


class Sample(NamedTuple):
    """One value of one sensor state key at one time (epoch milliseconds). A tuple: one is
    made per report on the event loop, and a tuple is the cheapest typed record to make."""

    sensor: str
    key: str
    ms: int
    value: int | float


def recordable(value: Any) -> int | float | None:
    """The number a state value is stored as: booleans as 0/1, numbers as they are; None
    for anything else (text, lists, null, NaN)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == value and abs(value) != float("inf"):
        return value
    return None


def numbers(state: Mapping[str, Any]) -> Iterator[tuple[str, int | float]]:
    """The items of a sensor state that make series, as the numbers stored."""
    for key, value in state.items():
        if key not in SKIPPED_KEYS:
            number = recordable(value)
            if number is not None:
                yield key, number


def samples_of(message: Message, ms: int) -> list[Sample]:
    """The points in a sensor `changed` message with `state`; none for anything else."""
    state = message.get(_STATE)
    if state is None or message.get(_R) != "sensors" or message.get(_E) != _CHANGED:
        return []
    sensor = message[_ID]
    out = []
    for key, value in state.items():  # numbers(), unrolled: this runs for every report
        if key in SKIPPED_KEYS:
            continue
        kind = type(value)
        if kind is int or (kind is float and -_INF < value < _INF):  # (NaN compares false)
            out.append(Sample(sensor, key, ms, value))
        elif kind is bool:
            out.append(Sample(sensor, key, ms, int(value)))
        elif (number := recordable(value)) is not None:  # int and float subclasses
            out.append(Sample(sensor, key, ms, number))
    return out
