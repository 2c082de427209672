"""Smoke tests for the benchmark harness (no timing is asserted, nothing is benchmarked)."""

from __future__ import annotations

import subprocess
import sys
from array import array
from pathlib import Path

from bench.clients import _Conn, _consume
from bench.common import Report, fmt

ROOT = Path(__file__).resolve().parents[2]


def help_text(module: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_help_runs():
    text = help_text("bench")
    assert "--quick" in text and "--soak" in text and "mqtt" in text


def test_mqtt_help_runs():
    text = help_text("bench.mqtt")
    assert "--pacing-rate" in text and "--no-homeassistant" in text


def test_figure_lines_are_plain_numbers():
    report = Report()
    report.add("fanout_p99_ms_100", 3.14159, unit="ms", target="< 10")
    report.add("rss_growth_mb_200", -0.0004, unit="MiB", target="~ 1")
    report.add("fanout_events_per_s_100", 12345.678, unit="events/s")
    lines = [f"{f.name}: {fmt(f.value)}" for f in report.figures]
    for line in lines:
        _name, value = line.split(": ")
        float(value)  # a plain number, no unit
    assert report.figures[0].met() is True
    assert report.figures[1].met() is True


class _Sock:
    def __init__(self):
        self.sent = []

    def send(self, data):
        self.sent.append(data)


def _frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes([0x80 | opcode, n]) + payload
    return bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big") + payload


def test_client_parses_events_pings_and_partial_frames():
    conn = _Conn(_Sock(), b"", total=3)
    event = b'{"e":"changed","state":{"lastupdated":"x","temperature":%d},"t":"event"}'
    big = b'{"pad":"' + b"x" * 300 + b'","state":{"temperature":102}}'
    stream = (
        _frame(1, event % 100)
        + _frame(9, b"ping")
        + _frame(1, b'{"e":"changed","attr":{"lastseen":"x"}}')
        + _frame(1, big)
        + _frame(1, event % 101)
    )
    conn.buf += stream[:7]  # a partial first frame: nothing parsed yet
    assert _consume(conn, 1.0, 3, base=100)
    assert conn.count == 0
    conn.buf += stream[7:]
    assert _consume(conn, 2.0, 3, base=100)
    assert conn.count == 3 and conn.frames == 4
    assert list(conn.times) == [2.0, 2.0, 2.0]
    assert conn.sock.sent and conn.sock.sent[0].endswith(b"ping")
    assert not _consume(_Conn(_Sock(), _frame(8, b"\x03\xe8"), 1), 3.0, 1, base=0)
    assert isinstance(conn.times, array)


async def test_fanout_reports_our_overhead_over_zigpy_alone(tmp_path):
    """A tiny fan-out run: the zigpy-alone baseline runs, and our own CPU per event (over
    zigpy's) is in the printed table as a positive number (medians of three pairs, so one
    disturbed pair does not decide the sign). Nothing is timed."""
    from bench import fanout, lifecycle
    from bench.__main__ import table
    from bench.clients import ClientPool
    from bench.common import CHILDREN

    report = Report()
    plan = fanout.FanoutPlan(
        clients=(2,),
        throughput_events={2: 400},
        warmup=50,
        rate=500.0,
        latency_seconds={2: 0.2},
        repeats=3,
        realistic_rate=0.0,
        burst_events=0,
    )
    pool = ClientPool(1)
    try:
        prep = await lifecycle.prepare(report, tmp_path, 20)
        await fanout.run(report, prep.data_dir, tmp_path, 20, pool, plan)
    finally:
        pool.close()
        CHILDREN.stop_all()
    printed = table(report, {"run": "smoke"})
    for name in (
        "fanout_zigpy_alone_us_per_event",
        "fanout_overhead_us_per_event",
        "fanout_overhead_ratio",
    ):
        value = report.get(name)
        assert value > 0, (name, value)
        label = next(f.label for f in report.figures if f.name == name)
        row = next(line for line in printed.splitlines() if label in line)
        assert f" {fmt(value)} " in f"{row} "
    assert report.get("fanout_lost_2") == 0


def test_history_seed_is_what_the_daemon_reads(tmp_path):
    from bench.history import DAYS, RAW_SQL, seed, series_of, sql_times
    from gateway.history.storage import Storage

    series = series_of(["3", "4"], 3)
    assert series == [("3", "temperature"), ("4", "temperature"), ("3", "humidity")]
    end = 1_800_000_000_000
    rows = seed(tmp_path / "history.db", series, end)
    assert rows == 3 * DAYS * 288
    storage = Storage(tmp_path / "history.db")
    week = storage.raw("3", "humidity", end - DAYS * 86_400_000, end, 10_000)
    storage.close()
    assert len(week) == DAYS * 288
    times = sql_times(tmp_path / "history.db", series, RAW_SQL, lambda sid: (sid, 0, end, 10))
    assert len(times) == 3
