"""``python -m bench``: run every scenario, print a table, then one ``name: value`` line per
figure. See bench/RESULTS.md for what each figure means and the latest full run.

Imports stay inside functions: client processes are started with ``spawn`` and re-import
this module, and they should not pay for zigpy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCENARIOS = ("startup", "memory", "rest", "fanout", "mqtt", "history", "v1")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description="zigbridge benchmarks: event fan-out, memory, start-up, REST latency and "
        "sensor history, each with a baseline measured in the same run.",
    )
    p.add_argument("--quick", action="store_true", help="shorter runs (under 90 s in all)")
    p.add_argument(
        "--soak",
        type=float,
        metavar="SECONDS",
        help="report-load duration for the memory growth figure (default 180; 60 with "
        "--quick; at least 60 is meaningful)",
    )
    p.add_argument("--long", action="store_true", help="a 10-minute soak (--soak 600)")
    p.add_argument("--devices", type=int, default=200, help="simulated devices (default 200)")
    p.add_argument(
        "--client-procs",
        type=int,
        default=2,
        help="websocket client processes sharing the N connections (default 2)",
    )
    p.add_argument("--repeat", type=int, help="fan-out repetitions (default 3; 1 with --quick)")
    p.add_argument(
        "--light-reports",
        type=float,
        default=30.0,
        help="light reports/s during the soak, on top of the demo sensors (default 30)",
    )
    p.add_argument(
        "--radio-delay", type=float, default=10.0, help="slow-radio start-up delay (default 10)"
    )
    p.add_argument(
        "--only",
        action="append",
        choices=SCENARIOS,
        help="run only these scenarios (repeatable)",
    )
    p.add_argument("--markdown", type=Path, help="also write the table as Markdown here")
    p.add_argument("--keep", action="store_true", help="keep the temporary data and logs")
    return p


# ---- output -----------------------------------------------------------------------------


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine(load_at_start: str = "?") -> dict[str, str]:
    info = {"date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")}
    with contextlib.suppress(OSError):
        cpu = Path("/proc/cpuinfo").read_text()
        model = next(
            (ln.split(":", 1)[1].strip() for ln in cpu.splitlines() if "model name" in ln), "?"
        )
        info["cpu"] = f"{os.cpu_count()} x {model}"
    with contextlib.suppress(OSError, StopIteration):
        mem = Path("/proc/meminfo").read_text().splitlines()
        kb = int(next(ln for ln in mem if ln.startswith("MemTotal")).split()[1])
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    info["load average (start; end)"] = f"{load_at_start}; {_loadavg()}"
    info["python"] = f"{platform.python_implementation()} {platform.python_version()}"
    with contextlib.suppress(Exception):
        root = Path(__file__).resolve().parent.parent
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
        info["commit"] = rev + (" (with uncommitted changes)" if dirty else "")
    with contextlib.suppress(Exception):
        from importlib.metadata import version

        info["versions"] = ", ".join(
            f"{p} {version(p)}" for p in ("zigpy", "websockets", "starlette", "uvicorn")
        )
    return info


def table(report, info: dict[str, str], markdown: bool = False) -> str:
    from .common import fmt

    rows = []
    for f in report.figures:
        met = f.met()
        status = "" if met is None else ("met" if met else "MISSED")
        target = f.target.replace("~ ", "|x| <= ") if f.target else ""
        rows.append(
            (
                f.section,
                f.label or f.name,
                f"{fmt(f.value)} {f.unit}".strip(),
                target,
                status,
                f.note,
            )
        )
    lines = []
    if markdown:
        lines.append("| section | figure | value | target | | note |")
        lines.append("|---|---|---|---|---|---|")
        for r in rows:
            lines.append("| " + " | ".join(r) + " |")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in rows) if rows else 0 for i in range(5)]
    section = None
    lines.append(" · ".join(f"{k}: {v}" for k, v in info.items()))
    for r in rows:
        if r[0] != section:
            section = r[0]
            lines.append("")
            lines.append(section.upper())
        label, value, target, status, note = r[1:]
        lines.append(
            f"  {label:<{widths[1]}}  {value:>{widths[2]}}  {target:<{widths[3]}}  "
            f"{status:<6} {note}".rstrip()
        )
    return "\n".join(lines)


# ---- the run ------------------------------------------------------------------------------


async def run(args: argparse.Namespace, work: Path) -> object:
    """Order: first start (prepares the data dir); then, in the full run, fan-out and REST
    alone on the machine; then the memory soak, with the start-up scenarios beside it (they
    mostly wait: a process starting, a radio sleeping). With --quick everything after the
    first start runs beside the soak, to fit in 90 s."""
    from . import fanout, history, lifecycle, rest, ws_v1
    from .clients import ClientPool
    from .common import Report

    # Ctrl-C / SIGTERM cancel the run, whose finally blocks stop everything. Through the
    # loop, not signal.signal(): uvicorn's Server.serve() (the in-process daemons' REST)
    # replaces the Python-level handlers while it runs; the loop's wakeup fd still fires.
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()

    def interrupt() -> None:
        if not main_task.cancelling():  # uvicorn re-raises the signals it caught
            print("\ninterrupted: stopping everything", file=sys.stderr, flush=True)
            main_task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)

    quick = args.quick
    only = set(args.only or SCENARIOS)
    soak_s = (
        args.soak if args.soak is not None else (600.0 if args.long else 60.0 if quick else 180.0)
    )
    repeats = args.repeat or (1 if quick else 3)
    report = Report()
    pool = ClientPool(max(1, args.client_procs))
    soak_pool = None
    soak = None
    try:
        lap = _Lap()
        print(
            f"preparing: first start of zigbridge with {args.devices} simulated devices", flush=True
        )
        prep = await lifecycle.prepare(report, work, args.devices)
        lap("first start")

        async def heavy() -> None:
            if "fanout" in only:
                print("fan-out", flush=True)
                plan = fanout.FanoutPlan(repeats=repeats)
                if quick:
                    plan.realistic_seconds = 2.0
                await fanout.run(report, prep.data_dir, work, args.devices, pool, plan)
                lap("fan-out")
            if "rest" in only:
                print("REST", flush=True)
                await rest.run(
                    report,
                    prep.data_dir,
                    work,
                    args.devices,
                    prep.key,
                    gets=300 if quick else 500,
                    puts=200 if quick else 300,
                )
                lap("REST")
            if "mqtt" in only:
                from . import mqtt

                print("MQTT", flush=True)
                plan = mqtt.Plan(repeats=1, latency_seconds=2.0, rss_runs=1) if quick else None
                await mqtt.run(report, prep.data_dir, work, args.devices, plan or mqtt.Plan())
                lap("MQTT")
            if "history" in only:
                print("history", flush=True)
                await history.run(report, prep.data_dir, work, args.devices, prep.key, quick=quick)
                lap("history")
            if "v1" in only:
                print("websocket v1", flush=True)
                await ws_v1.run(report, prep.data_dir, work, args.devices, quick=quick)
                lap("websocket v1")

        if not quick:
            await heavy()
        if "memory" in only:
            print(f"memory: {soak_s:g} s soak started in the background", flush=True)
            soak_pool = ClientPool(1)
            soak = lifecycle.Soak(prep, work, soak_s, warmup=5.0, light_reports=args.light_reports)
            soak.pool = soak_pool
            await soak.start()
            lap("soak start")
        if "startup" in only:
            print("start-up", flush=True)
            await lifecycle.startup(report, prep, work, 3 if quick else 5)
            await lifecycle.slow_radio(report, prep, work, 1 if quick else 2, args.radio_delay)
            lap("start-up")
        if quick:
            await heavy()
        if soak is not None:
            left = soak.t_start + soak.warmup + soak.seconds - time.perf_counter()
            if left > 1:
                print(f"memory: waiting {left:.0f} s for the soak to end", flush=True)
            await soak.finish(report)
            lap("soak")
        if soak is not None and quick and "fanout" in only:
            report.note(
                "--quick: fan-out and REST ran beside the soak daemon "
                f"(soak_cpu_share {report.get('soak_cpu_share'):.2f} of a core)"
            )
    finally:
        pool.close()
        if soak_pool is not None:
            soak_pool.close()
    return report


class _Lap:
    def __init__(self) -> None:
        self.t = time.perf_counter()

    def __call__(self, what: str) -> None:
        t = time.perf_counter()
        print(f"  ({what}: {t - self.t:.1f} s)", flush=True)
        self.t = t


def _compile_sources() -> None:
    """Byte-compile zigbridge's packages, as ``pip install`` does for an installed copy.

    Run from a checkout with ``PYTHONDONTWRITEBYTECODE`` set (as on these machines), every
    daemon the benchmark starts would otherwise compile our sources again: ~0.6 MiB of RSS
    and start-up time a user's installed zigbridge does not pay. The libraries in the venv
    were compiled when pip installed them.
    """
    import compileall

    from .common import ROOT

    for package in ("gateway", "radio"):
        compileall.compile_dir(ROOT / package, quiet=1)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .common import CHILDREN, check_shared_clock, fmt

    check_shared_clock()
    _compile_sources()
    started = time.perf_counter()
    load_at_start = _loadavg()

    work = Path(tempfile.mkdtemp(prefix="zigbridge-bench-"))
    report = None
    try:
        report = asyncio.run(run(args, work))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
    finally:
        CHILDREN.stop_all()
        if args.keep:
            print(f"data and logs kept in {work}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
    if report is None:
        _exit_if_stuck(130)
        return 130
    elapsed = time.perf_counter() - started
    report.add("bench_wall_s", elapsed, unit="s", section="run", label="this benchmark run")
    info = machine(load_at_start)
    print()
    print(table(report, info))
    if report.notes:
        print()
        for note in report.notes:
            print(f"note: {note}")
    print()
    for f in report.figures:
        print(f"{f.name}: {fmt(f.value)}")
    if args.markdown:
        md = "\n".join(f"- {k}: {v}" for k, v in info.items())
        args.markdown.write_text(md + "\n\n" + table(report, info, markdown=True) + "\n")
    _exit_if_stuck(0)
    return 0


def _exit_if_stuck(code: int) -> None:
    """A zigpy database thread left open (see bench.inproc.stop_daemon) would keep the
    interpreter from exiting: say so and leave anyway; the results are printed."""
    import threading

    stuck = [t.name for t in threading.enumerate() if t.is_alive() and not t.daemon]
    stuck = [name for name in stuck if name != threading.main_thread().name]
    if stuck:
        print(f"note: threads still open at exit: {stuck}; exiting anyway", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
