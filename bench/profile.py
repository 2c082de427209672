"""Where the time and memory go, for bench/RESULTS.md. Not part of ``python -m bench``.

    python -m bench.profile rest      # GET /api/<key> x N, daemon profiled (pyinstrument)
    python -m bench.profile fanout    # reports into 100 clients, one per loop iteration
    python -m bench.profile fanout --ab flush|db  # interleaved A/B of a fan-out change
    python -m bench.profile memory    # RSS by start-up stage + tracemalloc by package
    python -m bench.profile startup   # a restart after the imports: serving, radio, devices
    python -m bench.profile slowradio # slow-radio restart with/without the early-restore fix

``rest``, ``fanout`` and ``startup`` need pyinstrument (``pip install pyinstrument``, for profiling
only; the benchmark itself does not use it). Each mode prepares its own data dir (a first
start of 200 simulated devices) unless ``--data-dir`` names a prepared one (with
``--key``).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import gc
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

from .common import CHILDREN, Report, median, now, percentile, rss_mb


def _profiler(interval: float):
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit(
            "this mode needs pyinstrument: pip install pyinstrument (profiling only)"
        ) from None
    return Profiler(interval=interval, async_mode="disabled")


def _print_profile(profiler, limit: int = 16000) -> None:
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    print(text[:limit])


class _GcPauses:
    """Collects the duration of every garbage collection while installed."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._t = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = now()
        else:
            self.pauses.append((info["generation"], (now() - self._t) * 1000.0))

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc) -> None:
        gc.callbacks.remove(self)

    def summary(self) -> str:
        by_gen: dict[int, list[float]] = {}
        for gen, ms in self.pauses:
            by_gen.setdefault(gen, []).append(ms)
        return ", ".join(
            f"gen{g}: {len(v)} x, max {max(v):.1f} ms, total {sum(v):.0f} ms"
            for g, v in sorted(by_gen.items())
        )


async def _prepared(args) -> tuple[Path, str]:
    if args.data_dir:
        return args.data_dir, args.key
    from . import lifecycle

    prep = await lifecycle.prepare(Report(), args.work, args.devices)
    return prep.data_dir, prep.key


async def profile_rest(args) -> None:
    from .inproc import start_daemon, stop_daemon
    from .rest import client_get

    template, key = await _prepared(args)
    daemon = await start_daemon(template, args.work / "rest", args.devices)
    pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=mp.get_context("spawn"))
    loop = asyncio.get_running_loop()
    path = f"/api/{key}"
    try:
        port = daemon.rest.port
        await loop.run_in_executor(pool, client_get, port, path, 50, 10)
        if args.ab in _EXPERIMENTS:
            # Interleaved A/B rounds, so a change in the machine's load hits both sides.
            toggle = _EXPERIMENTS[args.ab]
            samples: dict[bool, list[float]] = {False: [], True: []}
            pauses = {False: _GcPauses(), True: _GcPauses()}
            for _ in range(args.rounds):
                for on in (False, True):
                    toggle(on)
                    with pauses[on]:
                        r = await loop.run_in_executor(pool, client_get, port, path, args.count, 0)
                    samples[on] += r["ms"]
                toggle(False)
            for on in (False, True):
                ms = sorted(samples[on])
                print(
                    f"{'with' if on else 'without'} {args.ab}: GET /api/<key> x{len(ms)}: "
                    f"p50 {percentile(ms, 50):.2f} ms, p90 {percentile(ms, 90):.2f}, "
                    f"p99 {percentile(ms, 99):.2f}, max {ms[-1]:.2f}; "
                    f"GC: {pauses[on].summary() or 'none'}"
                )
            return
        with _GcPauses() as pauses:
            plain = await loop.run_in_executor(pool, client_get, port, path, args.count, 0)
        ms = sorted(plain["ms"])
        print(
            f"GET /api/<key> ({plain['bytes']} bytes) without profiler: "
            f"p50 {percentile(ms, 50):.2f} ms, p90 {percentile(ms, 90):.2f}, "
            f"p99 {percentile(ms, 99):.2f}, max {ms[-1]:.2f}"
        )
        print(f"garbage collections meanwhile: {pauses.summary() or 'none'}")
        profiler = _profiler(0.0002)
        profiler.start()
        await loop.run_in_executor(pool, client_get, port, path, args.count, 0)
        profiler.stop()
        _print_profile(profiler)
    finally:
        pool.shutdown()
        await stop_daemon(daemon)


def _freeze(on: bool) -> None:
    """Proposed change: ``gc.freeze()`` once the daemon has started, so the start-up heap
    (zigpy's devices, our resources: ~200k objects) is never scanned again."""
    if on:
        gc.collect()
        gc.freeze()
    else:
        gc.unfreeze()


_EXPERIMENTS = {"freeze": _freeze}


def _flush_ab(daemon, interval_ms: float):
    """A/B of ``gateway.ws.server``'s flush interval: ``interval_ms`` (on) against a flush on every
    loop iteration (off, ``flush_interval=0``)."""
    server = daemon.ws

    def toggle(on: bool) -> None:
        server._flush_interval = interval_ms / 1000.0 if on else 0.0

    labels = (f"flush <= 1 per {interval_ms:g} ms", "flush every iteration")
    return toggle, labels


def _db_ab(daemon, _: float):
    """A/B of ``radio.appdb``: zigpy's writes merged per row (on) against one per report,
    as plain zigpy does (off)."""
    from zigpy.appdb import PersistingListener

    listener = daemon.radio.app._dblistener

    def toggle(on: bool) -> None:
        listener.write_pending()
        if on:
            listener.__dict__.pop("enqueue", None)
        else:
            listener.enqueue = PersistingListener.enqueue.__get__(listener)

    return toggle, ("zigpy writes merged", "zigpy write per report")


_FANOUT_AB = {"flush": _flush_ab, "db": _db_ab}


async def profile_fanout(args) -> None:
    from . import fanout
    from .clients import ClientPool
    from .inproc import start_daemon, stop_daemon

    template, _ = await _prepared(args)
    pool = ClientPool(args.client_procs)
    daemon = await start_daemon(template, args.work / "fanout", args.devices)
    baseline = None
    try:
        ours = fanout.Ours(daemon)
        baseline = fanout.Baseline(ours.capture_frame())
        await baseline.start()
        bench = fanout.Fanout(pool, ours, baseline, fanout.FanoutPlan(batch=args.batch))
        server = baseline if args.baseline else ours
        await bench.throughput(server, args.clients, 500)
        if args.ab in _FANOUT_AB:
            toggle, labels = _FANOUT_AB[args.ab](daemon, args.flush_delay)
            rows: dict[bool, list[dict]] = {False: [], True: []}
            for _ in range(args.rounds):
                for on in (False, True):
                    toggle(on)
                    thr = await bench.throughput(ours, args.clients, args.count)
                    lat = await bench.latency(ours, args.clients, 3.0)
                    low = await bench.latency(ours, args.clients, 3.0, rate=100.0)
                    toggle(True)
                    lat.pop("samples", None)
                    low.pop("samples", None)
                    rows[on].append(
                        {
                            **thr,
                            **{f"lat_{k}": v for k, v in lat.items()},
                            **{f"low_{k}": v for k, v in low.items()},
                        }
                    )
            for on in (False, True):
                label = labels[0] if on else labels[1]
                med = {k: median(r[k] for r in rows[on]) for k in rows[on][0]}
                print(
                    f"{label:>22}: {med['events_per_s']:5.0f} events/s "
                    f"({med['server_us_per_event']:.0f} us/event); at {bench.plan.rate:g}/s "
                    f"p50 {med['lat_p50']:.2f} ms, p99 {med['lat_p99']:.2f} ms, busy "
                    f"{med['lat_server_busy']:.2f}; at 100/s p50 {med['low_p50']:.2f} ms, "
                    f"p99 {med['low_p99']:.2f} ms (medians of {len(rows[on])})"
                )
            return
        profiler = _profiler(0.0005)
        profiler.start()
        result = await bench.throughput(server, args.clients, args.count)
        profiler.stop()
        print(
            f"{server.name}: {result['events_per_s']:.0f} events/s into {args.clients} clients "
            f"under the profiler, {result['server_us_per_event']:.0f} us CPU per event"
        )
        _print_profile(profiler)
        with _GcPauses() as pauses:
            lat = await bench.latency(server, args.clients, 3.0)
        lat.pop("samples", None)
        print(f"at {bench.plan.rate:g}/s, no profiler: " + json.dumps(lat, default=str))
        print(f"garbage collections meanwhile: {pauses.summary() or 'none'}")
    finally:
        if baseline is not None:
            await baseline.stop()
        await stop_daemon(daemon)
        pool.close()


def _sim_daemon(data: Path, devices: int):
    """A daemon on a simulated network of `devices` in `data`, on ephemeral ports."""
    from gateway.daemon.daemon import Daemon
    from gateway.daemon.settings import build_settings

    values = {"data_dir": data, "host": "127.0.0.1", "http_port": 0, "ws_port": 0}
    return Daemon(build_settings({**values, "sim_devices": devices}))


async def profile_startup(args) -> None:
    """A restart on a prepared data dir, in this process: imports are already done, so
    this is the part after ``startup_api_s``: serving, then the radio and the devices."""
    template, _ = await _prepared(args)
    data = args.work / "startup-data"
    shutil.copytree(template, data)
    daemon = _sim_daemon(data, args.devices)
    profiler = _profiler(0.0005)
    profiler.start()
    t0 = now()
    await daemon.start_serving()
    t1 = now()
    await daemon.start_radio()
    t2 = now()
    profiler.stop()
    print(f"start_serving {t1 - t0:.3f} s, start_radio {t2 - t1:.3f} s (under the profiler)")
    _print_profile(profiler)
    await daemon.stop()


async def profile_slowradio(args) -> None:
    """The slow-radio restart with and without the early-restore prototype
    (``ZBBENCH_EARLY_RESTORE``, see bench/zigbridge_proc.py), interleaved."""
    from . import lifecycle

    prep = await lifecycle.prepare(Report(), args.work, args.devices)
    for i in range(args.rounds):
        for early in (False, True):
            env = {"ZBBENCH_RADIO_DELAY": str(args.radio_delay)}
            if early:
                env["ZBBENCH_EARLY_RESTORE"] = "1"
            api, full, first = await lifecycle._start_once(
                prep, args.work, f"slow-{i}-{early}", wrapper=True, env=env, timeout=60
            )
            label = "early restore" if early else "as is"
            print(
                f"{label:>14}: API after {api:.2f} s serving {first[0]} lights, "
                f"{first[1]} sensors; all {prep.lights}/{prep.sensors} after {full:.2f} s"
            )


def _category(filename: str) -> str:
    if "/radio/sim/" in filename:
        return "radio.sim (the simulation)"
    for ours in ("gateway", "radio", "bench"):
        if f"/{ours}/" in filename and "site-packages" not in filename:
            return f"{ours} (ours)"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    return "stdlib " + os.path.basename(filename)


def _by_package(after, before) -> list[tuple[str, float]]:
    sizes: dict[str, int] = {}
    for stat in after.compare_to(before, "filename"):
        key = _category(stat.traceback[0].filename)
        sizes[key] = sizes.get(key, 0) + stat.size_diff
    return sorted(((k, v / 2**20) for k, v in sizes.items()), key=lambda kv: -abs(kv[1]))


async def profile_memory(args) -> None:
    """RSS after each start-up stage, and what Python allocated in each (tracemalloc).
    Run in a fresh interpreter: ``--trace`` inflates RSS, so RSS is read without it."""
    template, _ = await _prepared(args)
    modules = args.work / "modules.json"
    code = (
        "import json,sys; "
        "import gateway.daemon.daemon, gateway.cli.main, radio.sim.radio, radio.sim.demo; "
        "json.dump([n for n, m in sys.modules.items() if m is not None], "
        f"open({str(modules)!r}, 'w'))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    for trace in (False, True):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.profile",
                "_memory_stages",
                "--data-dir",
                str(template),
                "--modules",
                str(modules),
                "--devices",
                str(args.devices),
            ]
            + (["--trace"] if trace else []),
            check=True,
        )


async def memory_stages(args) -> None:
    if args.trace:
        tracemalloc.start(1)
    from .floor import is_ours

    print(f"{'interpreter':<44} {rss_mb(os.getpid()):6.1f} MiB")
    import importlib

    names = json.loads(args.modules.read_text())
    for name in names:
        if not is_ours(name):
            importlib.import_module(name)
    gc.collect()
    print(f"{'+ the libraries (the floor)':<44} {rss_mb(os.getpid()):6.1f} MiB")
    snap0 = tracemalloc.take_snapshot() if args.trace else None
    for name in names:
        if is_ours(name) and not name.startswith("bench"):
            importlib.import_module(name)
    gc.collect()
    print(f"{'+ our modules (gateway, radio, radio.sim)':<44} {rss_mb(os.getpid()):6.1f} MiB")
    snap1 = tracemalloc.take_snapshot() if args.trace else None
    data = args.work / "memory-data"
    shutil.copytree(args.data_dir, data)
    daemon = _sim_daemon(data, args.devices)
    await daemon.start_serving()
    gc.collect()
    print(f"{'+ REST, websocket, store (serving)':<44} {rss_mb(os.getpid()):6.1f} MiB")
    snap2 = tracemalloc.take_snapshot() if args.trace else None
    await daemon.start_radio()
    await asyncio.sleep(3)
    gc.collect()
    print(
        f"{'+ radio up, ' + str(args.devices) + ' devices, demo reporting':<44} "
        f"{rss_mb(os.getpid()):6.1f} MiB"
    )
    if args.trace:
        snap3 = tracemalloc.take_snapshot()
        traced = tracemalloc.get_traced_memory()[0] / 2**20
        print(f"(tracemalloc on: RSS above is inflated; {traced:.1f} MiB traced)")
        for title, a, b in (
            ("our modules", snap1, snap0),
            ("serving", snap2, snap1),
            ("radio + devices", snap3, snap2),
        ):
            parts = [f"{k} {v:+.2f}" for k, v in _by_package(a, b)[:8] if abs(v) >= 0.05]
            print(f"  {title}: " + "; ".join(parts))
        print("  radio + devices, top lines:")
        for stat in snap3.compare_to(snap2, "lineno")[:15]:
            frame = stat.traceback[0]
            where = frame.filename.split("site-packages/")[-1].replace(str(Path.cwd()) + "/", "")
            size = f"{stat.size_diff / 1024:7.0f} KiB {stat.count_diff:7d} objs"
            print(f"    {size}  {where}:{frame.lineno}")
    await daemon.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.profile")
    p.add_argument(
        "mode", choices=["rest", "fanout", "memory", "startup", "slowradio", "_memory_stages"]
    )
    p.add_argument("--radio-delay", type=float, default=10.0)
    p.add_argument("--devices", type=int, default=200)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--key", default="")
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--client-procs", type=int, default=2)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--baseline", action="store_true", help="fanout: profile the baseline")
    p.add_argument(
        "--ab",
        choices=sorted({*_EXPERIMENTS, *_FANOUT_AB}),
        help="A/B a change, interleaved: rest: freeze; fanout: flush, db",
    )
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--flush-delay", type=float, default=2.0, metavar="MS", help="for --ab flush")
    p.add_argument("--modules", type=Path)
    p.add_argument("--trace", action="store_true")
    args = p.parse_args(argv)
    import logging

    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="zigbridge-profile-") as tmp:
        args.work = Path(tmp)
        try:
            run = {
                "rest": profile_rest,
                "fanout": profile_fanout,
                "memory": profile_memory,
                "startup": profile_startup,
                "slowradio": profile_slowradio,
                "_memory_stages": memory_stages,
            }[args.mode]
            asyncio.run(run(args))
        finally:
            CHILDREN.stop_all()


if __name__ == "__main__":
    main()
