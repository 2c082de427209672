"""A subscription's filter: which events (and which resources of a snapshot) it takes.

Every key is optional and a list of accepted values (absent: all); an event matches when
it matches every key given. `type` (the resource type, `ZHATemperature`) is not in a
`changed` event, so it is looked up by resource; `parts` (the sub-object a `changed` event
carries: `state`, `config`, `attr`, `name`, `capabilities`) concerns `changed` events only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RESOURCES = ("lights", "sensors", "groups", "scenes")
EVENTS = ("added", "changed", "deleted", "scene-called")
PARTS = ("state", "config", "attr", "name", "capabilities")
SNAPSHOT_RESOURCES = ("lights", "sensors", "groups")
MAX_VALUES = 1000

TypeOf = Callable[[str, str], str | None]
"""(r, id) → the resource's `type`, None when it is unknown (or gone)."""


class FilterError(ValueError):
    """The filter is not one: the message says why (answered as `bad_request`)."""


@dataclass(frozen=True, slots=True)
class Filter:
    r: frozenset[str] | None = None
    id: frozenset[str] | None = None
    uniqueid: frozenset[str] | None = None
    type: frozenset[str] | None = None
    e: frozenset[str] | None = None
    parts: frozenset[str] | None = None

    @classmethod
    def parse(cls, raw: Any) -> Filter:
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise FilterError("filter must be an object")
        unknown = set(raw) - {"r", "id", "uniqueid", "type", "e", "parts"}
        if unknown:
            raise FilterError(f"unknown filter key {sorted(unknown)[0]!r}")
        values = {key: _strings(key, value) for key, value in raw.items()}
        for key, allowed in (("r", RESOURCES), ("e", EVENTS), ("parts", PARTS)):
            bad = values.get(key, frozenset()) - set(allowed)
            if bad:
                raise FilterError(f"filter {key}: {sorted(bad)[0]!r} is not one of {allowed}")
        return cls(**values)

    @property
    def everything(self) -> bool:
        return self == _ALL

    def matches(self, event: Mapping[str, Any], type_of: TypeOf) -> bool:
        """Does this deCONZ event (decoded) pass?"""
        if self.r is not None and event.get("r") not in self.r:
            return False
        if self.id is not None and event.get("id") not in self.id:
            return False
        if self.e is not None and event.get("e") not in self.e:
            return False
        if self.uniqueid is not None and event.get("uniqueid") not in self.uniqueid:
            return False
        if (
            self.parts is not None
            and event.get("e") == "changed"
            and not any(part in event for part in self.parts)
        ):
            return False
        if self.type is not None:
            return _event_type(event, type_of) in self.type
        return True

    def matches_resource(self, r: str, rid: str, obj: Mapping[str, Any]) -> bool:
        """Does this resource (as GET shows it) belong in a snapshot?"""
        return (
            (self.r is None or r in self.r)
            and (self.id is None or rid in self.id)
            and (self.uniqueid is None or obj.get("uniqueid") in self.uniqueid)
            and (self.type is None or obj.get("type") in self.type)
        )


_ALL = Filter()


def _strings(key: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FilterError(f"filter {key} must be a list of strings")
    if len(value) > MAX_VALUES:
        raise FilterError(f"filter {key} takes at most {MAX_VALUES} values")
    return frozenset(value)


def _event_type(event: Mapping[str, Any], type_of: TypeOf) -> str | None:
    for noun in ("light", "sensor", "group"):  # an `added` event carries the resource
        body = event.get(noun)
        if isinstance(body, dict):
            return body.get("type")
    r, rid = event.get("r"), event.get("id")
    if isinstance(r, str) and isinstance(rid, str):
        return type_of(r, rid)
    return None
