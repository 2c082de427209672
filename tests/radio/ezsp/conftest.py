"""A zigbridge daemon on the real bellows, talking ASH/EZSP over TCP to an emulated NCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import websockets

from gateway.daemon import settings as startup
from radio.controller import RadioSettings
from tests.emulators.ezsp import FakeEzspNcp
from tests.emulators.ezsp_nvram import EzspNvram
from tests.gateway.conftest import Running, WsClient, run_daemon, stop_daemon, until  # noqa: F401
from tests.gateway.conftest import daemon_settings as base_settings

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


def daemon_settings(
    data_dir: Path,
    device_path: str,
    radio_type: str = "ezsp",
    zigpy_config: dict[str, Any] | None = None,
) -> startup.Settings:
    """`zigpy_config` is merged over the tests' bellows options."""
    zigpy = {**ZIGPY_CONFIG, **(zigpy_config or {})}
    return base_settings(data_dir, radio=radio_type, device=device_path, zigpy=zigpy)


def radio_settings(data_dir: Path, device_path: str, **radio: Any) -> RadioSettings:
    """`radio`: `radio_type` and `zigpy_config` as for `daemon_settings`, and the radio's
    own knobs."""
    settings = daemon_settings(
        data_dir, device_path, radio.pop("radio_type", "ezsp"), radio.pop("zigpy_config", None)
    )
    return startup.radio_settings(settings, **radio)


async def start_daemon(
    data_dir: Path, ncp: FakeEzspNcp, zigpy_config: dict[str, Any] | None = None, **radio: Any
) -> Running:
    """`radio`: the radio's own knobs (`reconnect_min`)."""
    settings = daemon_settings(data_dir, ncp.url, zigpy_config=zigpy_config)
    return await run_daemon(settings, startup.radio_settings(settings, **radio))


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
