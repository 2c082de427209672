"""What the bridge owes the broker, kept so that a reconnect sends the latest, never a
backlog.

Retained topics are owed as keys (`("lights", "3")`, `STATE`, `INFO`, …): a change marks
its key dirty, and the key is rendered from the gateway's current state only when it is
published, so ten reports while the broker is away cost one message, of the latest state.
Non-retained messages (the event stream, button events, command answers) are owed only
while connected: an event from an outage is stale by the time the broker is back.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any

from gateway.core.resources import Message

Key = tuple[str, str]
STATE: Key = ("bridge", "state")
INFO: Key = ("bridge", "info")
DISCOVERY: Key = ("discovery", "bridge")
RESOURCE_KINDS = ("lights", "sensors", "groups")


def keys_of(message: Message) -> list[Key]:
    """The retained resources a deCONZ message changes (a scene's is its group's)."""
    kind, rid = message.get("r"), message.get("id")
    if kind in RESOURCE_KINDS and rid is not None:
        return [(kind, str(rid))]
    if kind == "scenes" and message.get("gid") is not None:
        return [("groups", str(message["gid"]))]
    return []


def button_event(message: Message) -> tuple[str, Any] | None:
    """(sensor id, buttonevent) when the message reports a button press."""
    if message.get("r") != "sensors" or message.get("e") != "changed":
        return None
    state = message.get("state")
    if isinstance(state, dict) and "buttonevent" in state:
        return str(message.get("id")), state["buttonevent"]
    return None


class Outbox:
    def __init__(self, stream_limit: int = 10_000) -> None:
        self.connected = False
        self._dirty: dict[Key, None] = {}
        self._stream: deque[tuple[str, str]] = deque()
        self._limit = stream_limit
        self.stream_dropped = 0  # non-retained messages the broker could not take in time

    def __bool__(self) -> bool:
        return bool(self._dirty) or bool(self._stream)

    @property
    def owed(self) -> int:
        """Retained topics owed (dirty keys)."""
        return len(self._dirty)

    def mark(self, keys: Iterable[Key]) -> None:
        for key in keys:
            self._dirty[key] = None

    def resync(self, keys: Iterable[Key]) -> None:
        """A new connection: everything owed, in the order given, then what was dirty
        besides (a resource deleted while away: its retained message must be cleared)."""
        before = self._dirty
        self._dirty = dict.fromkeys(keys)
        self.mark(before)

    def stream(self, topic: str, text: str) -> None:
        if not self.connected:
            return
        if len(self._stream) >= self._limit:
            self._stream.popleft()
            self.stream_dropped += 1
        self._stream.append((topic, text))

    def disconnected(self) -> None:
        self.connected = False
        self._stream.clear()

    def take_stream(self, n: int) -> list[tuple[str, str]]:
        return [self._stream.popleft() for _ in range(min(n, len(self._stream)))]

    def take_dirty(self, n: int) -> list[Key]:
        taken = []
        for key in self._dirty:
            if len(taken) == n:
                break
            taken.append(key)
        for key in taken:
            del self._dirty[key]
        return taken
