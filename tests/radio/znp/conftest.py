"""A zigbridge daemon on the real zigpy-znp, talking MT over TCP to an emulated Z-Stack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import websockets

from gateway.daemon.settings import Settings, radio_settings
from tests.emulators.znp import ZStackEmulator, blank_nvram, formed_nvram
from tests.gateway.conftest import Running, WsClient, run_daemon, stop_daemon, until
from tests.gateway.conftest import daemon_settings as base_settings

# zigpy-znp options for tests: no DTR/RTS bootloader dance (0.5 s per start on a socket,
# where the pins do nothing anyway). Everything else is what a user gets.
ZNP_CONFIG: dict[str, Any] = {"znp_config": {"skip_bootloader": False}}


def daemon_settings(
    data_dir: Path, stick: ZStackEmulator, zigpy: dict[str, Any] = ZNP_CONFIG
) -> Settings:
    return base_settings(data_dir, radio="znp", device=stick.url, zigpy=zigpy)


async def start_daemon(data_dir: Path, stick: ZStackEmulator, **radio: Any) -> Running:
    """`radio`: the radio's own knobs, and `zigpy_config` for `radio.zigpy`."""
    settings = daemon_settings(data_dir, stick, radio.pop("zigpy_config", ZNP_CONFIG))
    radio.setdefault("reconnect_min", 0.05)
    radio.setdefault("reconnect_max", 0.4)
    return await run_daemon(settings, radio_settings(settings, **radio))


async def resource(gw: Running, kind: str, ieee: str, timeout: float = 10.0) -> tuple[str, dict]:
    """Wait until the device shows up over REST as a light/sensor; returns (id, resource)."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                for rid, item in (await gw.get(f"/{kind}")).items():
                    if item.get("uniqueid", "").startswith(ieee):
                        return rid, item
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"no {kind} resource for {ieee}") from None


async def join(gw: Running, stick: ZStackEmulator, *devices: Any) -> None:
    """Open the network over REST, as a user would, then let the devices join."""
    r = await gw.put("/config", {"permitjoin": 60})
    assert r.status_code == 200, r.text
    await until(lambda: stick.permitting_joins, what="the coordinator permitting joins")
    for device in devices:
        stick.join(device)


@pytest.fixture
async def stick() -> AsyncIterator[ZStackEmulator]:
    """A formed Z-Stack 3.30 stick with no devices yet."""
    async with ZStackEmulator(formed_nvram()) as emulator:
        yield emulator
    assert not emulator.errors


@pytest.fixture
async def blank_stick() -> AsyncIterator[ZStackEmulator]:
    """A factory-new Z-Stack 3.30 stick: zigpy forms a network on it."""
    async with ZStackEmulator(blank_nvram()) as emulator:
        yield emulator
    assert not emulator.errors


@pytest.fixture
async def gw(tmp_path: Path, stick: ZStackEmulator) -> AsyncIterator[Running]:
    running = await start_daemon(tmp_path, stick)
    yield running
    await stop_daemon(running)


@pytest.fixture
async def ws(gw: Running) -> AsyncIterator[WsClient]:
    client = WsClient(await websockets.connect(gw.ws_url))
    yield client
    await client.close()
