"""The deCONZ resource objects: `Light`, `Sensor`, `Group`, `Scene`.

Each device resource keeps its public items in four dicts that mirror the JSON
sub-objects (`attr` holds the top-level attributes), so `to_json()` is a plain merge and a
websocket `changed` message is a view of one dict. Every change goes through `update()`,
which records which items changed since the last push; `take_messages()` turns those
records into one message per sub-object, honouring `websocketnotifyall`.

The messages are plain dicts (`Message`) keyed by the deCONZ wire names, which are named
once here (`EventKey`, `EventType`) as pydeconz names them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, ClassVar

from .notify_forms import Forms, Message, changed_message


def deconz_json(obj: Any) -> str:
    """JSON as deCONZ writes it, on the REST API and the websocket alike: compact, keys
    sorted, UTF-8 kept."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


"""A deCONZ websocket event as the core returns it, ready to encode as JSON."""


class EventKey(StrEnum):
    """The keys of a deCONZ websocket event."""

    TYPE = "t"
    EVENT = "e"
    RESOURCE = "r"
    ID = "id"
    UNIQUE_ID = "uniqueid"
    GROUP_ID = "gid"
    SCENE_ID = "scid"
    ATTRIBUTE = "attr"
    CAPABILITIES = "capabilities"
    CONFIG = "config"
    NAME = "name"
    STATE = "state"


class EventType(StrEnum):
    """The value of `e`: what happened to the resource."""

    ADDED = "added"
    CHANGED = "changed"
    DELETED = "deleted"
    SCENE_CALLED = "scene-called"


TYPE_EVENT = "event"
"""The value of `t`: deCONZ sends no other message type on its websocket."""

# Every message starts with these keys; an Enum member lookup costs as much as building
# the rest of the message, so the hot path looks them up once, here.
_E, _ID, _R, _T, _UID = (
    EventKey.EVENT,
    EventKey.ID,
    EventKey.RESOURCE,
    EventKey.TYPE,
    EventKey.UNIQUE_ID,
)
_CHANGED = EventType.CHANGED

PUSHED_SECTIONS = tuple(
    key.value
    for key in (EventKey.STATE, EventKey.CONFIG, EventKey.CAPABILITIES, EventKey.ATTRIBUTE)
)
"""The sub-objects a `changed` message carries, one message each, in this order (plain
strings: they are also attribute names of `DeviceResource`)."""

# A per-process salt: etags change across restarts even if the revision counters repeat,
# so a client's cached `If-None-Match` never matches a rebuilt resource by accident.
_ETAG_SALT = os.urandom(8).hex()
_ETAG_COUNTER = itertools.count()


def copy_json(value: Any) -> Any:
    """Copy of a JSON-like value; callers may keep or mutate what they get."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [copy_json(v) for v in value]
    return value


def same_value(a: Any, b: Any) -> bool:
    """Equality that tells `True` from `1` and `0` from `0.0` (deCONZ items are typed)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


class Tracked:
    """Something with an `etag` that is regenerated on every change.

    Etags come from one process-wide counter, so a resource re-created under the same id
    (a group deleted and made again, a retyped sensor) never repeats an old etag."""

    r: ClassVar[str]
    # Slots throughout: a network has hundreds of resources, and an instance dict costs
    # more than the few items most of them hold.
    __slots__ = ("etag", "id")

    def __init__(self, id: str) -> None:
        self.id = id
        self.etag = ""
        self.touch()

    def touch(self) -> None:
        seed = f"{_ETAG_SALT}/{next(_ETAG_COUNTER)}"
        self.etag = hashlib.md5(seed.encode(), usedforsecurity=False).hexdigest()

    def event(self, e: EventType, **extra: Any) -> Message:
        """A websocket event about this resource; `extra` are its other top-level keys."""
        return {_E: e, _ID: self.id, _R: self.r, _T: TYPE_EVENT, **extra}


class DeviceResource(Tracked):
    """A light or sensor: one endpoint (and, for sensors, one cluster) of a device."""

    noun: ClassVar[str]
    __slots__ = (
        "_pending",
        "attr",
        "capabilities",
        "config",
        "endpoint",
        "ieee",
        "lastseen_at",
        "state",
        "top",
        "uniqueid",
    )

    def __init__(
        self,
        id: str,
        uniqueid: str,
        ieee: str,
        endpoint: int,
        *,
        attr: dict[str, Any],
        state: dict[str, Any],
        config: dict[str, Any],
        capabilities: dict[str, Any],
        top: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(id)
        self.uniqueid = uniqueid
        self.ieee = ieee
        self.endpoint = endpoint
        self.attr = attr
        self.state = state
        self.config = config
        self.capabilities = capabilities
        # Top-level items that are not pushed as `attr` (they follow `capabilities`).
        self.top = top or {}
        self.lastseen_at: float | None = None  # when `attr.lastseen` was last advanced
        # Keys changed since the last push, by pushed section; a section is here only while
        # it has some (most resources have none most of the time).
        self._pending: dict[str, set[str]] = {}

    @property
    def name(self) -> str:
        return str(self.attr.get("name", ""))

    @property
    def type(self) -> str:
        return str(self.attr["type"])

    def section(self, name: str) -> dict[str, Any]:
        return getattr(self, name)  # type: ignore[no-any-return]

    def update(
        self, section: str, values: Mapping[str, Any], *, push: Iterable[str] = ()
    ) -> set[str]:
        """Set items of one sub-object; returns the keys whose value changed.

        Keys in `push` are pushed even when unchanged (deCONZ "push on set" items such as
        `lastupdated` and `buttonevent`).
        """
        target = self.section(section)
        changed = {k for k, v in values.items() if k not in target or not same_value(target[k], v)}
        for key in changed:
            target[key] = copy_json(values[key])
        forced = set(push) & values.keys()
        if changed or forced:
            self.touch()
            if section in PUSHED_SECTIONS:
                self._pending.setdefault(section, set()).update(changed, forced)
        return changed

    def set_lastseen(self, value: str | None) -> bool:
        """`attr.lastseen` travels in its own rate-limited message, not with other attrs."""
        if self.attr.get("lastseen") == value:
            return False
        self.attr["lastseen"] = value
        self.touch()
        return True

    def pending_keys(self, section: str) -> set[str]:
        return set(self._pending.get(section, ()))

    def discard_changes(self) -> None:
        self._pending.clear()

    def event(self, e: EventType, **extra: Any) -> Message:
        return {_E: e, _ID: self.id, _R: self.r, _T: TYPE_EVENT, _UID: self.uniqueid, **extra}

    def take_messages(self, notify_all: bool) -> list[Message]:
        """One `changed` message per sub-object with a changed item, then forget them."""
        messages = []
        for section in PUSHED_SECTIONS:
            keys = self._pending.pop(section, None)
            if not keys:
                continue
            data = self.section(section)
            if notify_all:
                body, forms = copy_json(data), Forms(section, keys)
            else:
                body = {k: copy_json(data[k]) for k in sorted(keys) if k in data}
                forms = Forms(section, keys, copy_json(data))
            messages.append(changed_message(self.event(_CHANGED, **{section: body}), forms))
        return messages

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = copy_json(self.attr)
        obj.update(copy_json(self.top))
        obj["capabilities"] = copy_json(self.capabilities)
        obj["config"] = copy_json(self.config)
        obj["etag"] = self.etag
        obj["state"] = copy_json(self.state)
        return obj

    def view(self) -> dict[str, Any]:
        """The same object as `to_json()`, sharing this resource's sub-objects instead of
        copying them: for a response encoded in the same synchronous call, never to be
        kept or changed. The copies were 75 % of `GET /api/<key>` and most of its garbage."""
        obj = {**self.attr, **self.top}
        obj["capabilities"] = self.capabilities
        obj["config"] = self.config
        obj["etag"] = self.etag
        obj["state"] = self.state
        return obj

    def added_event(self) -> Message:
        return self.event(EventType.ADDED, **{self.noun: self.to_json()})


class Light(DeviceResource):
    r = "lights"
    noun = "light"
    __slots__ = ("features",)

    def __init__(self, *args: Any, features: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.features = features  # lights.LightFeatures: what the light can do

    @property
    def reachable(self) -> bool:
        return self.state.get("reachable") is True

    @property
    def is_on(self) -> bool:
        return self.state.get("on") is True


class Sensor(DeviceResource):
    r = "sensors"
    noun = "sensor"
    __slots__ = ("cluster", "spec")

    def __init__(self, *args: Any, spec: Any, cluster: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec  # sensors.SensorSpec: the table row this sensor follows
        self.cluster = cluster  # the uniqueid cluster suffix

    @property
    def reachable(self) -> bool:
        return self.config.get("reachable") is True


DEFAULT_ACTION: dict[str, Any] = {
    "alert": "none",
    "bri": 127,
    "colormode": "hs",
    "ct": 0,
    "effect": "none",
    "hue": 0,
    "on": False,
    "sat": 127,
    "scene": "",
    "xy": [0, 0],
}


@dataclass(slots=True)
class SceneLight:
    """One light's stored values in a scene; None means "not part of the scene"."""

    on: bool | None = None
    bri: int | None = None
    colormode: str | None = None
    x: float | None = None
    y: float | None = None
    ct: int | None = None
    hue: int | None = None
    sat: int | None = None
    transitiontime: int = 10

    _COLOR_KEYS: ClassVar[dict[str, tuple[str, ...]]] = {
        "xy": ("x", "y"),
        "ct": ("ct",),
        "hs": ("hue", "sat"),
    }

    def to_json(self, light_id: str) -> dict[str, Any]:
        obj: dict[str, Any] = {"id": light_id, "transitiontime": self.transitiontime}
        for key in ("on", "bri", "colormode", *self._COLOR_KEYS.get(self.colormode or "", ())):
            if (value := getattr(self, key)) is not None:
                obj[key] = value
        return obj

    def to_dict(self) -> dict[str, Any]:
        """Compact form for persistence."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SceneLight:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class Scene:
    r: ClassVar[str] = "scenes"  # the `r` of a scene-called event

    id: str
    name: str
    transitiontime: int = 10
    lights: dict[str, SceneLight] = field(default_factory=dict)

    def light_ids(self) -> list[str]:
        return sorted(self.lights, key=int)

    def summary_json(self) -> dict[str, Any]:
        """The entry in a group's `scenes` list."""
        return {
            "id": self.id,
            "lightcount": len(self.lights),
            "name": self.name,
            "transitiontime": self.transitiontime,
        }

    def listing_json(self) -> dict[str, Any]:
        """`GET /groups/<gid>/scenes` entry."""
        return {
            "lights": self.light_ids(),
            "name": self.name,
            "transitiontime": self.transitiontime,
        }

    def to_json(self) -> dict[str, Any]:
        """`GET /groups/<gid>/scenes/<sid>`."""
        return {
            "lights": [self.lights[lid].to_json(lid) for lid in self.light_ids()],
            "name": self.name,
            "state": 0,
        }


class Group(Tracked):
    """A Zigbee group; `action` caches the last command sent to it (not a reading)."""

    r = "groups"
    __slots__ = (
        "_pending_name",
        "_pending_state",
        "action",
        "class_",
        "devicemembership",
        "hidden",
        "lights",
        "name",
        "scenes",
        "state",
        "type",
        "uniqueid",
    )

    def __init__(
        self,
        id: str,
        name: str,
        type: str = "LightGroup",
        class_: str | None = None,
        lights: Iterable[str] = (),
        hidden: bool = False,
        uniqueid: str | None = None,
    ) -> None:
        super().__init__(id)
        self.name = name
        self.type = type
        self.class_ = class_
        self.lights: list[str] = list(lights)
        self.hidden = hidden
        self.uniqueid = uniqueid
        self.action: dict[str, Any] = copy_json(DEFAULT_ACTION)
        self.state: dict[str, Any] = {"all_on": False, "any_on": False}
        self.scenes: dict[str, Scene] = {}
        self.devicemembership: list[str] = []
        self._pending_state: set[str] = set()
        self._pending_name = False

    def update_state(self, values: Mapping[str, Any]) -> set[str]:
        changed = {k for k, v in values.items() if not same_value(self.state.get(k), v)}
        if changed:
            self.state.update({k: values[k] for k in changed})
            self._pending_state |= changed
            self.touch()
        return changed

    def set_name(self, name: str) -> bool:
        if name == self.name:
            return False
        self.name = name
        self._pending_name = True
        self.touch()
        return True

    def discard_changes(self) -> None:
        self._pending_state.clear()
        self._pending_name = False

    def take_messages(self, notify_all: bool) -> list[Message]:
        """Groups push only `state` (any_on/all_on) and a top-level `name`."""
        messages = []
        if self._pending_state:
            changed = set(self._pending_state)
            if notify_all:
                state, forms = dict(self.state), Forms(EventKey.STATE.value, changed)
            else:
                state = {k: self.state[k] for k in sorted(changed)}
                forms = Forms(EventKey.STATE.value, changed, dict(self.state))
            message = self.event(EventType.CHANGED, **{EventKey.STATE: state})
            messages.append(changed_message(message, forms))
        if self._pending_name:
            messages.append(self.event(EventType.CHANGED, **{EventKey.NAME: self.name}))
        self.discard_changes()
        return messages

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "action": copy_json(self.action),
            "devicemembership": list(self.devicemembership),
            "etag": self.etag,
            "id": self.id,
            "lights": list(self.lights),
            "name": self.name,
            "scenes": [self.scenes[s].summary_json() for s in sorted(self.scenes, key=int)],
            "state": dict(self.state),
            "type": self.type,
        }
        if self.type == "Room" and self.class_ is not None:
            obj["class"] = self.class_
        if self.uniqueid is not None:
            obj["uniqueid"] = self.uniqueid
        return obj
