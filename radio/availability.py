"""Device availability, the way Zigbee2MQTT does it.

Mains-powered devices (routers) are expected to answer: when one has been silent for
`mains_timeout` it is pinged, and a failed ping makes it unavailable. Battery devices sleep
and are never pinged; they become unavailable after `battery_timeout` of silence. Any frame
from a device makes it available again at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from radio import events as ev


@dataclass(slots=True)
class _Node:
    mains: bool
    last_rx: float
    available: bool = True
    last_seen_event: float = float("-inf")
    last_ping: float = float("-inf")


class AvailabilityTracker:
    def __init__(
        self,
        *,
        mains_timeout: float,
        battery_timeout: float,
        emit: Callable[[ev.RadioEvent], None],
    ):
        self.mains_timeout = mains_timeout
        self.battery_timeout = battery_timeout
        self._emit = emit
        self._nodes: dict[str, _Node] = {}

    def track(self, ieee: str, mains: bool, last_seen_epoch: float | None) -> None:
        now = time.monotonic()
        age = max(0.0, time.time() - last_seen_epoch) if last_seen_epoch else 0.0
        previous = self._nodes.get(ieee)
        self._nodes[ieee] = _Node(
            mains=mains,
            last_rx=now - age,
            available=previous.available if previous else True,
        )

    def forget(self, ieee: str) -> None:
        self._nodes.pop(ieee, None)

    def is_available(self, ieee: str) -> bool:
        node = self._nodes.get(ieee)
        return node.available if node else False

    def seen(
        self, ieee: str, now: float, lqi: int | None, rssi: int | None, interval: float
    ) -> None:
        node = self._nodes.get(ieee)
        if node is None:
            return
        node.last_rx = now
        if not node.available:
            node.available = True
            self._emit(ev.AvailabilityChanged(ieee, True))
        if now - node.last_seen_event >= interval:
            node.last_seen_event = now
            self._emit(ev.DeviceSeen(ieee, lqi, rssi))

    def to_ping(self, now: float) -> list[str]:
        """Mains devices silent for longer than the timeout, at most one ping per period."""
        due = []
        for ieee, node in self._nodes.items():
            if (
                node.mains
                and node.available
                and now - node.last_rx >= self.mains_timeout
                and now - node.last_ping >= self.mains_timeout
            ):
                node.last_ping = now
                due.append(ieee)
        return due

    def ping_failed(self, ieee: str) -> None:
        self._set_unavailable(ieee)

    def expire(self, now: float) -> None:
        for ieee, node in self._nodes.items():
            if not node.mains and node.available and now - node.last_rx >= self.battery_timeout:
                self._set_unavailable(ieee)

    def _set_unavailable(self, ieee: str) -> None:
        node = self._nodes.get(ieee)
        if node is not None and node.available:
            node.available = False
            self._emit(ev.AvailabilityChanged(ieee, False))
