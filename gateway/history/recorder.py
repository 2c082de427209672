"""The recorder: samples from the event bus into `history.db`, in batches, and queries that
see every sample recorded so far.

A report costs a few list appends on the event loop. Samples wait in memory until
`batch_rows` of them are waiting or the oldest has waited `flush_seconds` (checked by
`tick`, which the gateway calls every second), then the whole batch is handed to the one
worker thread that owns the database and commits it: one write per batch, never one per
report (SD cards). Queries run on the same thread, between commits, so a query sees the
database plus exactly the samples not yet in it (the batches queued behind it and the ones
still waiting), with no gap and no double count. `close` writes what is waiting.

Retention: samples older than `days` are pruned at start and every `prune_seconds`.
`days == 0` turns history off: nothing is recorded, no file is opened, and every query
answers empty lists.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gateway.core.resources import Message
from gateway.history.query import HistoryQuery, Point, bucket_points, in_window, raw_points
from gateway.history.samples import Sample, samples_of
from gateway.history.storage import DB_FILENAME, Storage

LOGGER = logging.getLogger("gateway.history")

DEFAULT_DAYS = 7
DEFAULT_BATCH_ROWS = 1000
DEFAULT_FLUSH_SECONDS = 10.0
DEFAULT_PRUNE_SECONDS = 3600.0
MAX_WAITING_ROWS = 100_000  # the disk is stuck: past this, new samples are dropped
DAY_MS = 86_400_000

Points = dict[str, list[Point]]


class Recorder:
    def __init__(
        self,
        path: str | Path | None,
        days: int = DEFAULT_DAYS,
        *,
        clock: Callable[[], float],
        batch_rows: int = DEFAULT_BATCH_ROWS,
        flush_seconds: float = DEFAULT_FLUSH_SECONDS,
        prune_seconds: float = DEFAULT_PRUNE_SECONDS,
    ) -> None:
        """`path` None or `days` 0: history is off."""
        self.days = days if path is not None else 0
        self.path = Path(path) if path is not None else None
        self.clock = clock
        self.batch_rows = batch_rows
        self.flush_seconds = flush_seconds
        self.prune_seconds = prune_seconds
        self._lock = threading.Lock()
        self._waiting: list[Sample] = []
        self._waiting_since = 0.0
        self._queued: deque[list[Sample]] = deque()  # handed to the worker, not yet written
        self._queued_rows = 0
        self._dropping = False
        self.recorded = 0  # samples accepted (counters for /metrics)
        self.written = 0  # ... committed to the file
        self.dropped = 0  # ... lost: the disk did not keep up, or a write failed
        self._next_prune = 0.0  # prune at the first tick
        self._closed = False
        self._storage: Storage | None = None
        self._worker: ThreadPoolExecutor | None = None
        if self.enabled:
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="history")
            self._worker.submit(self._open)

    @classmethod
    def in_data_dir(cls, data_dir: Path, days: int, **kw: Any) -> Recorder:
        return cls(data_dir / DB_FILENAME if days else None, days, **kw)

    @property
    def enabled(self) -> bool:
        return self.days > 0

    @property
    def waiting(self) -> int:
        """Samples recorded but not yet committed."""
        with self._lock:
            return len(self._waiting) + self._queued_rows

    # -- recording (event loop) --------------------------------------------------------

    def record(self, message: Message) -> None:
        """A bus sink's work: the message's samples join the waiting batch."""
        if not self.enabled or self._closed:
            return
        now = self.clock()
        samples = samples_of(message, int(now * 1000))
        if not samples:
            return
        with self._lock:
            if len(self._waiting) + self._queued_rows >= MAX_WAITING_ROWS:
                self.dropped += len(samples)
                if not self._dropping:
                    self._dropping = True
                    LOGGER.error("%s does not keep up: sensor history is being dropped", self.path)
                return
            self._dropping = False
            if not self._waiting:
                self._waiting_since = now
            self._waiting.extend(samples)
            self.recorded += len(samples)
            full = len(self._waiting) >= self.batch_rows
        if full:
            self._hand_over()

    def tick(self, now: float) -> None:
        """Called every second or so: hands over a batch that has waited long enough, and
        prunes when it is time."""
        if not self.enabled or self._closed:
            return
        if self._waiting and now - self._waiting_since >= self.flush_seconds:
            self._hand_over()
        if now >= self._next_prune:
            self._next_prune = now + self.prune_seconds
            self._submit(self._prune, int(now * 1000) - self.days * DAY_MS)

    def flush(self) -> Future[None]:
        """Hand over what is waiting; done once it (and everything before it) is written."""
        if not self.enabled or self._closed:
            return _done(None)
        self._hand_over()
        return self._submit(lambda: None)

    def close(self) -> None:
        """Write what is waiting, then stop the worker and close the database (blocks until
        the last batch is committed: a stop, not the event path)."""
        if not self.enabled or self._closed:
            return
        self._hand_over()
        self._closed = True
        assert self._worker is not None
        self._worker.submit(self._close_storage)
        self._worker.shutdown(wait=True)

    # -- querying ----------------------------------------------------------------------

    def query(self, sensor: str, keys: tuple[str, ...], q: HistoryQuery) -> Future[Points]:
        """The points of each key, computed on the worker thread."""
        if not self.enabled or self._closed:
            return _done({key: [] for key in keys})
        return self._submit(self._query, sensor, keys, q)

    # -- the worker thread -------------------------------------------------------------

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        assert self._worker is not None
        return self._worker.submit(fn, *args)

    def _hand_over(self) -> None:
        with self._lock:
            batch, self._waiting = self._waiting, []
            if not batch:
                return
            self._queued.append(batch)
            self._queued_rows += len(batch)
        self._submit(self._write)

    def _open(self) -> None:
        assert self.path is not None
        try:
            self._storage = Storage(self.path)
        except Exception:
            LOGGER.exception("Cannot open %s: sensor history is not kept", self.path)

    def _close_storage(self) -> None:
        if self._storage is not None:
            self._storage.close()
            self._storage = None

    def _write(self) -> None:
        with self._lock:
            batch = self._queued[0]
        written = False
        try:
            if self._storage is not None:
                self._storage.write(batch)
                written = True
        except Exception as exc:
            LOGGER.error("Could not write %d history samples to %s: %s", len(batch), self.path, exc)
        with self._lock:
            self._queued.popleft()
            self._queued_rows -= len(batch)
            if written:
                self.written += len(batch)
            else:
                self.dropped += len(batch)

    def _prune(self, before_ms: int) -> None:
        if self._storage is None:
            return
        try:
            deleted = self._storage.prune(before_ms)
        except Exception as exc:
            LOGGER.error("Could not prune %s: %s", self.path, exc)
        else:
            LOGGER.debug("Pruned %d history samples", deleted)

    def _query(self, sensor: str, keys: tuple[str, ...], q: HistoryQuery) -> Points:
        with self._lock:  # the worker writes nothing meanwhile: this is all not yet stored
            unstored = [s for batch in self._queued for s in batch]
            unstored.extend(self._waiting)
        storage = self._storage
        points: Points = {}
        for key in keys:
            waiting = in_window(unstored, sensor, key, q)
            if q.interval is None:
                stored = storage.raw(sensor, key, q.start, q.end, q.limit) if storage else []
                points[key] = raw_points(stored, waiting, q.limit)
            else:
                stored_buckets = (
                    storage.buckets(sensor, key, q.start, q.end, q.interval, q.limit)
                    if storage
                    else []
                )
                points[key] = bucket_points(stored_buckets, waiting, q)
        return points


def _done(value: Any) -> Future[Any]:
    future: Future[Any] = Future()
    future.set_result(value)
    return future
