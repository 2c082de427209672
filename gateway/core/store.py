"""The Store: every light, sensor, group and scene, and the websocket event logic.

Sans-I/O: `handle(radio event)`, `tick(now)` and the REST-side mutations change the
resources and return the websocket messages (plain dicts, in order) the change causes.
Nothing here sends, awaits or sleeps; time comes from the injected `clock` (event
timestamps are ignored so that tests and replays are deterministic).

Message rules (deconz-api.md §4): one `changed` message per changed sub-object (`state`,
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
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from radio.events import (
    AttributeReport,
    AvailabilityChanged,
    ClusterCommand,
    DeviceAnnounced,
    DeviceInfo,
    DeviceInitialized,
    DeviceJoined,
    DeviceLeft,
    DeviceRemoved,
    DeviceSeen,
    EndpointInfo,
    NetworkDown,
    NetworkUp,
    RadioEvent,
)

from . import groups as group_map
from . import lights as light_map
from . import sensors as sensor_map
from . import switches, timefmt, zcl
from .errors import Conflict, NotFound, NotModifiable, TableFull
from .persistence import GroupRow, Persistence, SceneRow
from .resources import DeviceResource, Group, Light, Scene, SceneLight, Sensor
from .uniqueid import light_uniqueid, normalize_ieee, sensor_uniqueid
from .values import group_id

Message = dict[str, Any]

DEFAULT_LASTSEEN_INTERVAL = 60
ALL_LIGHTS_NAME = "All"
READ_ONLY_CONFIG = frozenset({"battery", "reachable"})
"""Sensor config the device reports; REST answers error 8, and the Store never takes it."""


@dataclass(slots=True)
class _Known:
    """What persistence knows about a uniqueid (kept in memory; written on change)."""

    id: str
    name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


_NO_ORPHANS: frozenset[str] = frozenset()  # shared: an empty set costs 216 bytes a device


@dataclass(slots=True)
class _Device:
    info: DeviceInfo
    cache: dict[tuple[int, int, int], Any]
    available: bool = True
    last_seen: float | None = None
    last_announced: float | None = None
    resources: list[DeviceResource] = field(default_factory=list)
    orphans: frozenset[str] = _NO_ORPHANS  # uniqueids whose endpoint went away

    def reader(self, endpoint: int) -> Callable[[int, int], Any]:
        return lambda cluster, attribute: self.cache.get((endpoint, cluster, attribute))

    def read(self, endpoint: int, cluster: int, attribute: int) -> Any:
        return self.cache.get((endpoint, cluster, attribute))

    def read_any(self, cluster: int, attribute: int) -> Any:
        """The value from whichever endpoint has it (Basic, Power Configuration)."""
        return next(
            (
                self.cache[(ep.id, cluster, attribute)]
                for ep in self.info.endpoints
                if (ep.id, cluster, attribute) in self.cache
            ),
            None,
        )


def _last_stored(
    cached_at: Mapping[tuple[int, int, int], float], plan: sensor_map.SensorPlan
) -> float | None:
    """When zigpy last stored any of the values a sensor's state is computed from."""
    times = [
        cached_at[key]
        for attr in plan.spec.attributes
        if (key := (plan.endpoint, plan.spec.cluster, attr)) in cached_at
    ]
    return max(times, default=None)


class Store:
    """Owns all resources; see the module docstring for the message rules."""

    def __init__(
        self,
        persistence: Persistence,
        *,
        clock: Callable[[], float] = time.time,
        network_up: bool = True,
    ) -> None:
        self.persistence = persistence
        self._clock = clock
        self._network_up = network_up
        self._lights: dict[str, Light] = {}
        self._sensors: dict[str, Sensor] = {}
        self._groups: dict[str, Group] = {}
        self._devices: dict[str, _Device] = {}
        self._known: dict[str, dict[str, _Known]] = {"lights": {}, "sensors": {}}
        self._presence_armed: dict[str, float] = {}  # sensor id → when presence went true
        self._switch_memory: dict[str, switches.SwitchMemory] = {}
        self._dirty_groups: set[str] = set()
        self._defer_groups = 0  # > 0 inside `grouped()`
        self._notify_all = bool(persistence.get_config("websocketnotifyall", True))
        self._lastseen_interval = int(
            persistence.get_config("lightlastseeninterval", DEFAULT_LASTSEEN_INTERVAL)
        )
        self._load()

    def _load(self) -> None:
        for row in self.persistence.resources():
            # the rows' dicts are fresh from JSON and only ever replaced, never mutated
            self._known[row.kind][row.uniqueid] = _Known(
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

    @property
    def websocketnotifyall(self) -> bool:
        return self._notify_all

    @websocketnotifyall.setter
    def websocketnotifyall(self, value: bool) -> None:
        self._notify_all = bool(value)
        self.persistence.set_config({"websocketnotifyall": self._notify_all})

    @property
    def lightlastseeninterval(self) -> int:
        return self._lastseen_interval

    @lightlastseeninterval.setter
    def lightlastseeninterval(self, seconds: int) -> None:
        self._lastseen_interval = int(seconds)
        self.persistence.set_config({"lightlastseeninterval": self._lastseen_interval})

    @property
    def network_up(self) -> bool:
        return self._network_up

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
                    self._on_initialized(event, now, out)
            case NetworkUp() | NetworkDown():
                self._network_up = isinstance(event, NetworkUp)
                for dev in self._devices.values():
                    self._apply_reachability(dev)
                    self._flush(dev.resources, out)
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
                dev = self._devices.get(normalize_ieee(event.ieee))
                if dev is not None:
                    self._on_device_event(dev, event, now, out)
        return out

    def _on_device_event(
        self, dev: _Device, event: RadioEvent, now: float, out: list[Message]
    ) -> None:
        if isinstance(event, DeviceRemoved):
            with self.persistence.transaction():
                for res in list(dev.resources):
                    self._delete_resource(res, out)
            del self._devices[dev.info.ieee]
            return
        if isinstance(event, AvailabilityChanged | DeviceLeft):
            dev.available = isinstance(event, AvailabilityChanged) and event.available
            self._apply_reachability(dev)
            self._flush(dev.resources, out)
            return
        self._mark_seen(dev, now, out)
        match event:
            case AttributeReport():
                self._on_report(dev, event, now, out)
            case ClusterCommand():
                self._on_command(dev, event, now, out)
            case DeviceAnnounced() | DeviceJoined():
                if isinstance(event, DeviceAnnounced):
                    dev.last_announced = now
                dev.info = replace(dev.info, nwk=event.nwk)
                self._refresh_attrs(dev)
        self._flush(dev.resources, out)

    def _mark_seen(self, dev: _Device, now: float, out: list[Message]) -> None:
        """Anything received counts as seen: `lastseen` (rate-limited) and reachable."""
        dev.last_seen = now
        for res in dev.resources:
            if res.lastseen_at is not None and now - res.lastseen_at < self._lastseen_interval:
                continue
            res.lastseen_at = now
            value = timefmt.lastseen(now)
            if res.set_lastseen(value):
                out.append(res.event("changed", attr={"lastseen": value}))
        if not dev.available:
            dev.available = True
            self._apply_reachability(dev)

    def _on_report(
        self, dev: _Device, event: AttributeReport, now: float, out: list[Message]
    ) -> None:
        ep, cluster, attribute = event.endpoint, event.cluster, event.attribute
        dev.cache[(ep, cluster, attribute)] = event.value
        if cluster == zcl.BASIC:
            self._refresh_attrs(dev)
        elif (cluster, attribute) == (zcl.POWER_CONFIGURATION, zcl.ATTR_BATTERY_PERCENTAGE):
            self._apply_battery(dev, sensor_map.battery_percent(event.value))
        elif (cluster, attribute) == (zcl.IAS_ZONE, zcl.ATTR_ZONE_TYPE):
            self._learn_zone_type(dev, ep, event.value, now, out)
        self._apply_attribute(dev, ep, cluster, attribute, now)

    def _apply_attribute(
        self, dev: _Device, ep: int, cluster: int, attribute: int, now: float
    ) -> None:
        read = dev.reader(ep)
        stamp: str | None = None  # formatted once per report, not once per sensor
        for res in dev.resources:
            if res.endpoint != ep:
                continue
            if isinstance(res, Light):
                light_map.apply_attribute(res, cluster, attribute, read)
            elif isinstance(res, Sensor):
                if stamp is None:
                    stamp = timefmt.lastupdated(now)
                sensor_map.apply_attribute(res, cluster, attribute, read, stamp)
                self._track_presence(res, now)

    def _on_command(
        self, dev: _Device, event: ClusterCommand, now: float, out: list[Message]
    ) -> None:
        cluster, command, args = event.cluster, event.command, event.args
        if cluster == zcl.IAS_ZONE:
            if command == zcl.CMD_ZONE_STATUS_CHANGE and "zone_status" in args:
                dev.cache[(event.endpoint, zcl.IAS_ZONE, zcl.ATTR_ZONE_STATUS)] = int(
                    args["zone_status"]
                )
                self._apply_attribute(dev, event.endpoint, zcl.IAS_ZONE, zcl.ATTR_ZONE_STATUS, now)
            elif command == zcl.CMD_ZONE_ENROLL_REQUEST and "zone_type" in args:
                dev.cache[(event.endpoint, zcl.IAS_ZONE, zcl.ATTR_ZONE_TYPE)] = int(
                    args["zone_type"]
                )
                self._learn_zone_type(dev, event.endpoint, int(args["zone_type"]), now, out)
            return
        switch = next(
            (r for r in dev.resources if isinstance(r, Sensor) and r.spec is sensor_map.SWITCH),
            None,
        )
        if switch is not None and cluster in switches.SWITCH_CLUSTERS:
            if event.group:
                self._learn_switch_group(switch, event.group)
            memory = self._switch_memory.setdefault(switch.id, switches.SwitchMemory())
            button = switches.button_event(cluster, command, args, memory)
            if button is not None:
                values = {"buttonevent": button, "lastupdated": timefmt.lastupdated(now)}
                switch.update("state", values, push=values)
        if cluster == zcl.SCENES and command == zcl.CMD_SCENE_RECALL:
            # A recall from the air: the press first, then scene-called, then the lights.
            self._flush(dev.resources, out)
            gid = args.get("group_id", event.group)
            if gid is not None and "scene_id" in args:
                self._scene_called(group_id(int(gid)), str(int(args["scene_id"])), out)

    # --- device (re)initialisation -----------------------------------------------------

    def _on_initialized(self, event: DeviceInitialized, now: float, out: list[Message]) -> None:
        cached, cached_at = event.device.cached, event.device.cached_at
        # `dev.cache` is the device's cache from now on: `info` does not keep a second copy
        info = replace(
            event.device, ieee=normalize_ieee(event.device.ieee), cached={}, cached_at={}
        )
        dev = self._devices.get(info.ieee)
        if dev is None:
            dev = self._devices[info.ieee] = _Device(info, dict(cached))
        else:
            dev.info = info
            dev.cache.update(cached)
        silent = event.restored
        if not silent:
            dev.last_announced = now
            self._mark_seen(dev, now, out)
        elif dev.last_seen is None:
            dev.last_seen = info.last_seen  # what zigpy remembers from before the restart

        light_plans = [(ep, found) for ep in info.endpoints if (found := light_map.classify(ep))]
        sensor_plans = sensor_map.plan_sensors(info, bool(light_plans), dev.read)
        light_ids = self._allocate(
            "lights", [light_uniqueid(info.ieee, ep.id) for ep, _ in light_plans]
        )
        sensor_ids = self._allocate(
            "sensors", [sensor_uniqueid(info.ieee, p.endpoint, p.cluster) for p in sensor_plans]
        )
        wanted = set(light_ids) | set(sensor_ids)
        live = {res.uniqueid: res for res in dev.resources}
        dev.orphans = frozenset(live.keys() - wanted) or _NO_ORPHANS
        created: list[DeviceResource] = []

        for ep, (light_type, features) in light_plans:
            uid = light_uniqueid(info.ieee, ep.id)
            if uid not in live and self._revive("lights", uid, silent):
                created.append(self._build_light(dev, ep, light_type, features, light_ids[uid]))
        for plan in sensor_plans:
            uid = sensor_uniqueid(info.ieee, plan.endpoint, plan.cluster)
            if uid not in live and self._revive("sensors", uid, silent):
                stamp = _last_stored(cached_at, plan) or now
                created.append(self._build_sensor(dev, plan, sensor_ids[uid], stamp))

        existing = [res for res in dev.resources if res not in created]
        self._refresh_attrs(dev)
        self._apply_reachability(dev)
        for res in existing:
            read = dev.reader(res.endpoint)
            if isinstance(res, Light):
                light_map.refresh(res, read)
            elif isinstance(res, Sensor):
                sensor_map.recompute(res, read)
        for res in created:
            res.discard_changes()
            if not silent:
                out.append(res.added_event())
        for plan in sensor_plans:
            if plan.cluster == zcl.IAS_ZONE and not plan.provisional:
                zone_type = dev.read(plan.endpoint, zcl.IAS_ZONE, zcl.ATTR_ZONE_TYPE)
                self._learn_zone_type(dev, plan.endpoint, zone_type, now, out)
        self._flush(existing, out)
        for res in created:
            if isinstance(res, Light):
                self._dirty_groups.update(self._groups_of(res.id))
        self._flush_groups(None if silent else out)

    def _allocate(self, kind: str, uniqueids: list[str]) -> dict[str, str]:
        known = self._known[kind]
        missing = [uid for uid in uniqueids if uid not in known]
        if missing:
            for uid, rid in self.persistence.allocate_ids(kind, missing).items():
                known[uid] = _Known(rid)
        return {uid: known[uid].id for uid in uniqueids}

    def _revive(self, kind: str, uniqueid: str, silent: bool) -> bool:
        """Whether to build a resource; a deleted one comes back only on a fresh interview
        (re-join), with its old id."""
        known = self._known[kind][uniqueid]
        if not known.deleted:
            return True
        if silent:
            return False
        known.deleted = False
        self.persistence.set_deleted(kind, [known.id], False)
        return True

    def _common_attr(self, dev: _Device) -> dict[str, Any]:
        info = dev.info

        def basic(attribute: int, fallback: str | None) -> str:
            value = dev.read_any(zcl.BASIC, attribute)
            return str(value) if value not in (None, "") else (fallback or "")

        return {
            "lastannounced": timefmt.lastannounced(dev.last_announced),
            "manufacturername": basic(zcl.ATTR_MANUFACTURER, info.manufacturer),
            "modelid": basic(zcl.ATTR_MODEL, info.model),
            "nwkaddress": f"0x{info.nwk:04X}",
            "swversion": basic(zcl.ATTR_SW_BUILD, info.sw_build),
        }

    def _refresh_attrs(self, dev: _Device) -> None:
        attr = self._common_attr(dev)
        for res in dev.resources:
            res.update("attr", attr)

    def _build_light(
        self,
        dev: _Device,
        ep: EndpointInfo,
        light_type: str,
        features: light_map.LightFeatures,
        rid: str,
    ) -> Light:
        uid = light_uniqueid(dev.info.ieee, ep.id)
        known = self._known["lights"][uid]
        attr = {
            **self._common_attr(dev),
            "lastseen": timefmt.lastseen(dev.last_seen),
            "name": known.name or f"{light_type} {rid}",  # = _default_name
        }
        light = light_map.create_light(
            rid, uid, dev.info.ieee, ep, light_type, features, attr, dev.reader(ep.id)
        )
        light.lastseen_at = dev.last_seen
        self._lights[rid] = light
        dev.resources.append(light)
        self._groups[group_map.ALL_LIGHTS].lights = sorted(self._lights, key=int)
        self._sync_light_groups([rid])
        return light

    def _build_sensor(
        self, dev: _Device, plan: sensor_map.SensorPlan, rid: str, stamp: float
    ) -> Sensor:
        """`stamp`: when the cached state was last reported (`state.lastupdated`, and the
        start of a restored presence's timeout)."""
        uid = sensor_uniqueid(dev.info.ieee, plan.endpoint, plan.cluster)
        known = self._known["sensors"][uid]
        if plan.cluster == zcl.IAS_ZONE:
            plan = self._stable_ias_plan(plan, known)
        attr = {
            **self._common_attr(dev),
            "lastseen": timefmt.lastseen(dev.last_seen),
            "name": known.name or f"{plan.spec.default_name} {rid}",
        }
        battery = sensor_map.battery_percent(
            dev.read_any(zcl.POWER_CONFIGURATION, zcl.ATTR_BATTERY_PERCENTAGE)
        )
        sensor = sensor_map.create_sensor(rid, dev.info, plan, attr, known.config, battery)
        sensor_map.recompute(sensor, dev.reader(plan.endpoint), timefmt.lastupdated(stamp))
        sensor.lastseen_at = dev.last_seen
        self._sensors[rid] = sensor
        dev.resources.append(sensor)
        self._track_presence(sensor, stamp)
        if plan.spec is sensor_map.SWITCH:
            for gid in filter(None, str(sensor.config.get("group", "")).split(",")):
                self._add_devicemembership(gid, rid)
        return sensor

    def _stable_ias_plan(self, plan: sensor_map.SensorPlan, known: _Known) -> sensor_map.SensorPlan:
        """An IAS zone keeps the type it was first given once its zone type was known; an
        unknown zone type gives a provisional ZHAAlarm that is replaced exactly once."""
        stored = sensor_map.IAS_SPECS_BY_TYPE.get(known.meta.get("type", ""))
        if stored is not None and not known.meta.get("provisional"):
            return replace(plan, spec=stored, provisional=False)
        meta = (
            {"type": plan.spec.type, "provisional": True}
            if plan.provisional
            else {"type": plan.spec.type}
        )
        if meta != known.meta:
            known.meta = meta
            self.persistence.set_meta("sensors", known.id, meta)
        return plan

    def _learn_zone_type(
        self, dev: _Device, ep: int, zone_type: Any, now: float, out: list[Message]
    ) -> None:
        """A zone type arrived: a provisional IAS sensor becomes final, changing type if needed.

        The type change keeps id and uniqueid and is announced as `deleted` + `added`; it
        happens at most once per sensor, right after its first interview."""
        for res in list(dev.resources):
            if not (isinstance(res, Sensor) and res.endpoint == ep and res.cluster == zcl.IAS_ZONE):
                continue
            known = self._known["sensors"][res.uniqueid]
            if not known.meta.get("provisional"):
                continue
            spec = sensor_map.ias_spec(zone_type)
            known.meta = {"type": spec.type}
            self.persistence.set_meta("sensors", known.id, known.meta)
            if spec is res.spec:
                continue
            out.append(res.event("deleted"))
            self._drop_resource(res)
            new = self._build_sensor(
                dev, sensor_map.SensorPlan(ep, zcl.IAS_ZONE, spec), res.id, now
            )
            new.discard_changes()
            out.append(new.added_event())

    # --- state helpers -------------------------------------------------------------------

    def _reachable(self, dev: _Device, res: DeviceResource) -> bool:
        return self._network_up and dev.available and res.uniqueid not in dev.orphans

    def _apply_reachability(self, dev: _Device) -> None:
        for res in dev.resources:
            section = "state" if isinstance(res, Light) else "config"
            res.update(section, {"reachable": self._reachable(dev, res)})

    def _apply_battery(self, dev: _Device, percent: int | None) -> None:
        if percent is None:
            return
        for res in dev.resources:
            if isinstance(res, Sensor) and "battery" in res.config:
                res.update("config", {"battery": percent})

    def _track_presence(self, sensor: Sensor, now: float) -> None:
        """Arm the auto-reset when a presence report (or injection) says true."""
        if "presence" not in sensor.state or "lastupdated" not in sensor.pending_keys("state"):
            return
        if sensor.state["presence"] is True:
            self._presence_armed[sensor.id] = now
        else:
            self._presence_armed.pop(sensor.id, None)

    def _learn_switch_group(self, switch: Sensor, address: int) -> None:
        """A remote's groupcast tells which group it controls (`config.group`); like deCONZ,
        an unknown group is created so apps can show it."""
        gid = group_id(address)
        if gid == group_map.ALL_LIGHTS:
            return
        groups = switches.add_group(str(switch.config.get("group") or ""), int(gid))
        with self.persistence.transaction():
            if groups != switch.config.get("group"):
                self._set_user_config(switch, {"group": groups})
            if gid not in self._groups:
                group = Group(gid, f"{switch.attr.get('modelid') or 'Switch'} {switch.id}")
                self._save_group(group)
                self._groups[gid] = group
        switch.update("config", {"group": groups})
        self._add_devicemembership(gid, switch.id)

    def _add_devicemembership(self, gid: str, sensor_id: str) -> None:
        group = self._groups.get(gid)
        if group is not None and sensor_id not in group.devicemembership:
            group.devicemembership.append(sensor_id)
            group.touch()

    def _set_user_config(self, sensor: Sensor, values: Mapping[str, Any]) -> None:
        known = self._known["sensors"][sensor.uniqueid]
        user = {k: v for k, v in values.items() if k in sensor_map.USER_CONFIG_KEYS}
        merged = {**known.config, **user}
        self.persistence.set_resource_config("sensors", sensor.id, merged)
        known.config = merged

    def _groups_of(self, light_id: str) -> list[str]:
        return [gid for gid, g in self._groups.items() if light_id in g.lights]

    def _members(self, group: Group) -> list[Light]:
        return [self._lights[lid] for lid in group.lights if lid in self._lights]

    def _sync_light_groups(self, light_ids: Iterable[str]) -> None:
        for lid in light_ids:
            if (light := self._lights.get(lid)) is not None:
                light.update("config", {"groups": sorted(self._groups_of(lid), key=int)})

    def _flush(self, resources: Iterable[DeviceResource], out: list[Message]) -> None:
        """Turn pending changes into messages; lights' on/reachable changes dirty their groups."""
        for res in list(resources):
            if isinstance(res, Light) and res.pending_keys("state") & {"on", "reachable"}:
                self._dirty_groups.update(self._groups_of(res.id))
            out.extend(res.take_messages(self._notify_all))
        if not self._defer_groups:
            self._flush_groups(out)

    def _flush_groups(self, out: list[Message] | None) -> None:
        """Recompute any_on/all_on of dirty groups; None discards the messages (restore)."""
        for gid in sorted(self._dirty_groups, key=int):
            group = self._groups.get(gid)
            if group is None:
                continue
            group.update_state(group_map.group_state(self._members(group)))
            messages = group.take_messages(self._notify_all)
            if out is not None and gid != group_map.ALL_LIGHTS:
                out.extend(messages)
        self._dirty_groups.clear()

    # ==================================================================================
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
                self._flush([sensor], out)
        return out

    # ==================================================================================
    # REST-side mutations (called after validation; persistence happens before return)
    # ==================================================================================

    def rename(self, kind: str, id: str, name: str) -> list[Message]:
        """Lights/sensors push `attr.name`; groups push a top-level `name`. An empty light
        name goes back to the default."""
        out: list[Message] = []
        if kind == "groups":
            group = self._group(id)
            if id == group_map.ALL_LIGHTS:
                raise NotModifiable("the all-lights group cannot be renamed")
            if name != group.name:
                self._save_group(group, name=name)
                group.set_name(name)
            self._dirty_groups.add(id)
            self._flush([], out)
            return out
        res = self._resource(kind, id)
        default = self._default_name(res)
        name = name.strip() or default
        known = self._known[kind][res.uniqueid]
        stored = None if name == default else name
        if stored != known.name:
            self.persistence.set_name(kind, id, stored)
            known.name = stored
        res.update("attr", {"name": name})
        self._flush([res], out)
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
        self._flush([light], out)
        return out

    def apply_sensor_config(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        """Set config items; offset and thresholds are re-applied to the current state."""
        sensor = self._sensor(id)
        values = {
            k: v for k, v in changes.items() if k in sensor.config and k not in READ_ONLY_CONFIG
        }
        if values.keys() & sensor_map.USER_CONFIG_KEYS:
            self._set_user_config(sensor, values)
        sensor.update("config", values)
        if values.keys() & {"offset", "tholddark", "tholdoffset"}:
            dev = self._devices.get(sensor.ieee)
            if dev is not None:
                sensor_map.recompute(sensor, dev.reader(sensor.endpoint))
        out: list[Message] = []
        self._flush([sensor], out)
        return out

    def apply_sensor_state(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        """Injected state (e.g. `buttonevent`): set, stamped, and pushed even if unchanged."""
        sensor = self._sensor(id)
        now = self._clock()
        values = {k: v for k, v in changes.items() if k in sensor.state and k != "lastupdated"}
        values["lastupdated"] = timefmt.lastupdated(now)
        sensor.update("state", values, push=values)
        self._track_presence(sensor, now)
        out: list[Message] = []
        self._flush([sensor], out)
        return out

    def delete_light(self, id: str) -> list[Message]:
        return self._delete(self._light(id))

    def delete_sensor(self, id: str) -> list[Message]:
        return self._delete(self._sensor(id))

    def _delete(self, res: DeviceResource) -> list[Message]:
        out: list[Message] = []
        with self.persistence.transaction():
            self._delete_resource(res, out)
        return out

    def _delete_resource(self, res: DeviceResource, out: list[Message]) -> None:
        """Remove a resource (kept as deleted in persistence, so its id is never reused); a
        light also leaves its groups and scenes. Callers hold a persistence transaction."""
        self.persistence.set_deleted(res.r, [res.id])
        self._known[res.r][res.uniqueid].deleted = True
        if isinstance(res, Light):
            for group in self._groups.values():
                touched = res.id in group.lights
                if touched and group.id != group_map.ALL_LIGHTS:
                    remaining = [lid for lid in group.lights if lid != res.id]
                    self._save_group(group, lights=tuple(remaining))
                    group.lights = remaining
                for scene in list(group.scenes.values()):
                    if res.id in scene.lights:
                        touched = True
                        lights = {k: v for k, v in scene.lights.items() if k != res.id}
                        self._replace_scene(group, replace(scene, lights=lights))
                if touched:
                    group.touch()
                    self._dirty_groups.add(group.id)
        self._drop_resource(res)
        if isinstance(res, Light):
            self._groups[group_map.ALL_LIGHTS].lights = sorted(self._lights, key=int)
        out.append(res.event("deleted"))
        self._flush([], out)

    def _drop_resource(self, res: DeviceResource) -> None:
        pool: dict[str, Any] = self._lights if isinstance(res, Light) else self._sensors
        pool.pop(res.id, None)
        if (dev := self._devices.get(res.ieee)) is not None and res in dev.resources:
            dev.resources.remove(res)
        if isinstance(res, Sensor):
            self._presence_armed.pop(res.id, None)
            self._switch_memory.pop(res.id, None)
            for group in self._groups.values():
                if res.id in group.devicemembership:
                    group.devicemembership.remove(res.id)
                    group.touch()

    # --- groups --------------------------------------------------------------------------

    def create_group(
        self,
        name: str,
        type: str = "LightGroup",
        class_: str | None = None,
        uniqueid: str | None = None,
    ) -> str:
        """A new group at the lowest free address from 1 (no websocket `added`, as deCONZ)."""
        address = group_map.lowest_free(
            (int(g) for g in self._groups),
            group_map.FIRST_GROUP_ADDRESS,
            group_map.LAST_GROUP_ADDRESS,
        )
        if address is None:
            raise TableFull("no free group address")
        group = Group(str(address), name, type, class_, uniqueid=uniqueid)
        self._save_group(group)
        self._groups[group.id] = group
        return group.id

    def set_group_lights(self, id: str, light_ids: Iterable[str]) -> list[Message]:
        """Replace the members; updates lights' `config.groups` and any_on/all_on."""
        group = self._group(id)
        if id == group_map.ALL_LIGHTS:
            raise NotModifiable("the all-lights group always holds every light")
        wanted = list(dict.fromkeys(str(i) for i in light_ids))
        for lid in wanted:
            self._light(lid)
        changed = set(wanted) ^ set(group.lights)
        self._save_group(group, lights=tuple(wanted))
        group.lights = wanted
        group.touch()
        self._sync_light_groups(sorted(changed, key=int))
        self._dirty_groups.add(id)
        out: list[Message] = []
        self._flush([self._lights[lid] for lid in sorted(changed, key=int)], out)
        return out

    def set_group_action(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        """Cache a group command (as planned: `toggle` already resolved to `on`) in `action`.
        What it does to each member (its own level plus an increment, nothing to an off
        light's level, colour only where the light has it) comes with the plan as that
        light's state change (`apply_light_state`)."""
        group = self._group(id)
        group.action.update(group_map.action_update(group.action, changes))
        group.touch()
        return []

    @contextmanager
    def grouped(self, out: list[Message]) -> Iterator[None]:
        """Apply several changes with the groups' any_on/all_on recomputed once, at the end
        (a group command changes its lights one by one; clients see one group event)."""
        self._defer_groups += 1
        try:
            yield
        finally:
            self._defer_groups -= 1
            if not self._defer_groups:
                self._flush_groups(out)

    def delete_group(self, id: str) -> list[Message]:
        group = self._group(id)
        if id == group_map.ALL_LIGHTS:
            raise NotModifiable("the all-lights group cannot be deleted")
        self.persistence.delete_group(id)
        del self._groups[id]
        out: list[Message] = [{"e": "deleted", "id": id, "r": "groups", "t": "event"}]
        self._sync_light_groups(group.lights)
        self._flush([self._lights[lid] for lid in group.lights if lid in self._lights], out)
        return out

    # --- scenes --------------------------------------------------------------------------

    def create_scene(self, gid: str, name: str, scene_id: int | str | None = None) -> str:
        """Snapshot the reachable members into a new scene (lowest free id from 1)."""
        group = self._group(gid)
        if any(s.name == name for s in group.scenes.values()):
            raise Conflict(f"scene {name!r} already exists in group {gid}")
        if scene_id is None:
            free = group_map.lowest_free(
                (int(s) for s in group.scenes), group_map.FIRST_SCENE_ID, group_map.LAST_SCENE_ID
            )
            if free is None:
                raise TableFull(f"group {gid} has no free scene id")
            sid = str(free)
        else:
            sid = str(int(scene_id))
            if sid in group.scenes:
                raise Conflict(f"scene {sid} already exists in group {gid}")
        scene = Scene(
            sid, name, group_map.SCENE_TRANSITION, self._snapshot(group, group_map.SCENE_TRANSITION)
        )
        self._replace_scene(group, scene)
        return sid

    def store_scene(self, gid: str, sid: str) -> list[Message]:
        """Re-snapshot the reachable members into an existing scene."""
        group, scene = self._scene(gid, sid)
        self._replace_scene(
            group, replace(scene, lights=self._snapshot(group, scene.transitiontime))
        )
        return []

    def resolve_scene(self, gid: str, sid: str) -> str:
        """A scene id, or `next`/`prev` resolved against the group's last recalled scene."""
        group = self._group(gid)
        if sid not in ("next", "prev"):
            self._scene(gid, sid)
            return sid
        ids = sorted(group.scenes, key=int)
        if not ids:
            raise NotFound(f"group {gid} has no scenes")
        current = group.action.get("scene", "")
        if current not in ids:
            return ids[0] if sid == "next" else ids[-1]
        step = 1 if sid == "next" else -1
        return ids[(ids.index(current) + step) % len(ids)]

    def recall_scene(self, gid: str, sid: str) -> list[Message]:
        """REST recall: set `action.scene`, apply the scene optimistically; no scene-called."""
        sid = self.resolve_scene(gid, sid)
        group, scene = self._scene(gid, sid)
        group.action["scene"] = sid
        group.touch()
        out: list[Message] = []
        self._apply_scene(group, scene, out)
        return out

    def set_scene_light_state(
        self, gid: str, sid: str, lid: str, changes: Mapping[str, Any]
    ) -> list[Message]:
        group, scene = self._scene(gid, sid)
        light = self._light(lid)
        old = scene.lights.get(lid)
        entry = replace(old) if old else SceneLight(transitiontime=scene.transitiontime)
        group_map.edit_scene_light(entry, light, changes)
        self._replace_scene(group, replace(scene, lights={**scene.lights, lid: entry}))
        return []

    def rename_scene(self, gid: str, sid: str, name: str) -> list[Message]:
        group, scene = self._scene(gid, sid)
        self._replace_scene(group, replace(scene, name=name))
        return []

    def delete_scene(self, gid: str, sid: str) -> list[Message]:
        group, _ = self._scene(gid, sid)
        self.persistence.delete_scene(gid, sid)
        del group.scenes[sid]
        if group.action.get("scene") == sid:
            group.action["scene"] = ""
        group.touch()
        return []

    def _snapshot(self, group: Group, transitiontime: int) -> dict[str, SceneLight]:
        """The reachable members' current state (unreachable lights keep no entry)."""
        return {
            light.id: group_map.snapshot(light, transitiontime)
            for light in self._members(group)
            if light.reachable
        }

    def _replace_scene(self, group: Group, scene: Scene) -> None:
        """Write the scene, then make it current (a failed write changes nothing)."""
        self._save_scene(group, scene)
        group.scenes[scene.id] = scene
        group.touch()

    def _scene_called(self, gid: str, sid: str, out: list[Message]) -> None:
        group = self._groups.get(gid)
        scene = group.scenes.get(sid) if group else None
        if group is None or scene is None:
            return
        out.append({"e": "scene-called", "gid": gid, "r": "scenes", "scid": sid, "t": "event"})
        self._apply_scene(group, scene, out)

    def _apply_scene(self, group: Group, scene: Scene, out: list[Message]) -> None:
        members = set(group.lights)
        touched = []
        for lid, entry in scene.lights.items():
            light = self._lights.get(lid)
            if light is not None and lid in members and light.reachable:
                light.update(
                    "state", light_map.optimistic_state(light, group_map.scene_changes(entry))
                )
                touched.append(light)
        self._flush(touched, out)

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

    def _group(self, id: str) -> Group:
        if (group := self._groups.get(id)) is None:
            raise NotFound(f"/groups/{id}")
        return group

    def _scene(self, gid: str, sid: str) -> tuple[Group, Scene]:
        group = self._group(gid)
        if (scene := group.scenes.get(sid)) is None:
            raise NotFound(f"/groups/{gid}/scenes/{sid}")
        return group, scene

    # --- persistence helpers -------------------------------------------------------------

    def _save_group(self, group: Group, **changes: Any) -> None:
        """Persist the group as it is, or as it will be with `changes` (GroupRow fields)."""
        row = GroupRow(
            group.id,
            group.name,
            group.type,
            group.class_,
            tuple(group.lights),
            group.hidden,
            group.uniqueid,
        )
        self.persistence.save_group(replace(row, **changes))

    def _save_scene(self, group: Group, scene: Scene) -> None:
        lights = {lid: entry.to_dict() for lid, entry in scene.lights.items()}
        self.persistence.save_scene(
            SceneRow(group.id, scene.id, scene.name, scene.transitiontime, lights)
        )
