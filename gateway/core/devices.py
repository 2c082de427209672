"""Devices: interviews become lights and sensors; reports, commands and availability
change them.

The ids, names, user config and stable mapping choices of every uniqueid ever seen are
kept in `Known` records (mirrored in SQLite); a device's zigpy attribute cache is kept in
`Device.cache`, and each resource's state is recomputed from it on every report. What
changed is handed to the outbox, which turns it into messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
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
    EndpointInfo,
    InterviewFailed,
    LogicalType,
    PowerSource,
    RadioEvent,
)

from . import classify, sensor_families, switches, timefmt, zcl
from . import groups as group_map
from . import lights as light_map
from . import sensors as sensor_map
from .groupbook import GroupBook
from .outbox import Outbox
from .persistence import Persistence
from .resources import DeviceResource, EventType, Group, Light, Message, Sensor
from .uniqueid import light_uniqueid, normalize_ieee, sensor_uniqueid
from .values import group_id


@dataclass(slots=True)
class Known:
    """What persistence knows about a uniqueid (kept in memory; written on change)."""

    id: str
    name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False


_NO_ORPHANS: frozenset[str] = frozenset()  # shared: an empty set costs 216 bytes a device


@dataclass(slots=True)
class Device:
    info: DeviceInfo
    cache: dict[tuple[int, int, int], Any]
    available: bool = True
    last_seen: float | None = None
    last_announced: float | None = None
    resources: list[DeviceResource] = field(default_factory=list)
    orphans: frozenset[str] = _NO_ORPHANS  # uniqueids whose endpoint went away
    interview: str = "done"  # "joined" (under way), "failed" or "done"

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


class DeviceBook:
    """Owns the devices; builds, updates and removes their lights and sensors."""

    def __init__(
        self,
        persistence: Persistence,
        *,
        lights: dict[str, Light],
        sensors: dict[str, Sensor],
        devices: dict[str, Device],
        known: dict[str, dict[str, Known]],
        presence_armed: dict[str, float],
        groupbook: GroupBook,
        outbox: Outbox,
        network_up: bool,
        lastseen_interval: int,
    ) -> None:
        self.persistence = persistence
        self._lights = lights
        self._sensors = sensors
        self._devices = devices
        self._known = known
        self._presence_armed = presence_armed  # sensor id → when presence went true
        self._switch_memory: dict[str, switches.SwitchMemory] = {}
        self._groupbook = groupbook
        self._outbox = outbox
        self.network_up = network_up
        self.lastseen_interval = lastseen_interval

    def on_network(self, up: bool, out: list[Message]) -> None:
        """The radio came up or went down: every resource's reachability follows."""
        self.network_up = up
        for dev in self._devices.values():
            self._apply_reachability(dev)
            self._outbox.flush(dev.resources, out)

    def on_interview_news(self, event: DeviceJoined | InterviewFailed, now: float) -> None:
        """A device that joined, or whose interview failed: known from now on (listed, and
        a re-interview can be asked for) even before zigpy could say what it is."""
        ieee = normalize_ieee(event.ieee)
        dev = self._devices.get(ieee)
        if dev is None:
            nwk = event.nwk if isinstance(event, DeviceJoined) else 0
            info = DeviceInfo(ieee, nwk, None, None, PowerSource.UNKNOWN, LogicalType.UNKNOWN, ())
            dev = self._devices[ieee] = Device(info, {}, interview="joined", last_seen=now)
        if isinstance(event, InterviewFailed):
            dev.interview = "failed"
        elif dev.interview != "done":
            dev.interview = "joined"

    def on_device_event(
        self, dev: Device, event: RadioEvent, now: float, out: list[Message]
    ) -> None:
        if isinstance(event, DeviceRemoved):
            with self.persistence.transaction():
                for res in list(dev.resources):
                    self.delete_resource(res, out)
            del self._devices[dev.info.ieee]
            return
        if isinstance(event, AvailabilityChanged | DeviceLeft):
            dev.available = isinstance(event, AvailabilityChanged) and event.available
            self._apply_reachability(dev)
            self._outbox.flush(dev.resources, out)
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
        if isinstance(event, AttributeReport) and event.more:
            return  # the rest of the frame follows; its last attribute publishes the lot
        self._outbox.flush(dev.resources, out)

    def _mark_seen(self, dev: Device, now: float, out: list[Message]) -> None:
        """Anything received counts as seen: `lastseen` (rate-limited) and reachable."""
        dev.last_seen = now
        for res in dev.resources:
            if res.lastseen_at is not None and now - res.lastseen_at < self.lastseen_interval:
                continue
            res.lastseen_at = now
            value = timefmt.lastseen(now)
            if res.set_lastseen(value):
                out.append(res.event(EventType.CHANGED, attr={"lastseen": value}))
        if not dev.available:
            dev.available = True
            self._apply_reachability(dev)

    def _on_report(
        self, dev: Device, event: AttributeReport, now: float, out: list[Message]
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
        self, dev: Device, ep: int, cluster: int, attribute: int, now: float
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
                self.track_presence(res, now)

    def _on_command(
        self, dev: Device, event: ClusterCommand, now: float, out: list[Message]
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
            self._outbox.flush(dev.resources, out)
            gid = args.get("group_id", event.group)
            if gid is not None and "scene_id" in args:
                self._groupbook.scene_called(group_id(int(gid)), str(int(args["scene_id"])), out)

    # --- device (re)initialisation -----------------------------------------------------

    def on_initialized(self, event: DeviceInitialized, now: float, out: list[Message]) -> None:
        cached, cached_at = event.device.cached, event.device.cached_at
        # `dev.cache` is the device's cache from now on: `info` does not keep a second copy
        info = replace(
            event.device, ieee=normalize_ieee(event.device.ieee), cached={}, cached_at={}
        )
        dev = self._devices.get(info.ieee)
        if dev is None:
            dev = self._devices[info.ieee] = Device(info, dict(cached))
        else:
            dev.info = info
            dev.cache.update(cached)
            dev.interview = "done"
        silent = event.restored
        if not silent:
            dev.last_announced = now
            self._mark_seen(dev, now, out)
        elif dev.last_seen is None:
            dev.last_seen = info.last_seen  # what zigpy remembers from before the restart

        light_plans = [
            (ep, found)
            for ep in info.endpoints
            if (found := classify.classify(ep, dev.reader(ep.id)))
        ]
        sensor_plans = sensor_map.plan_sensors(
            info, bool(light_plans), dev.read, sensor_families.for_device(dev.read)
        )
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
        self._outbox.flush(existing, out)
        for res in created:
            if isinstance(res, Light):
                self._outbox.dirty_groups.update(self._outbox.groups_of(res.id))
        self._outbox.flush_groups(None if silent else out)

    def _allocate(self, kind: str, uniqueids: list[str]) -> dict[str, str]:
        known = self._known[kind]
        missing = [uid for uid in uniqueids if uid not in known]
        if missing:
            for uid, rid in self.persistence.allocate_ids(kind, missing).items():
                known[uid] = Known(rid)
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

    def _common_attr(self, dev: Device) -> dict[str, Any]:
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

    def _refresh_attrs(self, dev: Device) -> None:
        attr = self._common_attr(dev)
        for res in dev.resources:
            res.update("attr", attr)

    def _build_light(
        self,
        dev: Device,
        ep: EndpointInfo,
        light_type: str,
        features: classify.LightFeatures,
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
        self._groupbook.sync_all_lights()
        self._groupbook.sync_light_groups([rid])
        return light

    def _build_sensor(
        self, dev: Device, plan: sensor_map.SensorPlan, rid: str, stamp: float
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
        self.track_presence(sensor, stamp)
        if plan.spec is sensor_map.SWITCH:
            for gid in filter(None, str(sensor.config.get("group", "")).split(",")):
                self._groupbook.add_devicemembership(gid, rid)
        return sensor

    def _stable_ias_plan(self, plan: sensor_map.SensorPlan, known: Known) -> sensor_map.SensorPlan:
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
        self, dev: Device, ep: int, zone_type: Any, now: float, out: list[Message]
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
            out.append(res.event(EventType.DELETED))
            self._drop_resource(res)
            new = self._build_sensor(
                dev, sensor_map.SensorPlan(ep, zcl.IAS_ZONE, spec), res.id, now
            )
            new.discard_changes()
            out.append(new.added_event())

    # --- state helpers -------------------------------------------------------------------

    def _reachable(self, dev: Device, res: DeviceResource) -> bool:
        return self.network_up and dev.available and res.uniqueid not in dev.orphans

    def _apply_reachability(self, dev: Device) -> None:
        for res in dev.resources:
            section = "state" if isinstance(res, Light) else "config"
            res.update(section, {"reachable": self._reachable(dev, res)})

    def _apply_battery(self, dev: Device, percent: int | None) -> None:
        if percent is None:
            return
        for res in dev.resources:
            if isinstance(res, Sensor) and "battery" in res.config:
                res.update("config", {"battery": percent})

    def track_presence(self, sensor: Sensor, now: float) -> None:
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
                self.set_user_config(switch, {"group": groups})
            if gid not in self._groupbook.groups:
                name = f"{switch.attr.get('modelid') or 'Switch'} {switch.id}"
                self._groupbook.add_group(Group(gid, name))
        switch.update("config", {"group": groups})
        self._groupbook.add_devicemembership(gid, switch.id)

    def set_user_config(self, sensor: Sensor, values: Mapping[str, Any]) -> None:
        known = self._known["sensors"][sensor.uniqueid]
        user = {k: v for k, v in values.items() if k in sensor_map.USER_CONFIG_KEYS}
        merged = {**known.config, **user}
        self.persistence.set_resource_config("sensors", sensor.id, merged)
        known.config = merged

    def delete_resource(self, res: DeviceResource, out: list[Message]) -> None:
        """Remove a resource (kept as deleted in persistence, so its id is never reused); a
        light also leaves its groups and scenes. Callers hold a persistence transaction."""
        self.persistence.set_deleted(res.r, [res.id])
        self._known[res.r][res.uniqueid].deleted = True
        if isinstance(res, Light):
            self._groupbook.forget_light(res.id)
        self._drop_resource(res)
        if isinstance(res, Light):
            self._groupbook.sync_all_lights()
        out.append(res.event(EventType.DELETED))
        self._outbox.flush([], out)

    def _drop_resource(self, res: DeviceResource) -> None:
        pool: dict[str, Any] = self._lights if isinstance(res, Light) else self._sensors
        pool.pop(res.id, None)
        if (dev := self._devices.get(res.ieee)) is not None and res in dev.resources:
            dev.resources.remove(res)
        if isinstance(res, Sensor):
            self._presence_armed.pop(res.id, None)
            self._switch_memory.pop(res.id, None)
            self._groupbook.forget_sensor(res.id)
