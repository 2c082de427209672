"""Shared plumbing: figures, statistics, ports, RSS, child processes, data directories.

Everything here is standard library only, so client processes import it cheaply.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent

# time.perf_counter() is CLOCK_MONOTONIC on Linux: one clock for every process on the
# machine, so an injection time taken in one process and a receipt time taken in another
# can be subtracted. (Checked at start-up by `check_shared_clock`.)
now = time.perf_counter


def check_shared_clock() -> None:
    info = time.get_clock_info("perf_counter")
    if sys.platform != "linux" or "CLOCK_MONOTONIC" not in info.implementation:
        raise SystemExit(
            f"bench needs perf_counter on CLOCK_MONOTONIC (Linux); got {info.implementation}"
        )


# ---- figures ------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: float
    unit: str = ""
    section: str = ""
    label: str = ""
    target: str = ""  # e.g. "< 10", ">= 0.5"
    note: str = ""

    def met(self) -> bool | None:
        if not self.target or not math.isfinite(self.value):
            return None if not self.target else False
        op, _, bound = self.target.partition(" ")
        limit = float(bound)
        return {
            "<": self.value < limit,
            "<=": self.value <= limit,
            ">": self.value > limit,
            ">=": self.value >= limit,
            "~": abs(self.value) <= limit,
        }[op]


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, value: float, **kw: Any) -> Figure:
        fig = Figure(name, float(value), **kw)
        self.figures = [f for f in self.figures if f.name != name] + [fig]
        return fig

    def add_median(self, name: str, values: Iterable[float], note: str = "", **kw: Any) -> Figure:
        """The median of per-run values; the note adds how far apart the runs were."""
        runs = list(values)
        note = "; ".join(part for part in (note, spread(runs)) if part)
        return self.add(name, median(runs), note=note, **kw)

    def get(self, name: str) -> float:
        for f in self.figures:
            if f.name == name:
                return f.value
        return math.nan

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)


def fmt(value: float) -> str:
    """A plain number: no unit, no thousands separator, 3 significant decimals at most."""
    if not math.isfinite(value):
        return "nan"
    if value == int(value) and abs(value) >= 100:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


# ---- statistics ---------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks; ``sorted_values`` must be sorted."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return sorted_values[0]
    k = (len(sorted_values) - 1) * p / 100.0
    lo = math.floor(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def median(values: Iterable[float]) -> float:
    vals = sorted(v for v in values if math.isfinite(v))
    return percentile(vals, 50) if vals else math.nan


def spread(values: Sequence[float]) -> str:
    vals = [v for v in values if math.isfinite(v)]
    if len(vals) < 2:
        return ""
    return f"min {fmt(min(vals))}, max {fmt(max(vals))} over {len(vals)} runs"


# ---- ports and HTTP -----------------------------------------------------------------


def free_port() -> int:
    """An ephemeral port that was free a moment ago (the daemon's preflight re-checks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_json(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict | None = None,
    timeout: float = 5.0,
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        conn.close()


def metric(port: int, name: str, timeout: float = 2.0) -> float | None:
    """One unlabelled sample of the daemon's ``/metrics``, or None when it does not answer."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/metrics")
        resp = conn.getresponse()
        text = resp.read().decode()
    except (OSError, http.client.HTTPException, UnicodeDecodeError):
        return None
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def create_api_key(port: int, data_dir: Path, name: str = "bench") -> str:
    password = (data_dir / "password").read_text().strip()
    auth = base64.b64encode(f"admin:{password}".encode()).decode()
    # 30 s: right after a first start the daemon may still be busy with 200 interviews
    status, body = http_json(
        port, "POST", "/api", {"devicetype": name}, {"Authorization": f"Basic {auth}"}, 30.0
    )
    if status != 200 or not isinstance(body, list) or "success" not in body[0]:
        raise RuntimeError(f"could not create an API key: {status} {body}")
    return body[0]["success"]["username"]


def full_state_counts(port: int, key: str, timeout: float = 2.0) -> tuple[int, int] | None:
    """(lights, sensors) from ``GET /api/<key>``, or None if it does not answer 200 yet."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", f"/api/{key}")
        resp = conn.getresponse()
        raw = resp.read()
        if resp.status != 200:
            return None
        state = json.loads(raw)
        return len(state.get("lights", {})), len(state.get("sensors", {}))
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        conn.close()


# ---- processes ----------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """VmRSS of a process in MiB (what `top` and `ps` call MB)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except FileNotFoundError:
        pass
    return math.nan


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks
    except (FileNotFoundError, IndexError, ValueError):
        return math.nan


class Children:
    """Every child process the benchmark starts, so all are stopped on exit or Ctrl-C."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen] = []

    def spawn(self, argv: list[str], *, log: Path, env: dict | None = None) -> subprocess.Popen:
        out = open(log, "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # No ZIGBRIDGE_* settings or config file from the caller's environment.
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("ZIGBRIDGE_")},
                **(env or {}),
            },
            start_new_session=True,  # Ctrl-C goes to us; we stop the children ourselves
        )
        proc._bench_log = out  # type: ignore[attr-defined]
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 10.0) -> int | None:
        """SIGTERM, then SIGKILL after ``timeout``; returns the exit code."""
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(5)
        with contextlib.suppress(Exception):
            proc._bench_log.close()  # type: ignore[attr-defined]
        if proc in self._procs:
            self._procs.remove(proc)
        return proc.returncode

    def stop_all(self) -> None:
        for proc in list(self._procs):
            self.stop(proc, timeout=5.0)


CHILDREN = Children()


def zigbridge_argv(
    data_dir: Path,
    http_port: int,
    ws_port: int,
    devices: int,
    *,
    wrapper: bool = False,
    quiet: bool = False,
    log_level: str = "INFO",
) -> list[str]:
    """The command line of a real zigbridge daemon on the simulated radio.

    ``wrapper`` runs it through ``bench.zigbridge_proc`` (the same ``gateway.cli.main:main``
    plus the bench-only knobs it reads from the environment).
    """
    module = "bench.zigbridge_proc" if wrapper else "gateway.cli.main"
    argv = [
        sys.executable,
        "-m",
        module,
        "--radio",
        "sim",
        "--sim-devices",
        str(devices),
        "--data-dir",
        str(data_dir),
        "--host",
        HOST,
        "--http-port",
        str(http_port),
        "--ws-port",
        str(ws_port),
        "--log-level",
        log_level,
    ]
    if quiet:
        argv.append("--sim-quiet")
    return argv


def wait_for(predicate, timeout: float, interval: float = 0.01) -> float | None:
    """Poll ``predicate`` until true; returns the perf_counter time it became true."""
    deadline = now() + timeout
    while True:
        if predicate():
            return now()
        if now() > deadline:
            return None
        time.sleep(interval)
