"""Per-device zigpy listeners that turn zigpy callbacks into `radio.events`.

zigpy 2.4 no longer fires the legacy `attribute_updated` listener for incoming reports or
read answers, so values come from the clusters' events (`attribute_report`,
`attribute_read`). Commands a device sends (a remote's buttons, an IAS zone's
notifications) still arrive through the legacy `cluster_command` listener.

A large network has thousands of clusters, so what is kept per cluster is kept small: one
listener object and one bound callback serve all of a device's clusters, and attribute
events are subscribed to only where the gateway maps them (`radio.clusters.MAPPED_ATTRIBUTES`).
Commands are heard on every cluster (0.2 MiB at 200 devices): the `events` log then shows
what an unsupported device sends, which is what a user pairing one needs to see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from radio import events as ev
from radio.clusters import IAS_ZONE, MAPPED_ATTRIBUTES

LOGGER = logging.getLogger("radio")

ZONE_ENROLL_REQUEST = 0x01

# zigpy cluster event → whether it answers a read (else it is a report)
_ATTRIBUTE_EVENTS = {"attribute_report": False, "attribute_read": True}
REPORT_ATTRIBUTES = 0x0A  # ZCL general command


def plain(value: Any) -> Any:
    """A zigpy value as plain Python: enums/bitmaps → int, zigpy strings → str."""
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def command_args(args: Any) -> dict[str, Any]:
    if hasattr(args, "as_dict"):
        return {k: plain(v) for k, v in args.as_dict().items()}
    if isinstance(args, list | tuple):
        return {str(i): plain(v) for i, v in enumerate(args)}
    return {}


class DeviceListener:
    """Subscribes to one zigpy device; `detach()` undoes every subscription.

    It is the legacy listener of the device, its ZDO and (as a context listener, so zigpy
    names the cluster) each of its clusters; zigpy skips listener methods an
    object does not define."""

    __slots__ = ("_current_group", "_emit", "_frame", "_seen", "_unsubscribe", "device", "ieee")

    def __init__(
        self,
        device: Any,
        emit: Callable[[ev.RadioEvent], None],
        current_group: Callable[[], int | None],
        seen: Callable[[str, int | None, int | None], None],
    ):
        self.device = device
        self.ieee = str(device.ieee).lower()
        self._emit = emit
        self._current_group = current_group
        self._seen = seen
        self._unsubscribe: tuple[Callable[[], None], ...] = ()
        # (endpoint, cluster, records left) of the report frame being dispatched: zigpy
        # hands a frame's attributes over one by one, synchronously, after telling us of
        # the frame itself, so each report can say whether another of its frame follows.
        self._frame: tuple[int, int, int] | None = None

    def _endpoints(self) -> list[Any]:
        return [ep for ep_id, ep in self.device.endpoints.items() if ep_id != 0]

    def _listened(self) -> list[Any]:
        """What the legacy listener is on: the device, its ZDO and every cluster."""
        return [
            self.device,
            self.device.zdo,
            *(
                cluster
                for ep in self._endpoints()
                for cluster in (*ep.in_clusters.values(), *ep.out_clusters.values())
            ),
        ]

    def attach(self) -> None:
        on_attribute = self._on_attribute  # one bound method for all the clusters
        self._unsubscribe = tuple(
            cluster.on_all_events(on_attribute, with_context=True)
            for ep in self._endpoints()
            for cluster_id, cluster in ep.in_clusters.items()
            if cluster_id in MAPPED_ATTRIBUTES
        )
        device, zdo, *clusters = self._listened()
        device.add_listener(self)
        zdo.add_listener(self)
        for cluster in clusters:
            cluster.add_context_listener(self)  # zigpy names the cluster in each call

    def detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = ()
        for target in self._listened():
            target.remove_listener(self)

    # zigpy callbacks ------------------------------------------------------------------

    def _on_attribute(self, name: str, event: Any) -> None:
        read = _ATTRIBUTE_EVENTS.get(name)
        if read is None:
            return  # another cluster event (written, unsupported, ...)
        more = False
        if not read and self._frame is not None:
            endpoint, cluster, left = self._frame
            if (endpoint, cluster) == (event.endpoint_id, event.cluster_id) and left > 1:
                self._frame, more = (endpoint, cluster, left - 1), True
            else:
                self._frame = None
        self._emit(
            ev.AttributeReport(
                ieee=self.ieee,
                endpoint=event.endpoint_id,
                cluster=event.cluster_id,
                attribute=event.attribute_id,
                attribute_name=event.attribute_name,
                value=plain(event.value),
                read=read,
                more=more,
            )
        )

    def general_command(self, cluster: Any, hdr: Any, args: Any) -> None:
        """A general frame is about to be dispatched: note how many attributes a report
        carries (only on the clusters whose attribute events we hear)."""
        if hdr.command_id != REPORT_ATTRIBUTES or cluster.cluster_id not in MAPPED_ATTRIBUTES:
            return
        records = getattr(args, "attribute_reports", None) or ()
        endpoint = cluster.endpoint.endpoint_id
        self._frame = (endpoint, cluster.cluster_id, len(records)) if len(records) > 1 else None

    def cluster_command(self, cluster: Any, tsn: int, command_id: int, args: Any) -> None:
        # Frames to an *out* cluster are client→server commands (server_commands table);
        # frames to an *in* cluster are server→client notifications (client_commands).
        defs = cluster.client_commands if cluster.is_server else cluster.server_commands
        definition = defs.get(command_id)
        name = definition.name if definition is not None else f"0x{command_id:02x}"
        self.command(cluster, command_id, name, args)

    def command(self, cluster: Any, command_id: int, name: str, args: Any) -> None:
        if cluster.cluster_id == IAS_ZONE and command_id == ZONE_ENROLL_REQUEST:
            # Answer at once: an IAS zone that is never enrolled never reports alarms.
            cluster.create_catching_task(cluster.enroll_response(0, 0))
        self._emit(
            ev.ClusterCommand(
                ieee=self.ieee,
                endpoint=cluster.endpoint.endpoint_id,
                cluster=cluster.cluster_id,
                command=command_id,
                command_name=name,
                args=command_args(args),
                group=self._current_group(),
            )
        )

    def device_last_seen_updated(self, last_seen: Any) -> None:
        self._seen(self.ieee, self.device.lqi, self.device.rssi)

    def device_announce(self, device: Any) -> None:
        self._emit(ev.DeviceAnnounced(self.ieee, int(device.nwk)))
