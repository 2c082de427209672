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


def churn(path: Path, series: list[tuple[str, str]], start_ms: int, days: int) -> list[float]:
    """`days` more of the same reports on the seeded file, as the daemon would write them
    (batches of 1000 time-ordered samples) with an hourly prune at the retention; returns
    each prune's duration in ms."""
    from gateway.history.recorder import DEFAULT_BATCH_ROWS
    from gateway.history.samples import Sample
    from gateway.history.storage import Storage

    storage = Storage(path)
    rng = random.Random(14)
    offsets = [rng.randrange(STEP_MS) for _ in series]
    prunes: list[float] = []
    batch: list[Sample] = []
    next_prune = start_ms + HOUR_MS
    for step in range(start_ms, start_ms + days * DAY_MS, STEP_MS):
        for (sensor, key), offset in zip(series, offsets, strict=True):
            batch.append(Sample(sensor, key, step + offset, rng.randint(1500, 2500)))
            if len(batch) >= DEFAULT_BATCH_ROWS:
                storage.write(batch)
                batch = []
        if step >= next_prune:
            t0 = now()
            storage.prune(step - DAYS * DAY_MS)
            prunes.append((now() - t0) * 1000.0)
            next_prune += HOUR_MS
    storage.write(batch)
    storage.close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return prunes


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


def recorder_times(path: Path, picks: list[tuple[str, str]], query: str) -> list[float]:
    """`Recorder.query` in this process (the worker-thread hop, the merge with what waits)
    for each pick, the parameters parsed from `query` once."""
    from urllib.parse import parse_qsl

    from gateway.history.query import parse_query
    from gateway.history.recorder import Recorder

    recorder = Recorder(path, DAYS, clock=time.time)
    try:
        q = parse_query(parse_qsl(query), int(time.time() * 1000))
        times = []
        for sensor, key in picks:
            t0 = now()
            recorder.query(sensor, (key,), q).result(10)
            times.append((now() - t0) * 1000.0)
        return times
    finally:
        recorder.close()


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
    label = "baseline: GET /sensors/<id> p99 (HTTP + dispatch alone)"
    add_p99(report, "history_rest_floor_p99_ms", floor, label)
    for name, (query, sql, params, what) in kinds.items():
        bare = await asyncio.to_thread(sql_times, data / "history.db", picks, sql, params)
        inner = await asyncio.to_thread(recorder_times, data / "history.db", picks, query)
        label = f"GET /sensors/<id>/history p99: {what}"
        add_p99(report, f"history_{name}_p99_ms", results[name], label, f"; {n} queries")
        label = "the same through Recorder.query in-process (no HTTP)"
        add_p99(report, f"history_recorder_{name}_p99_ms", inner, label)
        label = "baseline: the same SELECT on the same file, bare sqlite3"
        add_p99(report, f"history_sql_{name}_p99_ms", bare, label)


def add_p99(report: Report, name: str, times: list[float], label: str, more: str = "") -> None:
    """The p99 of `times` (ms) as a figure, its p50 in the note."""
    ordered = sorted(times)
    note = f"p50 {percentile(ordered, 50):.2f} ms{more}"
    report.add(name, percentile(ordered, 99), unit="ms", section=SECTION, label=label, note=note)


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
    """(CPU µs per event of the publishing thread, CPU µs per event of the process)
    publishing `messages` through a bus with a recorder on `path` attached (None: none);
    the process's CPU includes the worker thread writing them all. CPU, not wall time:
    on a shared machine the wall clock mostly measures the neighbours."""
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
    cpu0, thread0 = time.process_time(), time.thread_time()
    for message in messages:
        bus.publish((message,))
    thread = time.thread_time() - thread0
    if recorder is not None:
        recorder.flush().result(60)
        recorder.close()
    cpu = time.process_time() - cpu0
    return thread / len(messages) * 1e6, cpu / len(messages) * 1e6


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
        label="baseline: one sensor event through the bus, no recorder (loop CPU)",
        note=f"{events} events x {rounds} rounds",
    )
    report.add(
        "history_record_us_per_event",
        on_loop - off_loop,
        unit="µs",
        section=SECTION,
        label="recording's CPU per event on the event loop (with - without)",
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


async def steady_state(report: Report, work: Path, days: int) -> None:
    """The seeded file after `days` more of reports and hourly prunes: the size stays."""
    path = work / "history-data" / "history.db"
    series = series_of(sensor_ids(path.parent), SERIES)
    with sqlite3.connect(path) as db:
        last = db.execute("SELECT max(ms) FROM samples").fetchone()[0]
    t0 = now()
    prunes = await asyncio.to_thread(churn, path, series, last + 1, days)
    elapsed = now() - t0
    size_mb = path.stat().st_size / 2**20
    report.add(
        f"history_db_mb_after_{DAYS + days}d",
        size_mb,
        unit="MiB",
        section=SECTION,
        label=f"history.db after {days} more days of the same reports, pruned hourly",
        note=f"vs history_db_mb_7d; {elapsed:.1f} s to write them",
    )
    report.add(
        "history_prune_ms",
        median(prunes),
        unit="ms",
        section=SECTION,
        label=f"one hourly prune ({SERIES} series, an hour of samples each)",
        note=f"max {max(prunes):.1f} ms over {len(prunes)} prunes",
    )


async def _daemon_run(template: Path, work: Path, devices: int, reports: int, days: int) -> float:
    """Process CPU µs per temperature report handled by an in-process daemon (zigpy, store,
    bus, websocket with no client; history kept `days`), its database writes included."""
    import resource

    from .inproc import ReportFactory, drain_zigpy_db, stop_daemon, temperature_devices
    from .inproc import start_daemon as start_inproc

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    daemon = await start_inproc(template, work / f"history-ab-{days}", devices, history_days=days)
    try:
        gw, app = daemon.gateway, daemon.radio.app
        factory = ReportFactory(temperature_devices(daemon.demo))
        for i in range(200):  # warm-up
            app.packet_received(factory.make_one(i, 1000 + i))
        await drain_zigpy_db(app, 30)
        await asyncio.wrap_future(gw.history.flush())
        cpu0 = cpu()
        for i in range(reports):
            app.packet_received(factory.make_one(i, (i * 7) % 4000))
            if i % 100 == 99:
                await asyncio.sleep(0)
        await drain_zigpy_db(app, 60)
        await asyncio.wrap_future(gw.history.flush())
        used = cpu() - cpu0
    finally:
        await stop_daemon(daemon)
    return used / reports * 1e6


async def daemon_cost(
    report: Report, template: Path, work: Path, devices: int, reports: int, rounds: int
) -> None:
    """Recording on against off in a whole daemon, interleaved."""
    on, off = [], []
    for _ in range(rounds):
        off.append(await _daemon_run(template, work, devices, reports, 0))
        on.append(await _daemon_run(template, work, devices, reports, DAYS))
    report.add_median(
        "history_daemon_us_per_report_off",
        off,
        unit="µs",
        section=SECTION,
        label="baseline: a daemon's CPU per temperature report, history.days = 0",
    )
    report.add_median(
        "history_daemon_us_per_report_on",
        on,
        unit="µs",
        section=SECTION,
        label=f"the same with history.days = {DAYS} (its commits included)",
    )
    report.add(
        "history_daemon_ratio",
        median(on) / median(off),
        section=SECTION,
        label="on / off",
        note=f"{reports} reports x {rounds} rounds, interleaved",
    )


async def run(
    report: Report, template: Path, work: Path, devices: int, key: str, *, quick: bool
) -> None:
    await queries(report, template, work, devices, key, 200 if quick else 500)
    await steady_state(report, work, 2 if quick else 7)
    await recording(report, 20_000 if quick else 100_000, 3 if quick else 5)
    await daemon_cost(report, template, work, devices, 2000 if quick else 5000, 2 if quick else 3)
