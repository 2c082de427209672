"""Websocket protocol v1 (issue 13): fan-out cost against the legacy stream, and resume.

- Fan-out: the in-process daemon; ``CLIENTS`` connections held by a reader process that
  only drains its sockets (``_reader``: raw sockets, stdlib only). Temperature reports of
  ``SENSORS`` sensors go through the whole gateway (``on_radio_event``: store → bus → both
  streams), one per loop iteration, pausing while a client has more than ``HIGH_WATER``
  bytes queued. Three modes, interleaved ``repeats`` times in the same run: the legacy
  stream; v1 subscribed with no filter; v1 with a filter on one of ten sensors (10 % of the
  events). Figure: the process's CPU per event (reports, store and bus included, the same
  work in every mode), from the first report until every client's buffer is empty.
- Resume: a v1 session subscribed, ``MISSED`` events published while it is away, then the
  subscribe with ``since``: CPU of that one synchronous call (replay included, frames
  built), with and without a filter; and the heap the journal holds at its default size.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import selectors
import time
import tracemalloc
from pathlib import Path
from typing import Any

from .common import HOST, Report

CLIENTS = 100
SENSORS = 10
EVENTS = 3000
MISSED = 10_000
HIGH_WATER = 256 * 1024
SECTION = "websocket v1"


# ---- the reader process (stdlib only) ---------------------------------------------------------


def _masked_text(text: str) -> bytes:
    payload = text.encode()
    n = len(payload)
    head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0xFE]) + n.to_bytes(2, "big")
    return head + b"\0\0\0\0" + payload  # an all-zero mask leaves the payload as is


def _reader(port: int, path: str, hello: str, count: int, ctrl: Any) -> None:
    from bench.clients import _handshake

    socks = []
    for _ in range(count):
        sock, _rest = _handshake(HOST, port, path, 10.0)
        if hello:
            sock.setblocking(True)
            sock.sendall(_masked_text(hello))
            sock.setblocking(False)
        socks.append(sock)
    sel = selectors.DefaultSelector()
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
    ctrl.send("ready")
    received = 0
    while not ctrl.poll():
        for key, _ in sel.select(0.05):
            try:
                data = key.fileobj.recv(1 << 18)
            except BlockingIOError:
                continue
            received += len(data)
    ctrl.recv()
    for sock in socks:
        sock.close()
    ctrl.send(received)


class Readers:
    def __init__(self, port: int, path: str, hello: str, count: int) -> None:
        ctx = mp.get_context("spawn")
        self.ctrl, child = ctx.Pipe()
        self.proc = ctx.Process(target=_reader, args=(port, path, hello, count, child))
        self.proc.start()

    async def ready(self) -> None:
        while not self.ctrl.poll():
            await asyncio.sleep(0.01)
        self.ctrl.recv()

    def stop(self) -> int:
        self.ctrl.send("stop")
        received = self.ctrl.recv()
        self.proc.join(10)
        return int(received)


# ---- fan-out -----------------------------------------------------------------------------------


def _report(daemon: Any, uniqueid: str, value: int) -> None:
    from radio.events import AttributeReport

    ieee, endpoint = uniqueid.split("-")[:2]
    daemon.gateway.on_radio_event(
        AttributeReport(ieee, int(endpoint, 16), 0x0402, 0, "measured_value", value)
    )


async def _drained(server: Any) -> None:
    while any(s._transport.get_write_buffer_size() for s in server.subscribers):
        await asyncio.sleep(0.001)


async def _fan_out(daemon: Any, uniqueids: list[str], events: int, base: int) -> float:
    """CPU seconds per event for `events` reports, one per loop iteration."""
    server = daemon.ws
    await _drained(server)
    cpu0 = time.process_time()
    for i in range(events):
        _report(daemon, uniqueids[i % len(uniqueids)], base + i)
        await asyncio.sleep(0)
        if i % 32 == 0:
            while any(s.buffered_bytes > HIGH_WATER for s in server.subscribers):
                await asyncio.sleep(0.001)
    await _drained(server)
    return (time.process_time() - cpu0) / events


async def _mode(daemon: Any, key: str, mode: str, sensors: list[tuple[str, str]]) -> Readers:
    port = daemon.ws.port
    if mode == "legacy":
        readers = Readers(port, "/", "", CLIENTS)
    else:
        flt = {} if mode == "v1_all" else {"filter": {"r": ["sensors"], "id": [sensors[0][0]]}}
        hello = json.dumps({"id": 1, "type": "subscribe", **flt})
        readers = Readers(port, f"/v1?apikey={key}", hello, CLIENTS)
    await readers.ready()
    subscribed = 0 if mode == "legacy" else CLIENTS
    while daemon.ws.client_count < CLIENTS or len(daemon.v1.hub) < subscribed:
        await asyncio.sleep(0.01)
    return readers


async def fanout(report: Report, daemon: Any, key: str, repeats: int, events: int) -> None:
    sensors = [
        (sid, s.uniqueid)
        for sid, s in daemon.gateway.store.sensors.items()
        if s.type == "ZHATemperature"
    ][:SENSORS]
    uniqueids = [uid for _, uid in sensors]
    modes = ("legacy", "v1_all", "v1_10pct")
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    base = 0
    for _ in range(repeats):
        for mode in modes:
            readers = await _mode(daemon, key, mode, sensors)
            await _fan_out(daemon, uniqueids, 200, base)  # warm-up
            base += 200
            cpu[mode].append(await _fan_out(daemon, uniqueids, events, base))
            base += events
            readers.stop()
            while daemon.ws.client_count:
                await asyncio.sleep(0.01)
    labels = {
        "legacy": f"legacy stream: CPU per event, {CLIENTS} clients, reports through the whole "
        "gateway",
        "v1_all": "v1, no filter (every client gets every event)",
        "v1_10pct": "v1, a filter matching 10 % of the events",
    }
    for mode, label in labels.items():
        per_event = [c * 1e6 for c in cpu[mode]]
        name = f"ws_{mode}_us_per_event_{CLIENTS}"
        report.add_median(name, per_event, unit="µs", section=SECTION, label=label)
    for mode in ("v1_all", "v1_10pct"):
        ratios = [v / leg for v, leg in zip(cpu[mode], cpu["legacy"], strict=True)]
        report.add_median(
            f"ws_{mode}_over_legacy",
            ratios,
            section=SECTION,
            label=f"{mode} CPU per event / legacy's, same run",
        )


# ---- resume --------------------------------------------------------------------------------


def resume(report: Report, daemon: Any) -> None:
    from gateway.ws.v1.session import Session

    gw = daemon.gateway
    sensors = [s for s in gw.store.sensors.values() if s.type == "ZHATemperature"][:SENSORS]
    if gw.bus.journal.max_events < MISSED:
        report.note(f"journal holds {gw.bus.journal.max_events} < {MISSED} events: no resume")
        return
    results: dict[str, list[float]] = {"all": [], "10pct": []}
    for rep in range(3):
        since = gw.bus.seq
        for i in range(MISSED):
            _report(daemon, sensors[i % len(sensors)].uniqueid, 20000 + rep * MISSED + i)
        for name, flt in (("all", {}), ("10pct", {"filter": {"id": [sensors[0].id]}})):
            session = Session(daemon.v1.host, None, 0.0, gw_key(gw))
            session.start()
            text = json.dumps(
                {
                    "id": 1,
                    "type": "subscribe",
                    "since": {"epoch": gw.bus.epoch, "seq": since},
                    **flt,
                }
            )
            t0 = time.process_time()
            out = session.receive(text, 0.0)
            results[name].append(time.process_time() - t0)
            session.close()
            assert json.loads(out[0].text)["result"]["resumed"], out[0].text[:200]
            if name == "all":
                frames = len(out) - 1
    report.add_median(
        "ws_resume_ms_10000",
        [r * 1e3 for r in results["all"]],
        unit="ms",
        section=SECTION,
        label=f"resume after {MISSED} missed events: the subscribe call, replay built "
        f"({frames} frames)",
    )
    report.add_median(
        "ws_resume_10pct_ms_10000",
        [r * 1e3 for r in results["10pct"]],
        unit="ms",
        section=SECTION,
        label=f"the same with a filter matching 10 % (each of {MISSED} entries decoded)",
    )
    journal_heap(report, gw.bus.journal)


def gw_key(gw: Any) -> str:
    return next(iter(gw.auth.keys))


def journal_heap(report: Report, journal: Any) -> None:
    """Heap of a journal at its default size, filled with this run's real events."""
    from gateway.app.journal import Journal

    entries = list(journal.since(journal.first_seq - 1) or [])
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    fresh = Journal()
    for i in range(fresh.max_events):
        entry = entries[i % len(entries)]
        fresh.append(i + 1, entry.text[:-1] + "}", entry.forms)  # a string of its own
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    report.add(
        "ws_journal_heap_mb",
        used / (1 << 20),
        unit="MiB",
        section=SECTION,
        label=f"journal heap at its default {fresh.max_events} events ({len(fresh)} held)",
    )


# ---- the scenario --------------------------------------------------------------------------


async def run(
    report: Report, template: Path, work: Path, devices: int, *, quick: bool = False
) -> None:
    from .inproc import start_daemon, stop_daemon

    daemon = await start_daemon(template, work / "v1", devices)
    try:
        key = daemon.gateway.auth.create_key("bench-v1")
        await fanout(report, daemon, key, 1 if quick else 3, EVENTS // 2 if quick else EVENTS)
        resume(report, daemon)
    finally:
        await stop_daemon(daemon)
