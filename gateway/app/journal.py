"""The recent events, kept in memory for a client that reconnects and asks what it missed.

Bounded by count and by bytes, whichever is reached first, so a burst of large events cannot
grow it past its budget; nothing is written to storage per event (a Pi's SD card must not
take a write for every report). Entries are the encoded frames, not the message objects:
a few hundred bytes each instead of a few kilobytes of dicts.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from itertools import islice

from gateway.core.notify_forms import Forms

DEFAULT_MAX_EVENTS = 16384
DEFAULT_MAX_BYTES = 8 << 20
"""Enough for a client away through 10,000 events to resume (websocket v1): about 6 MiB of
heap at 16,384 typical events (bench/RESULTS.md); `websocket.journal_events` changes it."""


@dataclass(frozen=True, slots=True)
class Entry:
    """`forms`: what a `changed` message's other notify-all form needs (core/notify_forms)."""

    seq: int
    text: str
    forms: Forms | None = None


class Journal:
    def __init__(self, max_events: int = DEFAULT_MAX_EVENTS, max_bytes: int = DEFAULT_MAX_BYTES):
        if max_events < 1 or max_bytes < 1:
            raise ValueError("a journal keeps at least one event")
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._entries: deque[Entry] = deque()
        self._bytes = 0
        self._last = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def last_seq(self) -> int:
        """The newest sequence number appended (0 before the first)."""
        return self._last

    @property
    def first_seq(self) -> int:
        """The oldest sequence number still held (last_seq + 1 when empty)."""
        return self._entries[0].seq if self._entries else self._last + 1

    def append(self, seq: int, text: str, forms: Forms | None = None) -> None:
        if seq != self._last + 1:
            raise ValueError(f"sequence numbers have no gaps: {seq} after {self._last}")
        self._entries.append(Entry(seq, text, forms))
        self._bytes += len(text)
        self._last = seq
        while len(self._entries) > self.max_events or (
            self._bytes > self.max_bytes and len(self._entries) > 1
        ):
            self._bytes -= len(self._entries.popleft().text)

    def since(self, seq: int) -> list[Entry] | None:
        """Every entry after `seq`, in order; None when some of them are no longer held (or
        `seq` is ahead of the journal), so the caller must resynchronise from a snapshot."""
        if seq > self._last or seq < self.first_seq - 1:
            return None
        return list(islice(self._entries, seq - self.first_seq + 1, None))
