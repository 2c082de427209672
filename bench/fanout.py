"""Event fan-out: reports injected at the zigpy boundary → websocket frames in N clients.

Ours: the real daemon (zigpy on the simulated radio, the store, ``gateway.ws.server``) in this
process; each event is a temperature Report_Attributes frame handed to
``app.packet_received`` exactly as a radio library hands it over.

Baseline: a bare ``websockets`` server in this same process broadcasting the very frames
ours produces (captured from ours, pre-serialized, ``broadcast(..., text=True)``), one
``broadcast()`` per event, to the same client processes (``bench.clients``).

zigpy alone: a second zigpy application in this process on its own copy of the simulated
network (``bench.inproc.ZigpyAlone``), given the same reports the same way with nothing of
the gateway attached. Its CPU per report, measured next to ours in each repetition, is
subtracted from ours: what is left is what the gateway itself costs per event.

* Throughput (and zigpy alone's CPU): one event per event-loop iteration
  (``FanoutPlan.batch``; the burst variant hands over ``burst_batch`` per iteration), as
  fast as the server sustains, pausing while any client has more than ``HIGH_WATER`` bytes
  queued in the server (so no client is dropped as too slow). Rate = events / (first
  event → every client has every event and, for ours, zigpy has persisted them).
* Latency: a feeder process writes one byte per frame to a pipe at ``rate``/s; the loop
  injects what it finds readable, as a radio library does with its serial port. Latency =
  a client read the event - the feeder wrote its frame, over every (client, event) pair.

Every measurement starts with zigpy's database write queue empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import resource
import subprocess
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.server import broadcast, serve

from .clients import ClientPool, Session
from .common import HOST, Report, fmt, median, now, percentile
from .inproc import (
    ReportFactory,
    ZigpyAlone,
    drain_zigpy_db,
    start_daemon,
    start_zigpy_alone,
    stop_daemon,
    stop_zigpy_alone,
    temperature_devices,
    zigpy_db_backlog,
)

HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024
CHECK_EVERY = 32
VALUE_BASES = (0, 16384)  # alternate per session: no frame repeats within zigpy's 10 s dedup


@dataclass
class FanoutPlan:
    clients: tuple[int, ...] = (1, 10, 100)
    throughput_events: dict[int, int] = field(default_factory=lambda: {1: 1500, 10: 1500})
    throughput_default: int = 2000
    warmup: int = 300
    rate: float = 1000.0
    latency_seconds: dict[int, float] = field(default_factory=lambda: {1: 1.0, 10: 1.0})
    latency_default: float = 2.0
    repeats: int = 3  # for the largest N (the figures with targets)
    repeats_small: int = 1  # for the other N
    batch: int = 1
    burst_batch: int = 16  # events handed over per loop iteration in the burst variant
    burst_events: int = 1500
    realistic_rate: float = 100.0  # the air carries tens of frames per second
    realistic_seconds: float = 3.0


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _injector(app: Any, factory: ReportFactory, values: range) -> Callable[[int], None]:
    # Frames are built as they are injected (~10 us each, <1 % of the work per event),
    # not beforehand: ten thousand pre-built packets would slow every garbage
    # collection of the daemon's heap and show up in its latency.
    make = factory.make_one
    return lambda i: app.packet_received(make(i, values[i]))


class _Server:
    """What the pump needs from either server."""

    name = ""
    port = 0
    app: Any = None  # the zigpy application whose database writes a measurement waits for

    def clients(self) -> int:
        raise NotImplementedError

    def backlog(self) -> int:
        raise NotImplementedError

    def prepare(self, values: range) -> Callable[[int], None]:
        """Returns inject(index): hand over event ``index``, carrying ``values[index]``."""
        raise NotImplementedError


class Ours(_Server):
    name = "zigbridge"

    def __init__(self, daemon: Any) -> None:
        self.daemon = daemon
        self.port = daemon.ws.port
        self.app = daemon.radio.app
        self.factory = ReportFactory(temperature_devices(daemon.demo))

    def clients(self) -> int:
        return self.daemon.ws.client_count

    def backlog(self) -> int:
        return max((s.buffered_bytes for s in self.daemon.ws.subscribers), default=0)

    def prepare(self, values: range) -> Callable[[int], None]:
        return _injector(self.app, self.factory, values)

    def capture_frame(self) -> str:
        """One event exactly as ours serializes it, for the baseline."""
        gw = self.daemon.gateway
        seen: list[Any] = []
        stop = gw.bus.add_sink(lambda event: seen.append(event.text))
        try:
            self.app.packet_received(self.factory.make([-3000])[0])
        finally:
            stop()
        frames = [text for text in seen if '"temperature":-3000' in text]
        if len(frames) != 1:
            raise RuntimeError(f"expected one temperature event, got {seen}")
        return frames[0]


class Alone(_Server):
    """zigpy with no gateway attached: no clients, nothing queued for them."""

    name = "zigpy alone"

    def __init__(self, alone: ZigpyAlone) -> None:
        self.alone = alone
        self.app = alone.app
        self.factory = ReportFactory(temperature_devices(alone.demo))

    def clients(self) -> int:
        return 0

    def backlog(self) -> int:
        return 0

    def prepare(self, values: range) -> Callable[[int], None]:
        return _injector(self.app, self.factory, values)


class Baseline(_Server):
    name = "websockets"

    def __init__(self, template: str) -> None:
        self.prefix, rest = template.split('"temperature":-3000', 1)
        self.prefix += '"temperature":'
        self.suffix = rest
        self.conns: set[Any] = set()
        self.server: Any = None

    async def start(self) -> None:
        async def handler(connection: Any) -> None:
            self.conns.add(connection)
            try:
                await connection.wait_closed()
            finally:
                self.conns.discard(connection)

        self.server = await serve(
            handler, HOST, 0, compression=None, write_limit=1 << 20, max_size=1 << 16
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)

    def clients(self) -> int:
        return len(self.conns)

    def backlog(self) -> int:
        return max((c.transport.get_write_buffer_size() for c in self.conns), default=0)

    def prepare(self, values: range) -> Callable[[int], None]:
        conns = self.conns
        prefix, suffix = self.prefix, self.suffix
        return lambda i: broadcast(conns, f"{prefix}{values[i]}{suffix}".encode(), text=True)


async def _pump(inject: Callable[[int], None], first: int, end: int, batch: int, server) -> None:
    """As fast as sustained: ``batch`` events per loop iteration, paused on backlog."""
    i = first
    since_check = 0
    while i < end:
        if since_check >= CHECK_EVERY:
            since_check = 0
            if server.backlog() > HIGH_WATER:
                while server.backlog() > LOW_WATER:
                    await asyncio.sleep(0.001)
        stop = min(end, i + batch)
        while i < stop:
            inject(i)
            i += 1
        since_check += batch
        await asyncio.sleep(0)


_FEEDER = """
import os, signal, sys, time
from array import array
signal.signal(signal.SIGINT, signal.SIG_IGN)
fd, t0, rate, n = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
written = array("d", bytes(8 * n))
for i in range(n):
    delay = t0 + i / rate - time.perf_counter()
    if delay > 0:
        time.sleep(delay)
    os.write(fd, b"x")
    written[i] = time.perf_counter()
sys.stdout.buffer.write(written.tobytes())
"""


async def _paced(
    inject: Callable[[int], None], first: int, end: int, rate: float, lag: array
) -> tuple[array, float]:
    """Events at ``rate``/s, delivered the way a radio delivers frames: a feeder process
    (the "stick") writes one byte per frame to a pipe at t0 + i/rate, and the event loop
    injects every frame it finds readable, as a radio library does with its serial port.

    Returns when each frame was written (latency is measured from there: the pipe never
    blocks the feeder, so a gateway that falls behind pays for the wait - no coordinated
    omission - while the feeder's own timer slack is not counted) and the feeder's p99
    lateness against the schedule in ms. ``lag[i]``: frame written -> handed to zigpy."""
    loop = asyncio.get_running_loop()
    r, w = os.pipe()
    os.set_blocking(r, False)
    t0 = now() + 0.5  # the feeder's interpreter starts meanwhile
    count = end - first
    feeder = subprocess.Popen(
        [sys.executable, "-c", _FEEDER, str(w), repr(t0), repr(rate), str(count)],
        pass_fds=(w,),
        stdout=subprocess.PIPE,
    )
    os.close(w)
    done = loop.create_future()
    handed = array("d", bytes(8 * count))
    state = {"i": first}

    def readable() -> None:
        try:
            data = os.read(r, 65536)
        except BlockingIOError:
            return
        if not data:
            loop.remove_reader(r)
            if not done.done():
                done.set_result(None)
            return
        i = state["i"]
        for _ in range(len(data)):
            handed[i - first] = now()
            inject(i)
            i += 1
        state["i"] = i

    loop.add_reader(r, readable)
    try:
        await asyncio.wait_for(done, timeout=count / rate + 30)
    finally:
        loop.remove_reader(r)
        os.close(r)
        out, _ = await asyncio.to_thread(feeder.communicate, timeout=10)
    if state["i"] != end:
        raise RuntimeError(f"feeder delivered {state['i'] - first} of {count} frames")
    written = array("d")
    written.frombytes(out)
    late = sorted(written[j] - (t0 + j / rate) for j in range(count))
    for j in range(count):
        lag[first + j] = handed[j] - written[j]
    return written, percentile(late, 99) * 1000.0


async def _settle(server: _Server, timeout: float = 60.0) -> None:
    """Start each measurement from rest: zigpy's database writes from the previous one
    done (they are deferred work that would otherwise land in this measurement)."""
    if server.app is not None:
        await drain_zigpy_db(server.app, timeout, poll=0.02)


class Fanout:
    def __init__(self, pool: ClientPool, ours: Ours, baseline: Baseline, plan: FanoutPlan):
        self.pool = pool
        self.ours = ours
        self.baseline = baseline
        self.plan = plan
        self._sessions: dict[str, int] = {}

    def _base(self, server: _Server) -> int:
        """Each server's sessions alternate value ranges (zigpy's duplicate filter is per
        application, so the count is per server)."""
        session = self._sessions[server.name] = self._sessions.get(server.name, 0) + 1
        return VALUE_BASES[session % 2]

    async def _warm_up(self, server: _Server, inject: Callable[[int], None], batch: int) -> None:
        await _pump(inject, 0, self.plan.warmup, batch, server)
        await asyncio.sleep(0.3)
        await _settle(server)

    async def _connect(self, server: _Server, n: int, total: int, base: int, ranges, timeout):
        session = Session(
            port=server.port,
            connections=n,
            total=total,
            ranges=ranges,
            timeout=timeout,
            base=base,
        )
        await self.pool.start(session)
        deadline = now() + 15
        while server.clients() != n:
            if now() > deadline:
                raise RuntimeError(f"{server.name}: {server.clients()} clients, expected {n}")
            await asyncio.sleep(0.01)

    async def throughput(
        self, server: _Server, n: int, events: int, batch: int | None = None
    ) -> dict[str, float]:
        batch = batch or self.plan.batch
        w = self.plan.warmup
        total = w + events
        base = self._base(server)
        inject = server.prepare(range(base, base + total))
        await self._connect(server, n, total, base, [("last", w, total)], 30 + events / 100)
        t_warm = now()
        await self._warm_up(server, inject, batch)
        cpu0 = _cpu()
        t0 = now()
        await _pump(inject, w, total, batch, server)
        t_sent = now()
        results = await self.pool.results(60 + events / 100)
        backlog = zigpy_db_backlog(server.app)
        await _settle(server)
        t_persisted = now()
        cpu_all = _cpu() - cpu0
        lasts = [c["ranges"][0] for r in results for c in r["conns"]]
        received = sum(count for count, _ in lasts)
        t_last = max(last for _, last in lasts)
        # Sustained = every client has every event *and* zigpy has persisted them: work
        # deferred to zigpy's database queue is not free, only late.
        t_done = max(t_last, t_persisted if backlog else t_last)
        return {
            "events_per_s": events / (t_done - t0) if received else float("nan"),
            "delivered_per_s": events / (t_last - t0) if received else float("nan"),
            "lost": n * events - received,
            "server_us_per_event": cpu_all / events * 1e6,
            "send_s": t_sent - t0,
            "db_backlog": backlog,
            # the client processes idle before t_warm: their CPU went into this window
            "client_busy": max(r["cpu"] for r in results) / (t_last - t_warm),
        }

    async def zigpy_alone(self, server: Alone, events: int) -> float:
        """zigpy's CPU per report with no gateway attached, in us: the same warm-up, pump
        and database wait as ``throughput``, counted the same way (this process's CPU from
        the first measured report until zigpy has persisted the last)."""
        batch = self.plan.batch
        total = self.plan.warmup + events
        base = self._base(server)
        inject = server.prepare(range(base, base + total))
        await self._warm_up(server, inject, batch)
        cpu0 = _cpu()
        await _pump(inject, self.plan.warmup, total, batch, server)
        await _settle(server)
        return (_cpu() - cpu0) / events * 1e6

    async def latency(
        self, server: _Server, n: int, seconds: float, rate: float | None = None
    ) -> dict[str, Any]:
        rate = rate or self.plan.rate
        w = min(int(rate), 200)
        events = int(rate * seconds)
        total = w + events
        base = self._base(server)
        inject = server.prepare(range(base, base + total))
        await self._connect(server, n, total, base, [("times", w, total)], 30 + seconds * 3)
        await _settle(server)
        lag = array("d", bytes(8 * total))
        pauses: list[float] = []
        started: list[float] = []

        def gc_watch(phase: str, info: dict) -> None:
            if phase == "start":
                started.append(now())
            elif started:
                pauses.append((now() - started.pop()) * 1000.0)

        gc.callbacks.append(gc_watch)
        cpu0 = _cpu()
        try:
            written, feeder_late = await _paced(inject, 0, total, rate, lag)
        finally:
            gc.callbacks.remove(gc_watch)
        wall = now() - written[0]
        cpu = _cpu() - cpu0
        results = await self.pool.results(30 + seconds * 3)
        lat: list[float] = []
        lost = 0
        for r in results:
            for c in r["conns"]:
                times = array("d")
                times.frombytes(c["ranges"][0])
                for j, t in enumerate(times):
                    if t:
                        lat.append((t - written[w + j]) * 1000.0)
                    else:
                        lost += 1
        lat.sort()
        lags = sorted(lag[w:])
        return {
            "p50": percentile(lat, 50),
            "p99": percentile(lat, 99),
            "max": lat[-1] if lat else float("nan"),
            "lost": lost,
            "lag_p99": percentile(lags, 99) * 1000.0,
            "feeder_late_p99": feeder_late,
            "gc_max_ms": max(pauses, default=0.0),
            "gc_count": len(pauses),
            "server_busy": cpu / wall,
            "client_busy": max(r["cpu"] for r in results) / wall,
        }


async def run(
    report: Report, template: Path, workdir: Path, devices: int, pool: ClientPool, plan: FanoutPlan
) -> None:
    section = "fan-out"
    daemon = await start_daemon(template, workdir / "fanout-data", devices)
    baseline = None
    zigpy_alone = None
    try:
        zigpy_alone = await start_zigpy_alone(template, workdir / "zigpy-alone-data", devices)
        alone = Alone(zigpy_alone)
        ours = Ours(daemon)
        template = ours.capture_frame()
        baseline = Baseline(template)
        await baseline.start()
        bench = Fanout(pool, ours, baseline, plan)
        frame_len = len(template.encode())
        report.note(
            f"fan-out: {len(ours.factory._templates)} temperature sensors of {devices} devices, "
            f"~{frame_len}-byte event frames, {len(pool)} client processes, "
            f"{plan.batch} event(s) per loop iteration, {plan.repeats} repeat(s)"
        )
        for n in plan.clients:
            events = plan.throughput_events.get(n, plan.throughput_default)
            seconds = plan.latency_seconds.get(n, plan.latency_default)
            thr: dict[str, list[dict]] = {"ours": [], "base": []}
            lat: dict[str, list[dict]] = {"ours": [], "base": []}
            alone_us: list[float] = []
            big = n == max(plan.clients)
            repeats = plan.repeats if big else plan.repeats_small
            for rep in range(repeats):
                # zigpy alone next to ours, before or after it, for the largest N
                order = [("ours", ours), ("zigpy", alone), ("base", baseline)]
                if rep % 2:
                    order.reverse()
                for key, server in order:
                    if key != "zigpy":
                        thr[key].append(await bench.throughput(server, n, events))
                    elif big:
                        alone_us.append(await bench.zigpy_alone(alone, events))
                for key, server in order:
                    if key != "zigpy":
                        lat[key].append(await bench.latency(server, n, seconds))
                o, b = thr["ours"][-1], thr["base"][-1]
                own = (
                    f"; CPU/event ours {fmt(o['server_us_per_event'])} us, "
                    f"zigpy alone {fmt(alone_us[-1])} us"
                    if big
                    else ""
                )
                print(
                    f"  N={n:<3} run {rep + 1}: ours {fmt(o['events_per_s'])} ev/s, "
                    f"baseline {fmt(b['events_per_s'])} ev/s; at {fmt(plan.rate)}/s p99 "
                    f"ours {fmt(lat['ours'][-1]['p99'])} ms, "
                    f"baseline {fmt(lat['base'][-1]['p99'])} ms{own}",
                    flush=True,
                )
            _figures(report, section, n, plan, thr, lat)
            if big:
                _overhead_figures(report, section, n, thr["ours"], alone_us)
        n = max(plan.clients)
        if plan.realistic_rate:
            r = await bench.latency(ours, n, plan.realistic_seconds, plan.realistic_rate)
            for p in (50, 99):
                report.add(
                    f"fanout_p{p}_ms_{n}_at_{int(plan.realistic_rate)}",
                    r[f"p{p}"],
                    unit="ms",
                    section=section,
                    label=f"ours: latency p{p} at {fmt(plan.realistic_rate)} events/s "
                    f"(a busy Zigbee network), {n} clients",
                )
        if plan.burst_batch > 1 and plan.burst_events:
            await _burst(report, section, bench, n)
    finally:
        if baseline is not None:
            await baseline.stop()
        if zigpy_alone is not None:
            await stop_zigpy_alone(zigpy_alone)
        backlog = zigpy_db_backlog(daemon.radio.app if daemon.radio else None)
        drained = await stop_daemon(daemon)
        if backlog:
            report.note(
                f"fan-out: zigpy's database had {backlog} writes queued at the end; they "
                f"took {drained:.1f} s to drain"
            )


async def _burst(report: Report, section: str, bench: Fanout, n: int) -> None:
    """Events handed over ``burst_batch`` per loop iteration: what a radio library does
    with a backlog in its serial buffer, or a group command's reports from many lights."""
    plan = bench.plan
    rates: dict[str, list[float]] = {"ours": [], "base": []}
    for rep in range(max(1, plan.repeats - 1)):
        order = [("ours", bench.ours), ("base", bench.baseline)]
        if rep % 2:
            order.reverse()
        for key, server in order:
            r = await bench.throughput(server, n, plan.burst_events, plan.burst_batch)
            rates[key].append(r["events_per_s"])
        print(
            f"  N={n:<3} bursts of {plan.burst_batch}, run {rep + 1}: ours "
            f"{fmt(rates['ours'][-1])} ev/s, baseline {fmt(rates['base'][-1])} ev/s",
            flush=True,
        )
    ratios = [o / b for o, b in zip(rates["ours"], rates["base"], strict=True) if b]
    report.add_median(
        f"fanout_burst_events_per_s_{n}",
        rates["ours"],
        unit="events/s",
        section=section,
        label=f"events/s into {n} clients, {plan.burst_batch} events per loop iteration",
    )
    report.add_median(
        f"fanout_burst_baseline_events_per_s_{n}",
        rates["base"],
        unit="events/s",
        section=section,
        label=f"baseline, {plan.burst_batch} broadcasts per loop iteration",
    )
    report.add_median(
        f"fanout_burst_ratio_{n}",
        ratios,
        section=section,
        label=f"ours / baseline, bursts of {plan.burst_batch}",
    )


def _overhead_figures(
    report: Report, section: str, n: int, ours: list[dict], alone_us: list[float]
) -> None:
    """Our own CPU per event: ours minus zigpy alone, paired run by run (each pair was
    measured back to back, so a change in the machine's load hits both)."""
    ours_us = [r["server_us_per_event"] for r in ours]
    overhead = [o - z for o, z in zip(ours_us, alone_us, strict=True)]
    ratios = [d / z for d, z in zip(overhead, alone_us, strict=True) if z > 0]
    shares = [z / o for o, z in zip(ours_us, alone_us, strict=True) if o > 0]
    report.add_median(
        "fanout_zigpy_alone_us_per_event",
        alone_us,
        unit="us",
        section=section,
        label="zigpy alone: CPU per report (its parsing and DB writes; no gateway)",
    )
    report.add_median(
        "fanout_overhead_us_per_event",
        overhead,
        unit="us",
        section=section,
        label=f"our own CPU per event: ours - zigpy alone (store, fan-out to {n})",
    )
    report.add_median(
        "fanout_overhead_ratio",
        ratios,
        section=section,
        label="our own CPU / zigpy alone's, per event",
        note=f"zigpy is {median(shares):.0%} of our CPU per event",
    )


def _figures(report: Report, section: str, n: int, plan: FanoutPlan, thr, lat) -> None:
    ours_rate = [r["events_per_s"] for r in thr["ours"]]
    base_rate = [r["events_per_s"] for r in thr["base"]]
    ratios = [o / b for o, b in zip(ours_rate, base_rate, strict=True) if b]
    big = n == max(plan.clients)
    report.add_median(
        f"fanout_events_per_s_{n}",
        ours_rate,
        unit="events/s",
        section=section,
        label=f"events/s sustained into {n} client(s) (delivered and persisted)",
    )
    delivered = [r["delivered_per_s"] for r in thr["ours"]]
    report.add_median(
        f"fanout_delivered_events_per_s_{n}",
        delivered,
        unit="events/s",
        section=section,
        label=f"same, counting delivery only (zigpy's DB writes not waited for), {n} client(s)",
    )
    report.add_median(
        f"fanout_baseline_events_per_s_{n}",
        base_rate,
        unit="events/s",
        section=section,
        label=f"bare websockets broadcast, {n} client(s)",
    )
    report.add_median(
        f"fanout_ratio_{n}",
        ratios,
        section=section,
        label=f"ours / baseline events/s, {n} client(s)",
        target=">= 0.5" if big else "",
    )
    for key, prefix, label in (("ours", "fanout", "ours"), ("base", "fanout_baseline", "baseline")):
        # The median of the per-run percentiles: one run disturbed by the machine's other
        # work does not decide the figure; the spread says how much the runs differed.
        for p in (50, 99):
            per_run = [r[f"p{p}"] for r in lat[key]]
            report.add_median(
                f"{prefix}_p{p}_ms_{n}",
                per_run,
                unit="ms",
                section=section,
                label=f"{label}: latency p{p} at {fmt(plan.rate)} events/s, {n} client(s)",
                target="< 10" if big and key == "ours" and p == 99 else "",
            )
    if big:
        report.add(
            f"fanout_handover_lag_p99_ms_{n}",
            median(r["lag_p99"] for r in lat["ours"]),
            unit="ms",
            section=section,
            label=f"ours at {fmt(plan.rate)}/s: p99 frame written -> handed to zigpy (loop busy)",
        )
        report.add(
            f"fanout_feeder_late_p99_ms_{n}",
            median(r["feeder_late_p99"] for r in lat["ours"]),
            unit="ms",
            section=section,
            label="the feeder's own p99 lateness vs schedule (not in the latency)",
        )
    lost = sum(r["lost"] for r in thr["ours"]) + sum(r["lost"] for r in lat["ours"])
    report.add(f"fanout_lost_{n}", lost, section=section, label=f"events lost, {n} client(s)")
    report.add(
        f"fanout_zigpy_db_backlog_{n}",
        max(r["db_backlog"] for r in thr["ours"]),
        section=section,
        label="zigpy DB writes waiting after a throughput run (merged rows, radio.appdb)",
    )
    report.add(
        f"fanout_server_us_per_event_{n}",
        median(r["server_us_per_event"] for r in thr["ours"]),
        unit="us",
        section=section,
        label=f"our CPU per event (zigpy, its DB, store, fan-out to {n})",
    )
    report.add(
        f"fanout_server_busy_{n}",
        median(r["server_busy"] for r in lat["ours"]),
        section=section,
        label=f"our process CPU share at {fmt(plan.rate)} events/s, {n} client(s)",
    )
    busy = max(r["client_busy"] for k in ("ours", "base") for r in thr[k] + lat[k])
    report.add(
        f"fanout_client_busy_{n}",
        busy,
        section=section,
        label="busiest client process CPU share (1 = saturated)",
    )
    if busy > 0.9:
        report.note(f"N={n}: a client process was {busy:.0%} busy: clients may be the limit")
