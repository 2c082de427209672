"""A slow fsync (an SD card) must not freeze the gateway: while a commit waits, REST reads
are answered and the websocket carries device reports; the write's own reply comes only
once its commit is done, and a stop writes what was handed over."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
import websockets
from zigpy.zcl.clusters.measurement import IlluminanceMeasurement

from gateway.core.persistence import DB_FILENAME, Persistence
from tests.gateway.conftest import WsClient, start_daemon, stop_daemon, until


class CommitGate:
    """Holds every commit of the writer thread while closed: a storage that does not
    answer its fsync. The real commit follows once the gate opens."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.closed = False
        self.waiting = threading.Event()
        self.opened = threading.Event()
        commit = Persistence._commit

        def gated_commit(persistence: Persistence, conn: sqlite3.Connection) -> None:
            if self.closed:
                self.waiting.set()
                self.opened.wait(30)
            commit(persistence, conn)

        monkeypatch.setattr(Persistence, "_commit", gated_commit)

    def close(self) -> None:
        self.closed, self.waiting = True, threading.Event()
        self.opened.clear()

    def open(self) -> None:
        self.closed = False
        self.opened.set()


def stored_name(data_dir: Path, light_id: str) -> str | None:
    """The light's name as the database has it, read through a connection of our own."""
    with sqlite3.connect(data_dir / DB_FILENAME) as conn:
        row = conn.execute(
            "SELECT name FROM resources WHERE kind = 'lights' AND id = ?", (int(light_id),)
        ).fetchone()
    return None if row is None else row[0]


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> CommitGate:
    return CommitGate(monkeypatch)


async def test_reads_and_events_go_on_while_a_commit_waits(tmp_path: Path, gate: CommitGate):
    running = await start_daemon(tmp_path)
    ws = WsClient(await websockets.connect(running.ws_url))
    try:
        light_id = next(iter(await running.get("/lights")))
        gate.close()
        rename = asyncio.create_task(running.put(f"/lights/{light_id}", {"name": "Attic"}))
        await until(gate.waiting.is_set, what="the rename's commit to be waiting")

        lights = await running.get("/lights")  # answered while the commit waits
        assert lights[light_id]["name"] == "Attic"  # from memory, as the push said
        seen = len(ws.events)
        sensor = running.sim("SIM-MS1")
        running.network.emit(sensor.report(None, IlluminanceMeasurement, {"measured_value": 23456}))
        await ws.wait(
            lambda e: e in ws.events[seen:] and e.get("state", {}).get("lightlevel") == 23456
        )
        assert not rename.done()  # not acknowledged: it is not on disk yet
        assert stored_name(tmp_path, light_id) != "Attic"

        gate.open()
        response = await asyncio.wait_for(rename, 30)
        assert response.status_code == 200, response.text
        assert response.json() == [{"success": {f"/lights/{light_id}/name": "Attic"}}]
        assert stored_name(tmp_path, light_id) == "Attic"
    finally:
        gate.open()
        await ws.close()
        await stop_daemon(running)


async def test_writes_keep_their_order_and_a_stop_writes_them(tmp_path: Path, gate: CommitGate):
    running = await start_daemon(tmp_path)
    light_id = next(iter(await running.get("/lights")))
    gate.close()
    renames = []
    for name in ("One", "Two", "Three"):
        renames.append(asyncio.create_task(running.put(f"/lights/{light_id}", {"name": name})))
        await until(lambda n=name: running.gateway.store.lights[light_id].name == n, what=name)
    await until(gate.waiting.is_set, what="the first commit to be waiting")
    assert not any(r.done() for r in renames)

    stopping = asyncio.create_task(stop_daemon(running))
    await asyncio.sleep(0)
    gate.open()
    await asyncio.wait_for(stopping, 30)
    await asyncio.gather(*renames, return_exceptions=True)  # the server went away mid-reply
    assert stored_name(tmp_path, light_id) == "Three"

    again = await start_daemon(tmp_path)
    try:
        assert (await again.get(f"/lights/{light_id}"))["name"] == "Three"
    finally:
        await stop_daemon(again)


async def test_a_failed_write_is_answered_with_the_internal_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    running = await start_daemon(tmp_path)
    try:
        light_id = next(iter(await running.get("/lights")))
        commit = Persistence._commit

        def disk_full(persistence: Persistence, conn: sqlite3.Connection) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(Persistence, "_commit", disk_full)
        response = await running.put(f"/lights/{light_id}", {"name": "Lost"})
        assert response.json()[0]["error"]["type"] == 901, response.text
        monkeypatch.setattr(Persistence, "_commit", commit)
        response = await running.put(f"/lights/{light_id}", {"name": "Kept"})
        assert response.json() == [{"success": {f"/lights/{light_id}/name": "Kept"}}]
        assert stored_name(tmp_path, light_id) == "Kept"
    finally:
        await stop_daemon(running)
