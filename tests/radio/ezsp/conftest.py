"""A zigbridge daemon on the real bellows, talking ASH/EZSP over TCP to an emulated NCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import websockets

from gateway.daemon.daemon import DaemonSettings
from radio.controller import RadioSettings
from tests.emulators.ezsp import FakeEzspNcp
from tests.emulators.ezsp_nvram import EzspNvram
from tests.gateway.conftest import Running, WsClient, run_daemon, stop_daemon, until  # noqa: F401

NCP_IEEE = "00:0b:57:ff:fe:5a:00:01"
CHANNEL = 15
PAN_ID = 0x1A62
EXTENDED_PAN_ID = "dd:dd:dd:dd:dd:dd:dd:dd"
NETWORK_KEY = bytes.fromhex("2ccade06cc8ad2b9c42d8e9e4d7b7a11")

# bellows options for tests: the serial link in the test's own event loop (deterministic);
# everything else as a user gets it.
ZIGPY_CONFIG: dict[str, Any] = {"use_thread": False}


def formed_nvram(**overrides: Any) -> EzspNvram:
    values: dict[str, Any] = {
        "ieee": NCP_IEEE,
        "channel": CHANNEL,
        "pan_id": PAN_ID,
        "extended_pan_id": EXTENDED_PAN_ID,
        "network_key": NETWORK_KEY,
    }
    values.update(overrides)
    return EzspNvram.formed(**values)


def radio_settings(data_dir: Path, device_path: str, **radio: Any) -> RadioSettings:
    zigpy_config = {**ZIGPY_CONFIG, **radio.pop("zigpy_config", {})}
    return RadioSettings(
        radio_type=radio.pop("radio_type", "ezsp"),
        device_path=device_path,
        data_dir=data_dir,
        zigpy_config=zigpy_config,
        **radio,
    )


def daemon_settings(data_dir: Path, device_path: str, **radio: Any) -> DaemonSettings:
    return DaemonSettings(
        radio=radio_settings(data_dir, device_path, **radio),
        host="127.0.0.1",
        http_port=0,
        ws_port=0,
        demo_live=False,
    )


async def start_daemon(data_dir: Path, ncp: FakeEzspNcp, **radio: Any) -> Running:
    return await run_daemon(daemon_settings(data_dir, ncp.url, **radio))


async def rest_until(
    gw: Running, path: str, check: Callable[[Any], Any], timeout: float = 15.0
) -> Any:
    async with asyncio.timeout(timeout):
        while True:
            body = await gw.get(path)
            result = check(body)
            if result:
                return result
            await asyncio.sleep(0.02)


@pytest.fixture
async def ncp() -> AsyncIterator[FakeEzspNcp]:
    emulator = FakeEzspNcp(formed_nvram())
    await emulator.start()
    yield emulator
    await emulator.close()
    assert not emulator.errors, f"the emulator failed on {emulator.errors}"
    assert not emulator.unhandled, f"bellows sent commands the emulator lacks: {emulator.unhandled}"


@pytest.fixture
async def gw(tmp_path: Path, ncp: FakeEzspNcp) -> AsyncIterator[Running]:
    running = await start_daemon(tmp_path, ncp)
    yield running
    await stop_daemon(running)


@pytest.fixture
async def ws(gw: Running) -> AsyncIterator[WsClient]:
    client = WsClient(await websockets.connect(gw.ws_url))
    yield client
    await client.close()
