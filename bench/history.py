"""Sensor history (issue 13): query latency over a week of a 200-device home, what
recording costs per event, and how big the file is.

- The queries go to a real zigbridge process (``GET /api/<key>/sensors/<id>/history``,
  one keep-alive connection, one request at a time) on a copy of the prepared data dir
  whose ``history.db`` is seeded directly: ``SERIES`` sensor keys x one sample every
  5 minutes x 7 days, in the daemon's own layout (``gateway.history.storage``). Beside them,
  in the same run: the same SELECTs on the same file with bare ``sqlite3`` (the database's
  share), and ``GET /api/<key>/sensors/<id>`` (the REST floor: HTTP and dispatch alone).
- Recording: sensor ``changed`` messages published through the event bus with and without
  the recorder attached, interleaved; wall time per event on the loop, and the process's
  CPU per event including the worker thread's commits.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from .common import (
    CHILDREN,
    HOST,
    Report,
    free_port,
    full_state_counts,
    median,
    now,
    percentile,
    zigbridge_argv,
)

SERIES = 200
DAYS = 7
STEP_MS = 5 * 60 * 1000
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS
SECTION = "history"


# ---- seeding ------------------------------------------------------------------------------


def sensor_ids(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "zigbridge.db") as db:
        rows = db.execute("SELECT id FROM resources WHERE kind = 'sensors' AND deleted = 0")
        return [str(r[0]) for r in rows]


def series_of(sensors: list[str], count: int) -> list[tuple[str, str]]:
    """`count` (sensor, key) pairs: every sensor's temperature, then humidity, ..."""
    keys = ("temperature", "humidity", "pressure", "battery")
    return [(sensors[i % len(sensors)], keys[i // len(sensors)]) for i in range(count)]


def seed(path: Path, series: list[tuple[str, str]], end_ms: int) -> int:
    """A week of samples for every series, written as the recorder writes them."""
    from gateway.history.samples import Sample
    from gateway.history.storage import Storage

    path.unlink(missing_ok=True)
    storage = Storage(path)
    rng = random.Random(13)
    start = end_ms - DAYS * DAY_MS
    rows = 0
    for sensor, key in series:
        value = rng.randint(1500, 2500)
        batch = []
        for ms in range(start + rng.randrange(STEP_MS), end_ms, STEP_MS):
            value += rng.randint(-20, 20)
            batch.append(Sample(sensor, key, ms, value))
        storage.write(batch)
        rows += len(batch)
    storage.close()
    with sqlite3.connect(path) as db:  # what the file settles at (the WAL checkpointed)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return rows


# ---- queries --------------------------------------------------------------------------------


def _get(conn: http.client.HTTPConnection, path: str) -> float:
    t0 = now()
    conn.request("GET", path)
    resp = conn.getresponse()
    data = resp.read()
    elapsed = (now() - t0) * 1000.0
    if resp.status != 200:
        raise RuntimeError(f"GET {path}: {resp.status} {data[:200]!r}")
    json.loads(data)
    return elapsed


def rest_times(port: int, paths: list[str]) -> list[float]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        for path in paths[:20]:
            _get(conn, path)  # warm-up
        return [_get(conn, path) for path in paths]
    finally:
        conn.close()


def sql_times(path: Path, picks: list[tuple[str, str]], sql: str, params) -> list[float]:
    """The bare SELECT for each pick; `params(series_id)` gives its parameters."""
    db = sqlite3.connect(path)
    try:
        ids = {(s, k): i for i, s, k in db.execute("SELECT id, sensor, key FROM series")}
        times = []
        for pick in picks:
            t0 = now()
            db.execute(sql, params(ids[pick])).fetchall()
            times.append((now() - t0) * 1000.0)
        return times
    finally:
        db.close()


RAW_SQL = (
    "SELECT ms, value FROM samples WHERE series = ? AND ms BETWEEN ? AND ? ORDER BY ms DESC LIMIT ?"
)
AGG_SQL = (
    "SELECT (ms - ?) / ? AS bucket, count(*), total(value), min(value), max(value) FROM samples "
    "WHERE series = ? AND ms BETWEEN ? AND ? GROUP BY bucket ORDER BY bucket DESC LIMIT ?"
)


async def _start(data: Path, devices: int, key: str) -> tuple[object, int]:
    http_port, ws_port = free_port(), free_port()
    argv = zigbridge_argv(data, http_port, ws_port, devices, quiet=True)
    proc = CHILDREN.spawn([*argv, "--history-days", str(DAYS)], log=data.parent / "history.log")
    deadline = now() + 60
    while await asyncio.to_thread(full_state_counts, http_port, key, 1.0) is None:
        if proc.poll() is not None or now() > deadline:
            raise RuntimeError(f"zigbridge did not start; see {data.parent / 'history.log'}")
        await asyncio.sleep(0.05)
    return proc, http_port


async def queries(report: Report, template: Path, work: Path, devices: int, key: str, n: int):
    import shutil

    data = work / "history-data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(template, data)
    for name in ("history.db", "history.db-wal", "history.db-shm"):
        (data / name).unlink(missing_ok=True)
    series = series_of(sensor_ids(data), SERIES)
    end = int(time.time() * 1000)
    t0 = now()
    rows = await asyncio.to_thread(seed, data / "history.db", series, end)
    seeded_s = now() - t0
    size_mb = (data / "history.db").stat().st_size / 2**20
    report.add(
        "history_rows_7d",
        rows,
        section=SECTION,
        label=f"samples seeded: {SERIES} series x 1 per 5 min x {DAYS} days",
        note=f"seeded in {seeded_s:.1f} s",
    )
    report.add(
        "history_db_mb_7d",
        size_mb,
        unit="MiB",
        section=SECTION,
        label=f"history.db holding them (retention {DAYS} days bounds it: a year is the same)",
        note=f"{size_mb * 2**20 / rows:.1f} bytes per sample",
    )

    rng = random.Random(7)
    picks = [rng.choice(series) for _ in range(n)]
    base = f"/api/{key}/sensors"
    day = (end - DAY_MS, end)
    week = (end - DAYS * DAY_MS, end)
    hourly = f"&interval={HOUR_MS}&agg=avg"
    kinds = {  # name: (query string, bare SQL, its parameters for a series id, label)
        "raw24h": (
            f"start={day[0]}&end={day[1]}",
            RAW_SQL,
            lambda sid: (sid, *day, 1000),
            "raw points of one key over 24 h (288)",
        ),
        "raw7d": (
            f"start={week[0]}&end={week[1]}&limit=10000",
            RAW_SQL,
            lambda sid: (sid, *week, 10000),
            "raw points of one key over 7 days (2016)",
        ),
        "avg7d": (
            f"start={week[0]}&end={week[1]}{hourly}",
            AGG_SQL,
            lambda sid: (week[0], HOUR_MS, sid, *week, 1000),
            "hourly averages of one key over 7 days (168 buckets)",
        ),
    }
    proc, port = await _start(data, devices, key)
    try:
        floor = await asyncio.to_thread(rest_times, port, [f"{base}/{s}" for s, _ in picks])
        results = {}
        for name, (query, *_) in kinds.items():
            paths = [f"{base}/{s}/history?keys={k}&{query}" for s, k in picks]
            results[name] = await asyncio.to_thread(rest_times, port, paths)
    finally:
        await asyncio.to_thread(CHILDREN.stop, proc)
    report.add(
        "history_rest_floor_p99_ms",
        percentile(sorted(floor), 99),
        unit="ms",
        section=SECTION,
        label="baseline: GET /sensors/<id> p99 (HTTP + dispatch alone)",
    )
    for name, (_, sql, params, label) in kinds.items():
        bare = await asyncio.to_thread(sql_times, data / "history.db", picks, sql, params)
        ours = sorted(results[name])
        report.add(
            f"history_{name}_p99_ms",
            percentile(ours, 99),
            unit="ms",
            section=SECTION,
            label=f"GET /sensors/<id>/history p99: {label}",
            note=f"p50 {percentile(ours, 50):.2f} ms; {n} queries",
        )
        bare.sort()
        report.add(
            f"history_sql_{name}_p99_ms",
            percentile(bare, 99),
            unit="ms",
            section=SECTION,
            label="baseline: the same SELECT on the same file, bare sqlite3",
            note=f"p50 {percentile(bare, 50):.2f} ms",
        )


# ---- recording ------------------------------------------------------------------------------


def _messages(count: int, sensors: int = 160) -> list[dict]:
    """Sensor `changed` messages as the store publishes them for temperature reports."""
    return [
        {
            "e": "changed",
            "id": str(1 + i % sensors),
            "r": "sensors",
            "state": {"lastupdated": "2026-12-01T22:00:00.000", "temperature": 2000 + i % 500},
            "t": "event",
        }
        for i in range(count)
    ]


def _publish_run(messages: list[dict], path: Path | None) -> tuple[float, float]:
    """(loop µs per event, process CPU µs per event) publishing `messages` through a bus,
    with a recorder on `path` attached (None: none); the CPU includes writing them all."""
    from gateway.app.bus import EventBus
    from gateway.history.recorder import Recorder

    bus = EventBus()
    bus.add_sink(lambda event: None)  # the websocket's place: a sink that does nothing
    recorder = None
    if path is not None:
        path.unlink(missing_ok=True)
        recorder = Recorder(path, DAYS, clock=time.time)
        recorder.flush().result(30)  # the database is open before timing starts
        bus.add_sink(lambda event: recorder.record(event.message))
    cpu0, t0 = time.process_time(), now()
    for message in messages:
        bus.publish((message,))
    loop = now() - t0
    if recorder is not None:
        recorder.flush().result(60)
        recorder.close()
    cpu = time.process_time() - cpu0
    return loop / len(messages) * 1e6, cpu / len(messages) * 1e6


async def recording(report: Report, events: int, rounds: int) -> None:
    messages = _messages(events)
    with tempfile.TemporaryDirectory(prefix="zigbridge-history-") as tmp:
        path = Path(tmp) / "history.db"
        runs: dict[str, list[tuple[float, float]]] = {"off": [], "on": []}
        for _ in range(rounds):  # interleaved, so a change in the machine's load hits both
            runs["off"].append(await asyncio.to_thread(_publish_run, messages, None))
            runs["on"].append(await asyncio.to_thread(_publish_run, messages, path))
    off_loop = median(r[0] for r in runs["off"])
    on_loop = median(r[0] for r in runs["on"])
    off_cpu = median(r[1] for r in runs["off"])
    on_cpu = median(r[1] for r in runs["on"])
    report.add(
        "history_bus_us_per_event",
        off_loop,
        unit="µs",
        section=SECTION,
        label="baseline: one sensor event through the bus, no recorder",
        note=f"{events} events x {rounds} rounds",
    )
    report.add(
        "history_record_us_per_event",
        on_loop - off_loop,
        unit="µs",
        section=SECTION,
        label="recording's cost per event on the event loop (with - without)",
        note=f"{on_loop:.2f} µs per event with it",
    )
    report.add(
        "history_record_cpu_us_per_event",
        on_cpu - off_cpu,
        unit="µs",
        section=SECTION,
        label="recording's CPU per event, the worker's batch commits included",
        note=f"{on_cpu:.2f} µs with, {off_cpu:.2f} µs without",
    )


async def run(
    report: Report, template: Path, work: Path, devices: int, key: str, *, quick: bool
) -> None:
    await queries(report, template, work, devices, key, 200 if quick else 500)
    await recording(report, 20_000 if quick else 100_000, 3)
