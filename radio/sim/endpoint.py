"""State of one simulated endpoint: attribute values, reporting, groups, scenes, ramps.

Kept free of any framing so the same state drives every transport. Values are stored as
zigpy-typed values keyed by attribute id; changes are tracked so the device can emit
attribute reports for what actually changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import zigpy.zdo.types as zdo_t
from zigpy.zcl import Cluster, foundation

from .host import DeviceHost
from .zcl import AttributeRef, ClusterRef, attribute_def, cluster_class, plain, typed

# A light remembers at most this many groups / scenes, like typical Zigbee 3.0 bulbs.
DEFAULT_GROUP_CAPACITY = 16
DEFAULT_SCENE_CAPACITY = 16


@dataclass(slots=True)
class Ramp:
    """An attribute moving linearly over time (Level move, identify countdown, timed off).

    Evaluated lazily against the device clock, so reads mid-move see the moving value and
    tests with an injected clock stay deterministic.
    """

    start: float
    rate: float  # units per second, signed
    low: float
    high: float
    started_at: float
    then: Callable[[SimEndpoint], None] | None = None  # run once the ramp has finished

    def value_at(self, now: float) -> int:
        value = self.start + self.rate * max(0.0, now - self.started_at)
        return round(min(self.high, max(self.low, value)))

    @property
    def ends_at(self) -> float:
        if self.rate == 0:
            return math.inf
        target = self.high if self.rate > 0 else self.low
        return self.started_at + max(0.0, (target - self.start) / self.rate)


@dataclass(slots=True)
class Reporting:
    """A Configure_Reporting record, plus the last value reported (for reportable change)."""

    min_interval: int
    max_interval: int
    reportable_change: int | float | None
    last_reported: Any = None

    def should_report(self, value: Any) -> bool:
        if value == self.last_reported:
            return False
        if not self.reportable_change or self.last_reported is None:
            return True
        try:
            return abs(value - self.last_reported) >= self.reportable_change
        except TypeError:
            return True


@dataclass(slots=True)
class Scene:
    name: str
    transition_time: int
    values: dict[tuple[int, int], Any] = field(default_factory=dict)  # (cluster, attr) -> value
    enhanced: bool = False  # transition_time in 1/10 s (enhanced add)


@dataclass(slots=True)
class ClusterState:
    cluster: type[Cluster]
    values: dict[int, Any] = field(default_factory=dict)
    reporting: dict[int, Reporting] = field(default_factory=dict)


# One object per distinct value set up front: hundreds of simulated devices start from the
# same catalogue values (and restore mostly equal ones), and each zigpy-typed value is an
# object of its own. Values set later are not shared, so the table stays bounded.
_SHARED: dict[tuple[type, Any], Any] = {}


def _shared(attr: foundation.ZCLAttributeDef, value: Any) -> Any:
    """``typed(attr, value)``, the same object for equal immutable values."""
    value = typed(attr, value)
    if isinstance(value, int | str):
        return _SHARED.setdefault((type(value), value), value)
    return value


class SimEndpoint:
    """One application endpoint: its simple descriptor and the state behind its clusters.

    ``in_clusters`` maps each server cluster to its initial attribute values (names or ids,
    plain Python values); ``out_clusters`` lists the client clusters (a remote's On/Off).
    """

    def __init__(
        self,
        endpoint_id: int,
        profile_id: int,
        device_type: int,
        *,
        in_clusters: Mapping[ClusterRef, Mapping[AttributeRef, Any]],
        out_clusters: Iterable[ClusterRef] = (),
        device_version: int = 1,
        group_capacity: int = DEFAULT_GROUP_CAPACITY,
        scene_capacity: int = DEFAULT_SCENE_CAPACITY,
    ) -> None:
        self.id = endpoint_id
        self.profile_id = profile_id
        self.device_type = device_type
        self.device_version = device_version
        self.group_capacity = group_capacity
        self.scene_capacity = scene_capacity
        self.server: dict[int, ClusterState] = {}
        self.client: dict[int, ClusterState] = {}
        for ref, values in in_clusters.items():
            cls = cluster_class(ref)
            state = ClusterState(cls)
            for attr_ref, value in values.items():
                attr = attribute_def(cls, attr_ref)
                state.values[attr.id] = _shared(attr, value)
            self.server[cls.cluster_id] = state
        for ref in out_clusters:
            cls = cluster_class(ref)
            self.client[cls.cluster_id] = ClusterState(cls)

        self.groups: dict[int, str] = {}
        self.scenes: dict[tuple[int, int], Scene] = {}
        self.global_scene: dict[tuple[int, int], Any] | None = None
        self.ramps: dict[tuple[int, int], Ramp] = {}
        self.changed: dict[tuple[int, int], None] = {}  # ordered set of (cluster, attr)
        self.device: DeviceHost | None = None  # set by SimDevice

    def __repr__(self) -> str:
        return (
            f"<SimEndpoint {self.id} profile=0x{self.profile_id:04X}"
            f" type=0x{self.device_type:04X} in={[f'0x{c:04X}' for c in self.server]}"
            f" out={[f'0x{c:04X}' for c in self.client]}>"
        )

    # -- descriptor ---------------------------------------------------------------------

    def descriptor(self) -> zdo_t.SizePrefixedSimpleDescriptor:
        return zdo_t.SizePrefixedSimpleDescriptor(
            endpoint=self.id,
            profile=self.profile_id,
            device_type=self.device_type,
            device_version=self.device_version,
            input_clusters=list(self.server),
            output_clusters=list(self.client),
        )

    # -- attributes ---------------------------------------------------------------------

    def now(self) -> float:
        assert self.device is not None, "endpoint is not part of a device"
        return self.device.clock()

    def has(self, cluster: ClusterRef) -> bool:
        return cluster_class(cluster).cluster_id in self.server

    def state(self, cluster: ClusterRef) -> ClusterState:
        cls = cluster_class(cluster)
        try:
            return self.server[cls.cluster_id]
        except KeyError:
            raise ValueError(f"Endpoint {self.id} has no {cls.__name__} server cluster") from None

    def has_attribute(self, cluster: ClusterRef, attr: AttributeRef) -> bool:
        cls = cluster_class(cluster)
        state = self.server.get(cls.cluster_id)
        return state is not None and attribute_def(cls, attr).id in state.values

    def get(self, cluster: ClusterRef, attr: AttributeRef, default: Any = None) -> Any:
        """Current value (a moving attribute is evaluated now), or ``default``."""
        state = self.state(cluster)
        attr_def = attribute_def(state.cluster, attr)
        ramp = self.ramps.get((state.cluster.cluster_id, attr_def.id))
        if ramp is not None:
            return typed(attr_def, ramp.value_at(self.now()))
        return state.values.get(attr_def.id, default)

    def set(self, cluster: ClusterRef, attr: AttributeRef, value: Any) -> bool:
        """Store a value, stopping any ramp on it. Returns whether the value changed."""
        state = self.state(cluster)
        attr_def = attribute_def(state.cluster, attr)
        key = (state.cluster.cluster_id, attr_def.id)
        self.ramps.pop(key, None)
        new = typed(attr_def, value)
        if state.values.get(attr_def.id) == new and attr_def.id in state.values:
            return False
        state.values[attr_def.id] = new
        self.changed[key] = None
        if self.device is not None:
            self.device.attribute_changed(self, state.cluster, attr_def.name, new)
        return True

    def update(self, cluster: ClusterRef, **values: Any) -> None:
        for name, value in values.items():
            self.set(cluster, name, value)

    # -- ramps --------------------------------------------------------------------------

    def start_ramp(
        self,
        cluster: ClusterRef,
        attr: AttributeRef,
        *,
        rate: float,
        low: float,
        high: float,
        then: Callable[[SimEndpoint], None] | None = None,
    ) -> Ramp:
        state = self.state(cluster)
        attr_def = attribute_def(state.cluster, attr)
        now = self.now()
        start = self.get(state.cluster, attr_def.id, 0)
        ramp = Ramp(start=start, rate=rate, low=low, high=high, started_at=now, then=then)
        self.ramps[(state.cluster.cluster_id, attr_def.id)] = ramp
        if self.device is not None:
            self.device.schedule_tick(ramp.ends_at - now)
        return ramp

    def stop_ramps(self, cluster: ClusterRef, *attrs: AttributeRef) -> None:
        """Freeze moving attributes of a cluster at their current value."""
        cls = cluster_class(cluster)
        wanted = {attribute_def(cls, a).id for a in attrs}
        for cluster_id, attr_id in list(self.ramps):
            if cluster_id == cls.cluster_id and (not wanted or attr_id in wanted):
                self.set(cls, attr_id, self.get(cls, attr_id))

    def finish_ramps(self, now: float) -> None:
        """Settle ramps that have reached their end, running their follow-up actions."""
        for (cluster_id, attr_id), ramp in list(self.ramps.items()):
            if ramp.ends_at <= now and self.ramps.get((cluster_id, attr_id)) is ramp:
                self.set(cluster_id, attr_id, ramp.value_at(now))
                if ramp.then is not None:
                    ramp.then(self)

    # -- groups -------------------------------------------------------------------------

    def in_group(self, group: int) -> bool:
        return group in self.groups

    # -- persistence --------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """JSON-friendly snapshot of what a real device keeps across power cycles."""
        return {
            "attributes": {
                str(int(cid)): {str(int(aid)): plain(v) for aid, v in state.values.items()}
                for cid, state in self.server.items()
            },
            "reporting": {
                str(int(cid)): {
                    str(int(aid)): [r.min_interval, r.max_interval, plain(r.reportable_change)]
                    for aid, r in state.reporting.items()
                }
                for cid, state in self.server.items()
                if state.reporting
            },
            "groups": {str(int(gid)): str(name) for gid, name in self.groups.items()},
            "scenes": [
                {
                    "group": int(gid),
                    "scene": int(sid),
                    "name": str(scene.name),
                    "transition_time": int(scene.transition_time),
                    "enhanced": scene.enhanced,
                    "values": [[int(c), int(a), plain(v)] for (c, a), v in scene.values.items()],
                }
                for (gid, sid), scene in self.scenes.items()
            ],
        }

    def import_state(self, data: Mapping[str, Any]) -> None:
        for cid, values in data.get("attributes", {}).items():
            state = self.server.get(int(cid))
            if state is None:
                continue
            for aid, value in values.items():
                attr = state.cluster.attributes.get(int(aid))
                if attr is not None:
                    state.values[attr.id] = _shared(attr, value)
        for cid, records in data.get("reporting", {}).items():
            state = self.server.get(int(cid))
            if state is None:
                continue
            for aid, (low, high, change) in records.items():
                state.reporting[int(aid)] = Reporting(
                    low, high, change, last_reported=state.values.get(int(aid))
                )
        self.groups = {int(gid): name for gid, name in data.get("groups", {}).items()}
        self.scenes = {}
        for item in data.get("scenes", []):
            values = {}
            for c, a, v in item["values"]:
                state = self.server.get(c)
                attr = state.cluster.attributes.get(a) if state else None
                if attr is not None:
                    values[(c, a)] = _shared(attr, v)
            self.scenes[(item["group"], item["scene"])] = Scene(
                item["name"], item["transition_time"], values, item.get("enhanced", False)
            )
        self.changed.clear()


def reporting_config_record(
    attr: foundation.ZCLAttributeDef, reporting: Reporting
) -> foundation.AttributeReportingConfig:
    """The Read_Reporting_Configuration view of a stored reporting record."""
    config = foundation.AttributeReportingConfig()
    config.direction = foundation.ReportingDirection.SendReports
    config.attrid = attr.id
    config.datatype = attr.zcl_type
    config.min_interval = reporting.min_interval
    config.max_interval = reporting.max_interval
    config.reportable_change = reporting.reportable_change or 0
    return config
