"""The points a published deCONZ message carries: one per numeric or boolean sensor state
item (`lastupdated` and text items are not series), in the units the REST API shows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core.resources import EventKey, EventType, Message

SKIPPED_KEYS = frozenset({"lastupdated", "lastset"})

_R, _E, _ID, _STATE = EventKey.RESOURCE, EventKey.EVENT, EventKey.ID, EventKey.STATE
_CHANGED = EventType.CHANGED


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one sensor state key at one time (epoch milliseconds)."""

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
    return [Sample(sensor, key, ms, number) for key, number in numbers(state)]
