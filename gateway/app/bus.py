"""The event bus: the one way messages leave the gateway.

`publish` stamps each deCONZ message with the next sequence number of this start (`epoch`
names the start, so a number from an earlier run is never mistaken for one of this run),
encodes it once as deCONZ does (compact, keys sorted), keeps it in the journal and hands it
to every sink in order. It is synchronous: a sink registered with `subscribe` sees every
event after the snapshot taken in the same call, with no gap and no repeat, because nothing
can run between the two.

Radio events reach `watch`ers after the store has handled them (metrics, the systemd
status, the simulated pairing). They carry no sequence number and are not journaled: they
are not part of the deCONZ stream.

A sink or watcher that raises is logged (once until it next succeeds) and the others still
get the event: one broken consumer must not silence the websocket.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from gateway.app.journal import Journal
from gateway.core.notify_forms import forms_of
from gateway.core.resources import Message, deconz_json
from radio.events import RadioEvent

LOGGER = logging.getLogger("gateway")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Event:
    """One published deCONZ message: its place in the stream, the object and its text."""

    seq: int
    message: Message
    text: str


Sink = Callable[[Event], None]
Watcher = Callable[[RadioEvent], None]


class _Consumers:
    """Callbacks called in registration order, each failure logged once per episode."""

    __slots__ = ("_failing", "_items", "_kind")

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._items: list[Callable[[Any], None]] = []
        self._failing: set[int] = set()

    def add(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        self._items.append(callback)

        def remove() -> None:
            if callback in self._items:
                self._items.remove(callback)
                self._failing.discard(id(callback))

        return remove

    def call(self, item: Any) -> None:
        for callback in tuple(self._items):
            try:
                callback(item)
            except Exception:
                if id(callback) not in self._failing:
                    self._failing.add(id(callback))
                    LOGGER.exception(
                        "%s %r failed; the others still get events", self._kind, callback
                    )
            else:
                if self._failing:
                    self._failing.discard(id(callback))


class EventBus:
    def __init__(self, journal: Journal | None = None, *, epoch: str | None = None) -> None:
        self.epoch = epoch or uuid.uuid4().hex
        self.journal = journal if journal is not None else Journal()
        self._seq = 0
        self._sinks = _Consumers("event sink")
        self._watchers = _Consumers("radio event watcher")

    @property
    def seq(self) -> int:
        """The last sequence number given out: also how many events this start published."""
        return self._seq

    def publish(self, messages: Iterable[Message]) -> None:
        for message in messages:
            self._seq += 1
            text = deconz_json(message)
            self.journal.append(self._seq, text, forms_of(message))
            self._sinks.call(Event(self._seq, message, text))

    def add_sink(self, sink: Sink) -> Callable[[], None]:
        """Deliver every event from now on; returns the function that stops it."""
        return self._sinks.add(sink)

    def subscribe(self, sink: Sink, snapshot: Callable[[], T]) -> tuple[T, int, Callable[[], None]]:
        """`snapshot()` and the registration of `sink` at one point of the stream: returns
        the snapshot, the seq it reflects, and the function that stops the sink."""
        taken = snapshot()
        return taken, self._seq, self._sinks.add(sink)

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Radio events, after the store has handled them; returns the function that stops it."""
        return self._watchers.add(watcher)

    def radio_event(self, event: RadioEvent) -> None:
        self._watchers.call(event)
