"""The `zigbridge` command as a person runs it: it starts on the simulated network, stops
cleanly on SIGTERM/SIGINT, and bad start-up conditions give one clear line and exit 2."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

READY = "zigbridge is running"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def zigbridge(*args: str) -> list[str]:
    return [sys.executable, "-m", "gateway.cli.main", *args]


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


def clean_env(**extra: str) -> dict[str, str]:
    """The test run's environment without ZIGBRIDGE_ settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZIGBRIDGE_")}
    return {**env, **extra}


class DaemonProcess:
    """`zigbridge` running in a subprocess on the simulated network, on free 127.0.0.1
    ports. A thread collects its output (so the pipe never fills) for `wait_for`; `cli`
    runs a subcommand pointed at it."""

    def __init__(
        self,
        data_dir: Path,
        *extra: str,
        env: dict[str, str] | None = None,
        preexec_fn: Callable[[], None] | None = None,
    ):
        self.data_dir = data_dir
        self.http_port = free_port()
        self.ws_port = free_port()
        self.env = env if env is not None else clean_env()
        self.lines: list[str] = []
        self._ended = False
        self._changed = threading.Condition()
        args = ["--radio", "sim", "--data-dir", str(data_dir), "--host", "127.0.0.1"]
        args += ["--http-port", str(self.http_port), "--ws-port", str(self.ws_port), *extra]
        self.proc = subprocess.Popen(
            zigbridge(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            preexec_fn=preexec_fn,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def output(self) -> str:
        with self._changed:
            return "".join(self.lines)

    def wait_for(self, needle: str, count: int = 1, timeout: float = 60) -> str:
        """The output so far, once `count` lines contain `needle`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(needle in line for line in self.lines) < count:
                left = deadline - time.monotonic()
                if left <= 0 or self._ended:
                    raise AssertionError(f"{needle!r} never appeared; output:\n{self.output}")
                self._changed.wait(left)
            return "".join(self.lines)

    def cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(
            zigbridge("--data-dir", str(self.data_dir), "--http-port", str(self.http_port), *args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
        )

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=15)
        finally:
            self.proc.kill()


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


def test_a_start_that_fails_says_only_its_one_line(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    url = f"socket://127.0.0.1:{server.getsockname()[1]}"
    server.close()  # connection refused
    args = ["--radio", "znp", "--device", url, "--data-dir", str(tmp_path / "data")]
    args += ["--http-port", "0", "--ws-port", "0", "--host", "127.0.0.1"]
    first = subprocess.run(zigbridge(*args), capture_output=True, text=True, env=clean_env())
    assert first.returncode == 2
    # the first start also says where the new gateway password is (a warning)
    assert [line for line in first.stderr.splitlines() if "WARNING" not in line] == [
        f"zigbridge: cannot connect to {url} (Connect call failed ('127.0.0.1', "
        f"{url.rsplit(':', 1)[1]})); is the coordinator on and reachable?"
    ]
    again = subprocess.run(zigbridge(*args), capture_output=True, text=True, env=clean_env())
    assert again.returncode == 2
    assert len(again.stderr.splitlines()) == 1, again.stderr
