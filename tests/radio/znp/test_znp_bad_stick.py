"""Sticks that are not a working Z-Stack coordinator: the daemon stops with one clear line
and nothing is written to the stick."""

from __future__ import annotations

from pathlib import Path

import pytest
import zigpy_znp.commands as c

from gateway.daemon.daemon import Daemon
from gateway.daemon.preflight import StartupError
from tests.emulators.znp import ZStackEmulator, blank_nvram, formed_nvram
from tests.radio.znp.conftest import daemon_settings

# A short SREQ timeout, so a stick that never answers fails in 1 s instead of zigpy-znp's 15
QUICK = {"znp_config": {"skip_bootloader": False, "sync_request_timeout": 1}}


async def start_expecting_failure(tmp_path: Path, stick: ZStackEmulator) -> str:
    daemon = Daemon(daemon_settings(tmp_path, stick, zigpy=QUICK))
    try:
        with pytest.raises(StartupError) as failure:
            await daemon.start()
        # REST and the websocket were up before the radio failed; they still stop cleanly
        assert daemon.rest is not None
    finally:
        await daemon.stop()
    return str(failure.value)


@pytest.mark.parametrize("mode", ["silent", "garbage"])
async def test_a_stick_that_does_not_answer_is_a_clear_error(tmp_path: Path, mode):
    # A blank stick: had zigpy-znp got any further it would have formed a network on it
    async with ZStackEmulator(blank_nvram(), mode=mode) as stick:
        before = stick.nvram.copy()
        message = await start_expecting_failure(tmp_path, stick)
        assert message.startswith(f"the radio on {stick.url} did not answer"), message
        assert "\n" not in message
        # Only probing: no NV access at all, nothing written, NVRAM unchanged
        assert stick.requests and all(isinstance(r, c.SYS.Ping.Req) for r in stick.requests)
        assert stick.nv_writes() == []
        assert (stick.nvram.osal, stick.nvram.items) == (before.osal, before.items)
        if mode == "garbage":
            assert stick.garbage_received == 0  # the client sent only well-formed frames


async def test_nothing_listening_is_a_clear_error(tmp_path: Path):
    stick = ZStackEmulator(formed_nvram())
    await stick.start()
    await stick.close()  # the port is now closed: connection refused
    message = await start_expecting_failure(tmp_path, stick)
    assert message.startswith(f"cannot connect to {stick.url}"), message
    assert "\n" not in message


async def test_nothing_listening_says_why(tmp_path: Path):
    stick = ZStackEmulator(formed_nvram())
    await stick.start()
    await stick.close()
    message = await start_expecting_failure(tmp_path, stick)
    assert "refused" in message or "Connect call failed" in message, message
