"""Before anything starts: one daemon per data directory, and secrets readable by their owner
only, whatever the umask."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
from pathlib import Path

import pytest

from gateway.daemon.preflight import StartupError
from tests.gateway.cli.test_main import READY, DaemonProcess, clean_env, free_port, zigbridge
from tests.gateway.conftest import daemon_settings, run_daemon, stop_daemon


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_second_daemon_on_the_same_data_dir_is_refused_naming_the_first(tmp_path):
    first = await run_daemon(daemon_settings(tmp_path))
    try:
        with pytest.raises(StartupError) as refused:
            await run_daemon(daemon_settings(tmp_path))
        message = str(refused.value)
        assert f"another zigbridge (pid {os.getpid()})" in message
        assert str(tmp_path) in message and "\n" not in message
        assert (await first.get("/config"))["name"]  # the first one is untouched
    finally:
        await stop_daemon(first)
    again = await run_daemon(daemon_settings(tmp_path))  # the lock went with the first
    await stop_daemon(again)


def test_a_second_zigbridge_process_exits_2_with_one_line(tmp_path):
    first = DaemonProcess(tmp_path, "--sim-quiet")
    try:
        first.wait_for(READY)
        args = ["--radio", "sim", "--data-dir", str(tmp_path), "--host", "127.0.0.1"]
        args += ["--http-port", str(free_port()), "--ws-port", str(free_port())]
        second = subprocess.run(
            zigbridge(*args), capture_output=True, text=True, env=clean_env(), timeout=60
        )
        assert second.returncode == 2
        assert second.stderr.strip().splitlines() == [
            f"zigbridge: another zigbridge (pid {first.proc.pid}) is running with data "
            f"directory {tmp_path}; stop it first, or give this one another --data-dir"
        ], second.stderr
        assert first.cli("devices").returncode == 0  # talking to the running one still works
    finally:
        first.stop()


async def test_databases_and_the_data_dir_are_the_owners_only_whatever_the_umask(tmp_path):
    data = tmp_path / "data"
    old = os.umask(0o022)
    try:
        running = await run_daemon(daemon_settings(data))
    finally:
        os.umask(old)
    try:
        assert mode(data) == 0o700
        files = [p for p in data.iterdir() if p.name.startswith(("zigbridge.db", "zigbee.db"))]
        assert {p.name for p in files} >= {"zigbridge.db", "zigbee.db", "zigbridge.db-wal"}
        assert {p.name: mode(p) for p in files} == {p.name: 0o600 for p in files}
    finally:
        await stop_daemon(running)


async def test_loose_modes_left_by_an_older_version_are_tightened_and_said(tmp_path, caplog):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    for name in ("zigbridge.db", "zigbee.db"):
        (data / name).touch()
        (data / name).chmod(0o644)
    with caplog.at_level(logging.INFO, logger="gateway"):
        running = await run_daemon(daemon_settings(data))
    try:
        assert mode(data) == 0o700
        assert mode(data / "zigbridge.db") == mode(data / "zigbee.db") == 0o600
        said = [r.getMessage() for r in caplog.records if "readable by its owner" in r.getMessage()]
        assert len(said) == 3
    finally:
        await stop_daemon(running)


async def test_a_data_dir_that_is_a_file_is_named_as_such(tmp_path):
    path = tmp_path / "oops"
    path.write_text("")
    with pytest.raises(StartupError, match=f"data directory {path} is a file"):
        await run_daemon(daemon_settings(path))
