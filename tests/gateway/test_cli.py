"""The `zigbridge` command as a person runs it: it starts on the simulated network, stops
cleanly on SIGTERM/SIGINT, and bad start-up conditions give one clear line and exit 2."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

READY = "zigbridge is running"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zigbridge(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli", *args]


def start(data_dir: Path, *extra: str) -> subprocess.Popen:
    cmd = zigbridge(
        "--radio", "sim", "--data-dir", str(data_dir), "--host", "127.0.0.1",
        "--http-port", str(free_port()), "--ws-port", str(free_port()), *extra,
    )  # fmt: skip
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy()
    )


def read_until(
    proc: subprocess.Popen, needle: str, count: int = 1, timeout: float = 60
) -> list[str]:
    """Output lines up to the `count`-th line containing `needle`."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            count -= 1
            if count == 0:
                return lines
    raise AssertionError(f"{needle!r} never appeared; output:\n{''.join(lines)}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_runs_the_demo_and_stops_cleanly_on_a_signal(tmp_path, sig):
    proc = start(tmp_path / "data", "--sim-quiet")
    try:
        text = "".join(read_until(proc, READY))
        assert "network up on channel 15" in text
        # the demo home: ten devices join and are interviewed
        read_until(proc, " interviewed: ", count=10 - text.count(" interviewed: "))
        began = time.monotonic()
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=10)
        assert time.monotonic() - began < 5
        assert proc.returncode == 0, out
        assert "Traceback" not in out
    finally:
        proc.kill()
    assert (tmp_path / "data" / "zigbee.db").exists()


def test_restart_resumes_the_network_with_devices_known(tmp_path):
    for expected in (" interviewed: ", " known: "):
        proc = start(tmp_path / "data", "--sim-quiet")
        try:
            text = "".join(read_until(proc, expected, count=10))
            if expected == " known: ":
                assert " joined " not in text
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=10)
        finally:
            proc.kill()


def run_fail(*args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(zigbridge(*args), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.startswith("zigbridge: ")
    return result


def test_unwritable_data_dir_is_one_clear_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_fail("--radio", "sim", "--data-dir", str(blocker / "data"))
    assert "data directory" in result.stderr and "not writable" in result.stderr


def test_port_in_use_is_one_clear_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_fail(
            "--radio", "sim", "--data-dir", str(tmp_path), "--host", "127.0.0.1",
            "--http-port", str(port), "--ws-port", str(free_port()),
        )  # fmt: skip
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


def test_missing_serial_port_is_one_clear_line(tmp_path):
    result = run_fail(
        "--radio", "znp", "--device", "/dev/ttyZIGBRIDGE-NOPE", "--data-dir", str(tmp_path),
        "--http-port", str(free_port()), "--ws-port", str(free_port()),
    )  # fmt: skip
    assert "/dev/ttyZIGBRIDGE-NOPE does not exist" in result.stderr


def test_real_radio_without_device_is_one_clear_line(tmp_path):
    result = run_fail("--radio", "ezsp", "--data-dir", str(tmp_path))
    assert "needs --device" in result.stderr


def test_version():
    result = subprocess.run(zigbridge("--version"), capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("zigbridge ")
