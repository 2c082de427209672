"""The Store: every light, sensor, group and scene, and the websocket event logic.

Sans-I/O: `handle(radio event)`, `tick(now)` and the REST-side mutations change the
resources and return the websocket messages (plain dicts, in order) the change causes.
Nothing here sends, awaits or sleeps; time comes from the injected `clock` (event
timestamps are ignored so that tests and replays are deterministic).

Message rules (deCONZ's websocket events): one `changed` message per changed sub-object (`state`,
`config`, `capabilities`, `attr`, in that order), the full sub-object when
`websocketnotifyall` is true, only the changed items when false; `attr.lastseen` alone,
rate-limited per resource and sent before the report it came with; a light's message
comes before the group `any_on/all_on` messages it causes.

Decisions where deCONZ or the spec leave room:
- Start-up restore (`DeviceInitialized(restored=True)`) is silent: no `added`, no group
  messages. A fresh interview sends `added` only for resources that were not live.
- Radio down (`NetworkDown`): every light `state.reachable` and sensor `config.reachable`
  goes false (deCONZ does the same for lights; the gateway cannot reach sensors either).
  `NetworkUp` restores each device's own availability as last reported. Anything received
  from a device marks it available again.
- `DeviceLeft` only makes the device unreachable (it may re-join); `DeviceRemoved`
  deletes its resources. Deleted resources keep their ids, stay deleted across restarts
  and come back (same id, `added`) only when the device is interviewed again.
- A re-interview that no longer shows a resource's endpoint keeps the resource (and id)
  but unreachable.
- IAS zones: the zone type (cached, read, reported, or from the enrol request) picks the
  type; an unknown zone type gives a provisional ZHAAlarm, replaced exactly once (same id
  and uniqueid, `deleted` + `added`) when the zone type arrives. The choice is persisted,
  so the type never changes again across restarts.
- A remote's groupcast records `config.group` and, like deCONZ, creates the group if
  unknown. The all-lights group "0" is the Zigbee group `ALL_LIGHTS_ADDRESS`; its state is
  kept but never pushed (clients do not list it).
- REST mutations write to SQLite first and change memory only when the write succeeded.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from types import MappingProxyType
from typing import Any, ClassVar

from radio.events import (
    AttributeReport,
    AvailabilityChanged,
    ClusterCommand,
    DeviceAnnounced,
    DeviceInitialized,
    DeviceJoined,
    DeviceLeft,
    DeviceRemoved,
    DeviceSeen,
    InterviewFailed,
    NetworkDown,
    NetworkUp,
    RadioEvent,
)

from . import device_view, timefmt
from . import groups as group_map
from . import lights as light_map
from . import sensors as sensor_map
from .devices import Device, DeviceBook, Known
from .errors import NotFound
from .groupbook import GroupBook
from .outbox import Outbox
from .persistence import Persistence
from .resources import DeviceResource, Group, Light, Message, Scene, SceneLight, Sensor
from .uniqueid import normalize_ieee
from .values import ALL_LIGHTS_ADDRESS

__all__ = ["ALL_LIGHTS_ADDRESS", "DEFAULT_LASTSEEN_INTERVAL", "Message", "Store"]

DEFAULT_LASTSEEN_INTERVAL = 60
ALL_LIGHTS_NAME = "All"
READ_ONLY_CONFIG = frozenset({"battery", "reachable"})
"""Sensor config the device reports; REST answers error 8, and the Store never takes it."""


class Store:
    """Owns all resources; see the module docstring for the message rules.

    A façade over three helpers it owns, one per vocabulary: `DeviceBook` (devices,
    interviews, reports, reachability), `GroupBook` (groups and scenes) and `Outbox`
    (pending changes → messages, group recompute). They share the resource dicts."""

    def __init__(
        self,
        persistence: Persistence,
        *,
        clock: Callable[[], float] = time.time,
        network_up: bool = True,
    ) -> None:
        self.persistence = persistence
        self._clock = clock
        self._lights: dict[str, Light] = {}
        self._sensors: dict[str, Sensor] = {}
        self._groups: dict[str, Group] = {}
        self._devices: dict[str, Device] = {}
        self._known: dict[str, dict[str, Known]] = {"lights": {}, "sensors": {}}
        self._presence_armed: dict[str, float] = {}  # sensor id → when presence went true
        self._outbox = Outbox(
            self._lights,
            self._groups,
            notify_all=bool(persistence.get_config("websocketnotifyall", True)),
        )
        self._groupbook = GroupBook(
            persistence, self._groups, self._lights, self._outbox, light=self._light
        )
        self._devicebook = DeviceBook(
            persistence,
            lights=self._lights,
            sensors=self._sensors,
            devices=self._devices,
            known=self._known,
            presence_armed=self._presence_armed,
            groupbook=self._groupbook,
            outbox=self._outbox,
            network_up=network_up,
            lastseen_interval=int(
                persistence.get_config("lightlastseeninterval", DEFAULT_LASTSEEN_INTERVAL)
            ),
        )
        self._load()

    def _load(self) -> None:
        for row in self.persistence.resources():
            # the rows' dicts are fresh from JSON and only ever replaced, never mutated
            self._known[row.kind][row.uniqueid] = Known(
                row.id, row.name, row.config, row.meta, row.deleted
            )
        self._groups[group_map.ALL_LIGHTS] = Group(
            group_map.ALL_LIGHTS, ALL_LIGHTS_NAME, hidden=True
        )
        for g in self.persistence.groups():
            self._groups[g.id] = Group(
                g.id, g.name, g.type, g.class_, g.lights, g.hidden, g.uniqueid
            )
        for s in self.persistence.scenes():
            if (group := self._groups.get(s.gid)) is not None:
                lights = {lid: SceneLight.from_dict(v) for lid, v in s.lights.items()}
                group.scenes[s.sid] = Scene(s.sid, s.name, s.transitiontime, lights)

    # ==================================================================================
    # Settings
    # ==================================================================================

    SETTINGS: ClassVar[frozenset[str]] = frozenset({"websocketnotifyall", "lightlastseeninterval"})
    """The gateway config keys the Store applies live; it is the one that persists them."""

    def configure(self, values: Mapping[str, Any]) -> None:
        """Apply and persist (one write) the `SETTINGS` in `values`; other keys are ignored."""
        mine: dict[str, Any] = {}
        if "websocketnotifyall" in values:
            mine["websocketnotifyall"] = bool(values["websocketnotifyall"])
        if "lightlastseeninterval" in values:
            mine["lightlastseeninterval"] = int(values["lightlastseeninterval"])
        if not mine:
            return
        self.persistence.set_config(mine)
        self._outbox.notify_all = mine.get("websocketnotifyall", self._outbox.notify_all)
        self._devicebook.lastseen_interval = mine.get(
            "lightlastseeninterval", self._devicebook.lastseen_interval
        )

    @property
    def websocketnotifyall(self) -> bool:
        return self._outbox.notify_all

    @websocketnotifyall.setter
    def websocketnotifyall(self, value: bool) -> None:
        self.configure({"websocketnotifyall": value})

    @property
    def lightlastseeninterval(self) -> int:
        return self._devicebook.lastseen_interval

    @lightlastseeninterval.setter
    def lightlastseeninterval(self, seconds: int) -> None:
        self.configure({"lightlastseeninterval": seconds})

    @property
    def network_up(self) -> bool:
        return self._devicebook.network_up

    # ==================================================================================
    # Lookups
    # ==================================================================================

    @property
    def lights(self) -> Mapping[str, Light]:
        return MappingProxyType(self._lights)

    @property
    def sensors(self) -> Mapping[str, Sensor]:
        return MappingProxyType(self._sensors)

    @property
    def groups(self) -> Mapping[str, Group]:
        """All groups by id, including the hidden all-lights group "0"."""
        return MappingProxyType(self._groups)

    def find_light(self, id_or_uniqueid: str) -> Light | None:
        return self._find(self._lights, id_or_uniqueid)

    def find_sensor(self, id_or_uniqueid: str) -> Sensor | None:
        return self._find(self._sensors, id_or_uniqueid)

    @staticmethod
    def _find(resources: Mapping[str, Any], key: str) -> Any:
        if key in resources:
            return resources[key]
        wanted = key.lower()
        return next((r for r in resources.values() if r.uniqueid == wanted), None)

    @property
    def devices(self) -> Mapping[str, Device]:
        """Every device in the network by IEEE, interviewed or not (`/devices`)."""
        return self._devices

    def device_json(self, ieee: str) -> dict[str, Any] | None:
        """`GET /devices/<mac>`, or None for a device the gateway does not know."""
        dev = self._devices.get(normalize_ieee(ieee))
        return None if dev is None else device_view.device_json(dev)

    def resources_of_device(self, ieee: str) -> list[DeviceResource]:
        dev = self._devices.get(normalize_ieee(ieee))
        return list(dev.resources) if dev else []

    def lights_json(self) -> dict[str, Any]:
        """`GET /lights` and the full state, as views (`DeviceResource.view`): encode at once."""
        return {i: light.view() for i, light in self._lights.items()}

    def sensors_json(self) -> dict[str, Any]:
        """`GET /sensors` and the full state, as views: encode at once."""
        return {i: sensor.view() for i, sensor in self._sensors.items()}

    def groups_json(self) -> dict[str, Any]:
        """`GET /groups` and the full state: the all-lights group is not listed."""
        return {i: g.to_json() for i, g in self._groups.items() if i != group_map.ALL_LIGHTS}

    def collection_etag(self, kind: str) -> str:
        """ETag of `lights`, `sensors`, `groups`, or `all` (changes whenever a member does)."""
        pools: dict[str, Iterable[Any]] = {
            "lights": self._lights.values(),
            "sensors": self._sensors.values(),
            "groups": self._groups.values(),
        }
        chosen = pools.values() if kind == "all" else [pools[kind]]
        digest = hashlib.md5(usedforsecurity=False)
        for pool in chosen:
            for item in pool:
                digest.update(f"{item.r}/{item.id}/{item.etag};".encode())
        return digest.hexdigest()

    # ==================================================================================
    # Radio events
    # ==================================================================================

    def handle(self, event: RadioEvent) -> list[Message]:
        """Apply a radio event; returns the websocket messages it causes, in order."""
        out: list[Message] = []
        now = self._clock()
        match event:
            case DeviceInitialized():
                with self.persistence.transaction():
                    self._devicebook.on_initialized(event, now, out)
            case NetworkUp() | NetworkDown():
                self._devicebook.on_network(isinstance(event, NetworkUp), out)
            case InterviewFailed():
                self._devicebook.on_interview_news(event, now)
            case (
                AttributeReport()
                | ClusterCommand()
                | DeviceSeen()
                | DeviceAnnounced()
                | DeviceJoined()
                | AvailabilityChanged()
                | DeviceLeft()
                | DeviceRemoved()
            ):
                if isinstance(event, DeviceJoined):
                    self._devicebook.on_interview_news(event, now)
                dev = self._devices.get(normalize_ieee(event.ieee))
                if dev is not None:
                    self._devicebook.on_device_event(dev, event, now, out)
        return out

    # Timers
    # ==================================================================================

    def tick(self, now: float) -> list[Message]:
        """Run timers due at `now`: presence auto-reset after `config.duration` seconds."""
        out: list[Message] = []
        for sid, since in list(self._presence_armed.items()):
            sensor = self._sensors.get(sid)
            duration = int(sensor.config.get("duration") or 0) if sensor else 0
            if sensor is None or sensor.state.get("presence") is not True:
                del self._presence_armed[sid]
            elif duration > 0 and now >= since + duration:
                del self._presence_armed[sid]
                values = {"presence": False, "lastupdated": timefmt.lastupdated(now)}
                sensor.update("state", values, push=("lastupdated",))
                self._outbox.flush([sensor], out)
        return out

    # ==================================================================================
    # REST-side mutations (called after validation; their writes are handed over before return)
    # ==================================================================================

    def rename(self, kind: str, id: str, name: str) -> list[Message]:
        """Lights/sensors push `attr.name`; groups push a top-level `name`. An empty light
        name goes back to the default."""
        if kind == "groups":
            return self._groupbook.rename_group(id, name)
        out: list[Message] = []
        res = self._resource(kind, id)
        default = self._default_name(res)
        name = name.strip() or default
        known = self._known[kind][res.uniqueid]
        stored = None if name == default else name
        if stored != known.name:
            self.persistence.set_name(kind, id, stored)
            known.name = stored
        res.update("attr", {"name": name})
        self._outbox.flush([res], out)
        return out

    @staticmethod
    def _default_name(res: DeviceResource) -> str:
        kind = res.spec.default_name if isinstance(res, Sensor) else res.type
        return f"{kind} {res.id}"

    def apply_light_state(self, id: str, state_changes: Mapping[str, Any]) -> list[Message]:
        """Optimistic light state after a command (bri_inc/ct_inc resolved, colormode set)."""
        light = self._light(id)
        light.update("state", light_map.optimistic_state(light, state_changes))
        out: list[Message] = []
        self._outbox.flush([light], out)
        return out

    def apply_sensor_config(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        """Set config items; offset and thresholds are re-applied to the current state."""
        sensor = self._sensor(id)
        values = {
            k: v for k, v in changes.items() if k in sensor.config and k not in READ_ONLY_CONFIG
        }
        if values.keys() & sensor_map.USER_CONFIG_KEYS:
            self._devicebook.set_user_config(sensor, values)
        sensor.update("config", values)
        if values.keys() & sensor.spec.recompute_on:
            dev = self._devices.get(sensor.ieee)
            if dev is not None:
                sensor_map.recompute(sensor, dev.reader(sensor.endpoint))
        out: list[Message] = []
        self._outbox.flush([sensor], out)
        return out

    def apply_sensor_state(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        """Injected state (e.g. `buttonevent`): set, stamped, and pushed even if unchanged."""
        sensor = self._sensor(id)
        now = self._clock()
        values = {k: v for k, v in changes.items() if k in sensor.state and k != "lastupdated"}
        values["lastupdated"] = timefmt.lastupdated(now)
        sensor.update("state", values, push=values)
        self._devicebook.track_presence(sensor, now)
        out: list[Message] = []
        self._outbox.flush([sensor], out)
        return out

    def delete_light(self, id: str) -> list[Message]:
        return self._delete(self._light(id))

    def delete_sensor(self, id: str) -> list[Message]:
        return self._delete(self._sensor(id))

    def _delete(self, res: DeviceResource) -> list[Message]:
        out: list[Message] = []
        with self.persistence.transaction():
            self._devicebook.delete_resource(res, out)
        return out

    # --- groups and scenes: documented where they are done, in GroupBook ----------------

    def create_group(
        self,
        name: str,
        type: str = "LightGroup",
        class_: str | None = None,
        uniqueid: str | None = None,
    ) -> str:
        return self._groupbook.create_group(name, type, class_, uniqueid)

    def set_group_lights(self, id: str, light_ids: Iterable[str]) -> list[Message]:
        return self._groupbook.set_group_lights(id, light_ids)

    def set_group_action(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        return self._groupbook.set_group_action(id, changes)

    def grouped(self, out: list[Message]) -> AbstractContextManager[None]:
        """Several changes with the groups' any_on/all_on recomputed once, at the end."""
        return self._outbox.grouped(out)

    def delete_group(self, id: str) -> list[Message]:
        return self._groupbook.delete_group(id)

    def create_scene(self, gid: str, name: str, scene_id: int | str | None = None) -> str:
        return self._groupbook.create_scene(gid, name, scene_id)

    def store_scene(self, gid: str, sid: str, transitiontime: int | None = None) -> list[Message]:
        return self._groupbook.store_scene(gid, sid, transitiontime)

    def resolve_scene(self, gid: str, sid: str) -> str:
        return self._groupbook.resolve_scene(gid, sid)

    def recall_scene(self, gid: str, sid: str) -> list[Message]:
        return self._groupbook.recall_scene(gid, sid)

    def set_scene_light_state(
        self, gid: str, sid: str, lid: str, changes: Mapping[str, Any]
    ) -> list[Message]:
        return self._groupbook.set_scene_light_state(gid, sid, lid, changes)

    def rename_scene(self, gid: str, sid: str, name: str) -> list[Message]:
        return self._groupbook.rename_scene(gid, sid, name)

    def delete_scene(self, gid: str, sid: str) -> list[Message]:
        return self._groupbook.delete_scene(gid, sid)

    # --- lookups that raise ----------------------------------------------------------------

    def _light(self, id: str) -> Light:
        if (light := self._lights.get(id)) is None:
            raise NotFound(f"/lights/{id}")
        return light

    def _sensor(self, id: str) -> Sensor:
        if (sensor := self._sensors.get(id)) is None:
            raise NotFound(f"/sensors/{id}")
        return sensor

    def _resource(self, kind: str, id: str) -> DeviceResource:
        if kind == "lights":
            return self._light(id)
        if kind == "sensors":
            return self._sensor(id)
        raise ValueError(f"unknown resource kind {kind!r}")
