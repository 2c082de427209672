"""Per-device zigpy listeners that turn zigpy callbacks into `radio.events`.

zigpy 2.4 no longer fires the legacy `attribute_updated` listener for incoming reports or
read answers, so values come from `cluster.on_event("attribute_report" / "attribute_read")`.
Commands a device sends (a remote's buttons, an IAS zone's notifications) still arrive
through the legacy `cluster_command` listener.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from radio import events as ev

LOGGER = logging.getLogger("radio")

IAS_ZONE = 0x0500
ZONE_ENROLL_REQUEST = 0x01


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


class _ClusterCommandListener:
    """Legacy listener object zigpy calls with `cluster_command(tsn, command_id, args)`;
    zigpy skips listener methods an object does not define."""

    def __init__(self, owner: DeviceListener, cluster: Any, server_side: bool):
        self._owner = owner
        self._cluster = cluster
        # Frames to an *out* cluster are client→server commands (server_commands table);
        # frames to an *in* cluster are server→client notifications (client_commands).
        self._defs = cluster.server_commands if not server_side else cluster.client_commands

    def cluster_command(self, tsn: int, command_id: int, args: Any) -> None:
        definition = self._defs.get(command_id)
        name = definition.name if definition is not None else f"0x{command_id:02x}"
        self._owner.command(self._cluster, command_id, name, args)


class DeviceListener:
    """Subscribes to one zigpy device; `detach()` undoes every subscription."""

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
        self._undo: list[Callable[[], None]] = []

    def attach(self) -> None:
        for ep_id, endpoint in self.device.endpoints.items():
            if ep_id == 0:
                continue
            for cluster in endpoint.in_clusters.values():
                self._undo.append(cluster.on_event("attribute_report", self._on_report))
                self._undo.append(cluster.on_event("attribute_read", self._on_read))
                self._listen(cluster, _ClusterCommandListener(self, cluster, True))
            for cluster in endpoint.out_clusters.values():
                self._listen(cluster, _ClusterCommandListener(self, cluster, False))
        self._listen(self.device, self)
        self._listen(self.device.zdo, self)

    def _listen(self, target: Any, listener: Any) -> None:
        target.add_listener(listener)
        self._undo.append(lambda: target.remove_listener(listener))

    def detach(self) -> None:
        for undo in self._undo:
            undo()
        self._undo.clear()

    # zigpy callbacks ------------------------------------------------------------------

    def _on_report(self, event: Any) -> None:
        self._attribute(event, read=False)

    def _on_read(self, event: Any) -> None:
        self._attribute(event, read=True)

    def _attribute(self, event: Any, *, read: bool) -> None:
        self._emit(
            ev.AttributeReport(
                ieee=self.ieee,
                endpoint=event.endpoint_id,
                cluster=event.cluster_id,
                attribute=event.attribute_id,
                attribute_name=event.attribute_name,
                value=plain(event.value),
                read=read,
            )
        )

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
