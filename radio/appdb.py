"""zigpy's database listener, with the writes every report causes coalesced.

zigpy 2.4 persists each attribute report and each last-seen update with a statement and an
aiosqlite round trip of its own: two per received frame, queued on the event loop without
bound. Under a burst of reports (1000/s in ``bench/``) that was ~40 % of the gateway's CPU
and a backlog of thousands of writes. Both are "latest value wins" upserts, so this
listener keeps the latest per row and hands them to zigpy's own handlers (same SQL, same
30 s "unchanged" rule) at most once per :data:`WRITE_INTERVAL`.

It also subscribes to each cluster once instead of once per event type (zigpy: eight
subscriptions per cluster, ~1.5 MiB for 200 devices); the handlers are zigpy's own.

What does not change: every other write keeps its order relative to these (a pending batch
is queued before it), so a removed device is never written back; zigpy commits only every
30 s anyway, so a crash loses nothing it would not have lost; a clean shutdown writes the
batch first.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Callable, Hashable
from typing import Any

import zigpy.config as zigpy_conf
from zigpy.appdb import PersistingListener
from zigpy.zcl import AttributeWrittenEvent
from zigpy.zcl.foundation import Status

LOGGER = logging.getLogger(__name__)

WRITE_INTERVAL = 1.0
"""Seconds a report's write may wait to be merged with later ones (commits wait 30 s)."""


def _attribute_key(event: Any) -> Hashable | None:
    if isinstance(event, AttributeWrittenEvent) and event.status != Status.SUCCESS:
        return None  # zigpy ignores failed writes; it must not replace a pending value
    return (
        event.device_ieee,
        event.endpoint_id,
        event.cluster_type,
        event.cluster_id,
        event.attribute_id,
        event.manufacturer_code,
    )


# zigpy handler name -> the row its arguments write (None: nothing to write).
_COALESCED: dict[str, Callable[..., Hashable | None]] = {
    "_save_attribute": _attribute_key,
    "_save_device_last_seen": lambda ieee, last_seen: ieee,
}


class _WriteQueue(asyncio.Queue):
    """zigpy's write queue, counting each write until its handler has finished."""

    def __init__(self) -> None:
        super().__init__()
        self.unfinished = 0

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(item)
        self.unfinished += 1

    def task_done(self) -> None:
        super().task_done()
        self.unfinished -= 1


class _Subscriptions:
    """Stands in for a cluster to record what zigpy's listener subscribes to."""

    def __init__(self) -> None:
        self.handlers: dict[str, Callable[[Any], None]] = {}

    def on_event(self, name: str, callback: Callable[[Any], None], with_context: bool = False):
        if with_context:  # zigpy 2.4 never asks for it; a later zigpy must be looked at
            raise TypeError(f"context subscription to {name!r} is not supported")
        self.handlers[name] = callback
        return lambda: None


class CoalescingListener(PersistingListener):
    """A ``PersistingListener`` whose per-report writes are merged per row."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._batch: dict[tuple[str, Hashable], tuple[Any, ...]] = {}
        self._batch_timer: asyncio.TimerHandle | None = None
        # Swapped before zigpy's worker first runs (it reads the attribute on every write).
        self._callback_handlers = _WriteQueue()
        recorder = _Subscriptions()
        super().register_cluster_events(recorder)
        self._cluster_handlers = recorder.handlers

    def register_cluster_events(self, cluster: Any) -> None:
        """One subscription per cluster, dispatching to zigpy's handler for each event."""
        cluster.on_all_events(self._on_cluster_event, with_context=True)

    def _on_cluster_event(self, name: str, event: Any) -> None:
        handler = self._cluster_handlers.get(name)
        if handler is not None:
            handler(event)

    @property
    def pending_writes(self) -> int:
        """Writes not yet done: coalesced rows not yet queued, plus zigpy's queue
        including the write its worker is running."""
        return len(self._batch) + self._callback_handlers.unfinished

    def enqueue(self, cb_name: str, *args: Any) -> None:
        key_of = _COALESCED.get(cb_name)
        if key_of is None or not self.running:
            self.write_pending()  # anything else waits for the merged writes before it
            super().enqueue(cb_name, *args)
            return
        key = key_of(*args)
        if key is None:
            return
        self._batch[cb_name, key] = args
        if self._batch_timer is None:
            loop = asyncio.get_running_loop()
            self._batch_timer = loop.call_later(WRITE_INTERVAL, self.write_pending)

    def write_pending(self) -> None:
        """Queue the merged writes now (shutdown, ordering, or the timer)."""
        if self._batch_timer is not None:
            self._batch_timer.cancel()
            self._batch_timer = None
        if self._batch:
            batch, self._batch = self._batch, {}
            super().enqueue("_write_batch", batch)

    async def _write_batch(self, batch: dict[tuple[str, Hashable], tuple[Any, ...]]) -> None:
        for (cb_name, _), args in batch.items():
            try:
                await getattr(self, cb_name)(*args)
            except sqlite3.Error as exc:  # as zigpy's worker does: one bad row, not all
                LOGGER.debug("Error writing %s%s: %s", cb_name, args, exc)

    async def shutdown(self) -> None:
        self.write_pending()
        await super().shutdown()


@functools.cache
def with_coalesced_writes(cls: type) -> type:
    """``cls`` (a radio library's ControllerApplication) using :class:`CoalescingListener`."""

    async def _load_db(self: Any) -> None:
        # zigpy's own _load_db, with the listener class swapped (zigpy has no hook for it).
        database_file = self.config[zigpy_conf.CONF_DATABASE]
        if not database_file:
            return
        self._dblistener = await CoalescingListener.new(database_file, self)
        await self._dblistener.load()
        self._add_db_listeners()

    return type(cls.__name__, (cls,), {"_load_db": _load_db, "__module__": cls.__module__})
