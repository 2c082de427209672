"""One readable log line per radio event, so a person watching the log sees the network."""

from __future__ import annotations

import logging

from gateway.core.device_view import describe_clusters
from gateway.core.devices import Device
from radio import events as ev

LOGGER = logging.getLogger("gateway.events")


def describe(event: ev.RadioEvent) -> str | None:
    match event:
        case ev.NetworkUp():
            return (
                f"network up on channel {event.channel}, PAN 0x{event.pan_id:04X}, "
                f"coordinator {event.ieee} ({event.radio_type})"
            )
        case ev.NetworkDown(reason=reason):
            return f"network down: {reason}"
        case ev.DeviceJoined(ieee=ieee, nwk=nwk):
            return f"{ieee} joined (0x{nwk:04X}), interviewing"
        case ev.DeviceInitialized(device=dev, restored=restored):
            how = "known" if restored else "interviewed"
            eps = ", ".join(f"ep{e.id}" for e in dev.endpoints)
            return f"{dev.ieee} {how}: {dev.manufacturer} {dev.model} ({eps})"
        case ev.InterviewFailed(ieee=ieee):
            return (
                f"{ieee} could not be interviewed; `zigbridge reinterview {ieee}` (or PUT "
                '/devices/<mac> {"reinterview": true}) tries again'
            )
        case ev.DeviceAnnounced(ieee=ieee):
            return f"{ieee} announced itself"
        case ev.DeviceLeft(ieee=ieee):
            return f"{ieee} left the network"
        case ev.DeviceRemoved(ieee=ieee):
            return f"{ieee} removed"
        case ev.AttributeReport():
            what = "read" if event.read else "report"
            name = event.attribute_name or f"0x{event.attribute:04X}"
            return (
                f"{event.ieee} ep{event.endpoint} 0x{event.cluster:04X} {what} "
                f"{name}={event.value!r}"
            )
        case ev.ClusterCommand():
            to = f" to group {event.group}" if event.group is not None else ""
            return (
                f"{event.ieee} ep{event.endpoint} sent {event.command_name}{to} "
                f"{event.args or ''}".rstrip()
            )
        case ev.AvailabilityChanged(ieee=ieee, available=available):
            return f"{ieee} is {'available' if available else 'unavailable'}"
        case ev.PermitJoinChanged(seconds=seconds):
            return f"joining open for {seconds} s" if seconds else "joining closed"
        case ev.StoredDevicesLoaded(count=count):
            return f"{count} stored devices loaded"
    return None


def log_event(event: ev.RadioEvent, level: int = logging.INFO) -> None:
    if not LOGGER.isEnabledFor(level):
        return
    text = describe(event)
    if text is not None:
        LOGGER.log(level, "%s", text)


class UnsupportedNotice:
    """Says once (per device and run) that an interviewed device became no resource: the
    one line a user pairing an unsupported device needs, with what it is made of."""

    def __init__(self) -> None:
        self._told: set[str] = set()

    def check(self, dev: Device | None) -> None:
        if dev is None or dev.resources or dev.interview != "done":
            if dev is not None:
                self._told.discard(dev.info.ieee)
            return
        if dev.info.ieee in self._told:
            return
        self._told.add(dev.info.ieee)
        info = dev.info
        LOGGER.info(
            "%s (%s by %s) is not supported: no light or sensor for its clusters (%s); "
            "`zigbridge devices` lists it as unsupported",
            info.ieee,
            info.model or "unknown model",
            info.manufacturer or "unknown manufacturer",
            describe_clusters(dev),
        )
