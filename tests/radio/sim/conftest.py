"""Fixtures for the simulated network: a real zigpy ControllerApplication on VirtualRadio."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sim_helpers import start_radio

from radio.sim import VirtualRadio


@pytest.fixture
async def app() -> AsyncIterator[VirtualRadio]:
    radio = await start_radio()
    yield radio
    await radio.shutdown()


@pytest.fixture
def paths(tmp_path) -> tuple[str, str]:
    """NV file and zigpy database for restart tests."""
    return str(tmp_path / "nvram.json"), str(tmp_path / "zigbee.db")
