"""Wrong or dead sticks: the daemon stops with one clear line and writes nothing.

bellows on ``socket://`` waits 2 s for a spontaneous reset, then 2.5 s for the answer to
its own, three times: a stick that never speaks EZSP costs 13.5 s. The cases run side by
side so the file stays quick; the timeouts below only turn a hang into a failure.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any

import pytest

from gateway.daemon.daemon import Daemon
from gateway.daemon.preflight import StartupError
from tests.emulators.ezsp import FakeEzspNcp
from tests.radio.ezsp.conftest import (
    NETWORK_KEY,
    daemon_settings,
    formed_nvram,
    start_daemon,
    stop_daemon,
    until,
)

HANG_GUARD = 60.0
VALIDATE = {"validate_network_settings": True}


async def start_failure(data_dir: Path, url: str, **radio: Any) -> str:
    """Start a daemon that must fail; returns its StartupError message."""
    daemon = Daemon(daemon_settings(data_dir, url, **radio))
    try:
        async with asyncio.timeout(HANG_GUARD):
            with pytest.raises(StartupError) as failure:
                await daemon.start()
    finally:
        await daemon.stop()
    return str(failure.value)


def assert_one_clear_line(message: str, url: str, case: str) -> None:
    assert "\n" not in message, (case, message)
    assert url in message, (case, message)
    assert "did not answer" in message and "--radio" in message, (case, message)


async def test_dead_or_foreign_sticks_fail_with_one_clear_line(tmp_path: Path):
    silent = await FakeEzspNcp(formed_nvram(), mode="silent").start()  # speaks nothing
    ezsp_stick = await FakeEzspNcp(formed_nvram()).start()  # fine, but driven as a ConBee
    cases: dict[str, tuple[str, str]] = {
        "ezsp on a TCP server that speaks nothing": ("ezsp", silent.url),
        "deconz on an EmberZNet stick": ("deconz", ezsp_stick.url),
    }
    znp_stick = None
    try:
        znp = importlib.import_module("tests.emulators.znp")
    except ImportError:  # the Z-Stack emulator lives in another change
        znp = None
    if znp is not None:
        znp_stick = await znp.ZStackEmulator().start()
        cases["ezsp on a Z-Stack coordinator"] = ("ezsp", znp_stick.url)
    try:
        messages = await asyncio.gather(
            *(
                start_failure(tmp_path / str(i), url, radio_type=radio_type)
                for i, (radio_type, url) in enumerate(cases.values())
            )
        )
        for (label, (_, url)), message in zip(cases.items(), messages, strict=True):
            assert_one_clear_line(message, url, label)
    finally:
        await silent.close()
        await ezsp_stick.close()
        if znp_stick is not None:
            await znp_stick.close()

    # bellows did try (ASH resets on the wire), and nobody wrote to any stick
    assert b"\xc0\x38\xbc\x7e" in silent.raw_received  # ASH RST frame
    assert ezsp_stick.commands == []  # zigpy-deconz never produced a valid EZSP frame
    assert ezsp_stick.nvram.formed_network
    if znp_stick is not None:
        assert znp_stick.nv_writes() == []
        assert znp_stick.requests == []  # ASH is not MT: nothing reached Z-Stack


async def test_stick_holding_another_network_is_not_touched(tmp_path: Path):
    """The database belongs to network A, the stick holds network B (someone plugged in
    another stick). With zigpy's settings validation on, start-up stops before writing."""
    first = await FakeEzspNcp(formed_nvram()).start()
    try:
        gw = await start_daemon(tmp_path, first, zigpy_config=VALIDATE)
        try:
            await until(lambda: gw.daemon.radio.app.backups.backups, what="network backup")
        finally:
            await stop_daemon(gw)
    finally:
        await first.close()

    other = FakeEzspNcp(
        formed_nvram(
            ieee="00:0b:57:ff:fe:5a:00:09", pan_id=0x2222, extended_pan_id="ee:ee:ee:ee:ee:ee:ee:ee"
        )
    )
    await other.start()
    kept = other.nvram.summary()
    try:
        message = await start_failure(tmp_path, other.url, zigpy_config=VALIDATE)
    finally:
        await other.close()
    assert other.url in message and "2222" in message, message  # names the stick and its PAN
    assert other.writes() == []
    assert other.nvram.summary() == kept


async def test_another_network_message_is_one_line_without_keys(tmp_path: Path):
    first = await FakeEzspNcp(formed_nvram()).start()
    try:
        gw = await start_daemon(tmp_path, first, zigpy_config=VALIDATE)
        try:
            await until(lambda: gw.daemon.radio.app.backups.backups, what="network backup")
        finally:
            await stop_daemon(gw)
    finally:
        await first.close()
    other = await FakeEzspNcp(
        formed_nvram(ieee="00:0b:57:ff:fe:5a:00:09", extended_pan_id="ee:ee:ee:ee:ee:ee:ee:ee")
    ).start()
    try:
        message = await start_failure(tmp_path, other.url, zigpy_config=VALIDATE)
    finally:
        await other.close()
    assert "\n" not in message
    assert NETWORK_KEY.hex(":") not in message


async def test_nothing_listening_is_named_plainly(tmp_path: Path):
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    url = f"socket://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()
    message = await start_failure(tmp_path, url)
    assert "\n" not in message and url in message
    assert "TransientConnectionError" not in message, message
    assert "refused" in message.lower() or "connect call failed" in message.lower(), message
