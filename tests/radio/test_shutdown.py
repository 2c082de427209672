"""A zigpy shutdown stuck behind its write queue must not keep the process alive."""

from __future__ import annotations

import asyncio
import threading

from radio.controller import Radio
from tests.radio.conftest import EventLog, settings


def database_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "_connection_worker_thread" in repr(t._target)]


async def test_a_stuck_zigpy_shutdown_still_closes_its_database(tmp_path, monkeypatch):
    before = set(database_threads())
    radio = Radio(settings(tmp_path), EventLog().append)
    await radio.start()
    listener = radio.app._dblistener
    never = asyncio.Event()

    async def stuck_join() -> None:  # zigpy's write queue that never drains
        await never.wait()

    monkeypatch.setattr(listener._callback_handlers, "join", stuck_join)
    await radio.stop()
    for _ in range(100):
        if not set(database_threads()) - before:
            break
        await asyncio.sleep(0.05)
    assert not set(database_threads()) - before, "zigpy's database thread is still running"
