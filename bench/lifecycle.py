"""A real zigbridge process: first start, restart, restart with a slow radio, memory.

Every figure here comes from ``python -m gateway.cli.main`` (or ``bench.zigbridge_proc``,
the same ``main`` plus bench-only knobs) in its own process on a copy of one prepared
data directory, on ephemeral 127.0.0.1 ports.
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .clients import ClientPool, Session
from .common import (
    CHILDREN,
    HOST,
    Report,
    cpu_seconds,
    create_api_key,
    free_port,
    full_state_counts,
    http_json,
    median,
    metric,
    now,
    rss_mb,
    spread,
    zigbridge_argv,
)

POLL = 0.01


@dataclass
class Prepared:
    data_dir: Path
    key: str
    lights: int
    sensors: int
    devices: int


def _copy(template: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template, dest)
    return dest


async def _poll_full_state(
    port: int, key: str, want: tuple[int, int], proc: subprocess.Popen, timeout: float
) -> tuple[float | None, float | None, tuple[int, int] | None]:
    """Poll ``GET /api/<key>`` every 10 ms. Returns (first 200 answer, full state, the
    counts the first answer had)."""
    t_api = t_full = None
    first = None
    deadline = now() + timeout
    while now() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"zigbridge exited with {proc.returncode} during start-up")
        counts = await asyncio.to_thread(full_state_counts, port, key, 1.0)
        t = now()
        if counts is not None:
            if t_api is None:
                t_api, first = t, counts
            if counts == want:
                t_full = t
                break
        await asyncio.sleep(POLL)
    return t_api, t_full, first


async def prepare(report: Report, work: Path, devices: int) -> Prepared:
    """First start on an empty data dir: the network forms and every device is
    interviewed. Creates the API key the other scenarios use."""
    data = work / "template"
    data.mkdir(parents=True)
    http_port, ws_port = free_port(), free_port()
    log = work / "first-start.log"
    t0 = now()
    proc = CHILDREN.spawn(zigbridge_argv(data, http_port, ws_port, devices, quiet=True), log=log)
    try:
        deadline = now() + 120
        while b"zigbridge is running" not in log.read_bytes():
            if proc.poll() is not None:
                raise RuntimeError(f"first start failed; see {log}:\n{log.read_text()[-2000:]}")
            if now() > deadline:
                raise RuntimeError(f"first start with {devices} devices took over 120 s")
            await asyncio.sleep(POLL)
        t_ready = now()
        key = await asyncio.to_thread(create_api_key, http_port, data)
        counts = await asyncio.to_thread(full_state_counts, http_port, key, 10.0)
        if counts is None:
            raise RuntimeError("GET /api/<key> failed after the first start")
        # Let the background reporting set-up of the new devices finish before stopping.
        await asyncio.sleep(1.0)
    finally:
        code = await asyncio.to_thread(CHILDREN.stop, proc)
    if code not in (0, None):
        raise RuntimeError(f"zigbridge exited with {code} on SIGTERM; see {log}")
    report.add(
        f"first_start_s_{devices}",
        t_ready - t0,
        unit="s",
        section="start-up",
        label=f"first start: form the network, interview {devices} new devices",
    )
    report.note(
        f"{devices} simulated devices → {counts[0]} lights and {counts[1]} sensors in the REST API"
    )
    return Prepared(data, key, counts[0], counts[1], devices)


async def _start_once(
    prep: Prepared, work: Path, name: str, *, wrapper: bool, env: dict | None, timeout: float
) -> tuple[float, float, tuple[int, int] | None]:
    data = _copy(prep.data_dir, work / name)
    http_port, ws_port = free_port(), free_port()
    argv = zigbridge_argv(data, http_port, ws_port, prep.devices, wrapper=wrapper)
    t0 = now()
    proc = CHILDREN.spawn(argv, log=work / f"{name}.log", env=env)
    try:
        t_api, t_full, first = await _poll_full_state(
            http_port, prep.key, (prep.lights, prep.sensors), proc, timeout
        )
    finally:
        await asyncio.to_thread(CHILDREN.stop, proc)
    api = (t_api - t0) if t_api is not None else math.nan
    full = (t_full - t0) if t_full is not None else math.nan
    return api, full, first


async def startup(report: Report, prep: Prepared, work: Path, runs: int) -> None:
    n = prep.devices
    api, full = [], []
    for i in range(runs):
        a, f, _ = await _start_once(prep, work, f"restart-{i}", wrapper=False, env=None, timeout=30)
        api.append(a)
        full.append(f)
        print(f"  restart {i + 1}: API answers after {a:.2f} s, full state after {f:.2f} s")
    report.add(
        f"startup_s_{n}",
        median(full),
        unit="s",
        section="start-up",
        label=f"process start → GET /api/<key> with all {n} devices",
        target="< 2",
        note=spread(full),
    )
    report.add(
        f"startup_api_s_{n}",
        median(api),
        unit="s",
        section="start-up",
        label="process start → first 200 from GET /api/<key> (held until the stored devices "
        "are loaded)",
        note=spread(api),
    )


async def slow_radio(report: Report, prep: Prepared, work: Path, runs: int, delay: float) -> None:
    n = prep.devices
    env = {"ZBBENCH_RADIO_DELAY": str(delay)}
    api, full, firsts = [], [], []
    for i in range(runs):
        a, f, first = await _start_once(
            prep, work, f"slow-radio-{i}", wrapper=True, env=env, timeout=delay + 30
        )
        api.append(a)
        full.append(f)
        firsts.append(first)
        print(
            f"  slow radio ({delay:g} s) {i + 1}: API answers after {a:.2f} s with "
            f"{first[0] if first else '?'} lights/{first[1] if first else '?'} sensors, "
            f"full state after {f:.2f} s"
        )
    report.add(
        f"startup_slow_radio_s_{n}",
        median(full),
        unit="s",
        section="start-up",
        label=f"same, coordinator takes {delay:g} s to answer",
        target="< 2",
        note=spread(full),
    )
    report.add(
        f"startup_slow_radio_api_s_{n}",
        median(api),
        unit="s",
        section="start-up",
        label=f"first 200 from GET /api/<key>, {delay:g} s radio",
        note=spread(api),
    )
    if firsts and firsts[0] is not None and firsts[0] != (prep.lights, prep.sensors):
        report.add(
            f"startup_slow_radio_api_lights_{n}",
            firsts[0][0],
            section="start-up",
            label="lights served while the radio is still starting",
        )
        report.note(
            f"while the radio starts, GET /api/<key> answers with {firsts[0][0]} lights and "
            f"{firsts[0][1]} sensors (of {prep.lights}/{prep.sensors}) in its first answer: "
            "restored devices appear once zigpy has loaded its database, before the radio is up"
        )


@dataclass
class Soak:
    """The daemon under a sustained report load, RSS sampled every second."""

    prep: Prepared
    work: Path
    seconds: float
    warmup: float
    light_reports: float
    pool: ClientPool | None = None
    samples: list[tuple[float, float]] = field(default_factory=list)
    # (time, bytes) of the daemon's event journal, which fills up to its bound in the first
    # minute of reports (gateway/app/journal.py): memory the daemon means to hold.
    journal: list[tuple[float, float]] = field(default_factory=list)

    async def start(self) -> None:
        data = _copy(self.prep.data_dir, self.work / "soak")
        self.http_port, self.ws_port = free_port(), free_port()
        self.modules = self.work / "soak-modules.json"
        argv = zigbridge_argv(data, self.http_port, self.ws_port, self.prep.devices, wrapper=True)
        env = {
            "ZBBENCH_LIGHT_REPORTS": str(self.light_reports),
            "ZBBENCH_MODULES": str(self.modules),
        }
        self.log = self.work / "soak.log"
        self.proc = CHILDREN.spawn(argv, log=self.log, env=env)
        _, t_full, _ = await _poll_full_state(
            self.http_port,
            self.prep.key,
            (self.prep.lights, self.prep.sensors),
            self.proc,
            30,
        )
        if t_full is None:
            raise RuntimeError(f"soak daemon did not start; see {self.log}")
        while not self.modules.exists():
            await asyncio.sleep(POLL)
        await asyncio.sleep(2.0)
        self.rss_started = rss_mb(self.proc.pid)
        self.ws_session = None
        if self.pool is not None:
            # One client (a Home Assistant) reads every event for the whole soak.
            self.ws_session = Session(
                port=self.ws_port, connections=1, total=0, ranges=[], timeout=self.seconds * 4
            )
            await self.pool.start(self.ws_session)
        self.t_start = now()
        self.cpu_start = cpu_seconds(self.proc.pid)
        self.task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        end = self.t_start + self.warmup + self.seconds
        while now() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"soak daemon exited with {self.proc.returncode}")
            t = now() - self.t_start
            self.samples.append((t, rss_mb(self.proc.pid)))
            size = await asyncio.to_thread(metric, self.http_port, "zigbridge_event_journal_bytes")
            if size is not None:
                self.journal.append((t, size))
            await asyncio.sleep(1.0)

    async def finish(self, report: Report) -> None:
        await self.task
        wall = now() - self.t_start
        cpu = cpu_seconds(self.proc.pid) - self.cpu_start
        frames = 0
        if self.pool is not None:
            self.pool.stop()
            results = await self.pool.results(10)
            frames = sum(c["frames"] for r in results for c in r["conns"])
        status, _ = await asyncio.to_thread(
            http_json, self.http_port, "GET", f"/api/{self.prep.key}/config"
        )
        await asyncio.to_thread(CHILDREN.stop, self.proc)
        floor = await _floor(self.modules)
        n = self.prep.devices
        soak = [(t, r) for t, r in self.samples if t >= self.warmup]
        head = median(r for _, r in soak[:10])
        tail = median(r for _, r in soak[-10:])
        slope = _slope(soak) * 3600.0
        section = "memory"
        report.add(
            f"rss_mb_{n}",
            self.rss_started,
            unit="MiB",
            section=section,
            label=f"RSS after start-up, {n} devices",
        )
        report.add(
            f"rss_growth_mb_{n}",
            tail - head,
            unit="MiB",
            section=section,
            label=f"RSS growth over {self.seconds:g} s of reports (last 10 s - first 10 s; "
            "includes the event journal filling to its bound)",
        )
        full_at = _journal_full_at(self.journal)
        after = [(t, r) for t, r in soak if full_at is not None and t >= full_at]
        report.add(
            f"rss_growth_after_journal_mb_{n}",
            median(r for _, r in after[-10:]) - median(r for _, r in after[:10])
            if len(after) >= 20
            else math.nan,
            unit="MiB",
            section=section,
            label="RSS growth once the event journal is full (nan: the soak ended too soon after)",
            target="~ 1",
        )
        if full_at is not None:
            report.note(
                f"soak: the event journal reached its bound ({self.journal[-1][1] / 2**20:.2f} "
                f"MiB of frames) {full_at - self.warmup:.0f} s into the soak"
            )
        report.add(
            f"rss_slope_mb_per_h_{n}",
            slope,
            unit="MiB/h",
            section=section,
            label="least-squares RSS trend over the soak",
        )
        report.add(
            f"rss_max_mb_{n}",
            max(r for _, r in self.samples),
            unit="MiB",
            section=section,
            label="highest RSS sample",
        )
        report.add(
            "rss_floor_mb",
            floor,
            unit="MiB",
            section=section,
            label="a process that only imports the same libraries",
        )
        report.add(
            f"rss_over_floor_mb_{n}",
            self.rss_started - floor,
            unit="MiB",
            section=section,
            label=f"rss_mb_{n} - rss_floor_mb",
            target="<= 10",
        )
        report.add(
            "soak_s", self.seconds, unit="s", section=section, label="soak duration (after warm-up)"
        )
        report.add(
            "soak_events_per_s",
            frames / wall if wall else math.nan,
            unit="events/s",
            section=section,
            label="websocket events the soak's client received per second",
        )
        report.add(
            "soak_cpu_share",
            cpu / wall if wall else math.nan,
            section=section,
            label="soak daemon CPU (1 = one core)",
        )
        if status != 200:
            report.note(f"soak: GET /config answered {status} at the end")


def _slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 3:
        return math.nan
    n = len(points)
    mx = sum(t for t, _ in points) / n
    my = sum(r for _, r in points) / n
    sxx = sum((t - mx) ** 2 for t, _ in points)
    sxy = sum((t - mx) * (r - my) for t, r in points)
    return sxy / sxx if sxx else math.nan


async def _floor(modules: Path) -> float:
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bench.floor", str(modules)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.floor failed: {out.stderr[-2000:]}")
    result = json.loads(out.stdout)
    if result["failed"]:
        print(f"  floor: {len(result['failed'])} modules did not import alone: {result['failed']}")
    return result["rss_mb"]


__all__ = ["HOST", "Prepared", "Soak", "prepare", "slow_radio", "startup"]


def _journal_full_at(samples: list[tuple[float, float]]) -> float | None:
    """When the journal stopped growing: the first sample within 2 % of the largest."""
    if not samples:
        return None
    top = max(size for _, size in samples)
    if top <= 0:
        return None
    return next(t for t, size in samples if size >= 0.98 * top)
