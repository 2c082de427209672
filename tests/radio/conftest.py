"""Fixtures for the radio layer: a real `Radio` on the virtual zigpy radio."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from radio import events as ev
from radio.controller import Radio, RadioSettings


class EventLog(list):
    """Collects radio events; `wait` polls until a matching one arrives."""

    async def wait(
        self, predicate: Callable[[Any], bool], timeout: float = 10.0, start: int = 0
    ) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for event in self[start:]:
                if predicate(event):
                    return event
            if loop.time() > deadline:
                kinds = [type(e).__name__ for e in self[start:]][-20:]
                raise AssertionError(f"no matching event within {timeout} s; last: {kinds}")
            await asyncio.sleep(0.01)

    def of(self, kind: type) -> list:
        return [e for e in self if isinstance(e, kind)]


def settings(data_dir: Path, **overrides: Any) -> RadioSettings:
    return RadioSettings(radio_type="sim", device_path=None, data_dir=data_dir, **overrides)


@pytest.fixture
def events() -> EventLog:
    return EventLog()


@pytest.fixture
async def radio(tmp_path: Path, events: EventLog):
    r = Radio(settings(tmp_path), events.append)
    await r.start()
    yield r
    await r.stop()


async def join(radio: Radio, events: EventLog, *devices) -> None:
    """Join sim devices and wait until the gateway-facing DeviceInitialized for each."""
    start = len(events)
    for device in devices:
        radio.app.network.join(device)
    for device in devices:
        ieee = str(device.ieee)
        await events.wait(
            lambda e, ieee=ieee: isinstance(e, ev.DeviceInitialized) and e.device.ieee == ieee,
            start=start,
        )
