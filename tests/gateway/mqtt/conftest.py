"""MQTT tests: a real Mosquitto per module (tests/brokers.py) and daemons bridged to it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest_asyncio

from gateway.daemon.settings import radio_settings
from tests.brokers import Mosquitto, MqttWatcher, mosquitto, retained
from tests.gateway.conftest import Running, daemon_settings, run_daemon, stop_daemon, until

FAST = {"reconnect_min": 0.1, "reconnect_max": 0.5}
"""Reconnect at once in tests: the behaviour is the same, the waits shorter."""


async def bridged_daemon(
    data_dir: Path, broker: Mosquitto | str, pacing: dict[str, Any] | None = None, **options: Any
) -> Running:
    """A daemon on the simulated network with its MQTT bridge pointed at `broker` (or a
    URL: another listener of it, with a password or TLS)."""
    from gateway.daemon.daemon import Daemon

    url = broker if isinstance(broker, str) else broker.url
    settings = daemon_settings(data_dir, mqtt_url=url, **options)
    daemon = Daemon(settings, radio_settings(settings), mqtt_pacing={**FAST, **(pacing or {})})
    return await run_daemon(settings, daemon=daemon)


async def connected_daemon(data_dir: Path, broker: Mosquitto | str, **options: Any) -> Running:
    """`bridged_daemon`, once its bridge has connected."""
    running = await bridged_daemon(data_dir, broker, **options)
    await until(lambda: running.daemon.mqtt.connected, what="the bridge to connect")
    return running


def module_gateway(name: str, **options: Any) -> Any:
    """A module-scoped fixture: one connected daemon for the whole test module (a daemon
    per test would cost CI minutes). Tests of the module share its loop."""

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def fixture(mosquitto: Mosquitto, tmp_path_factory: Any):
        running = await connected_daemon(tmp_path_factory.mktemp(name), mosquitto, **options)
        yield running
        if running.daemon.gateway is not None:  # (a test may have stopped it)
            await stop_daemon(running)

    return fixture


async def expected_retained(gw) -> dict[str, dict]:
    """Every retained topic the bridge owes, as REST shows it now."""
    out = {}
    for kind in ("lights", "sensors", "groups"):
        for rid in await gw.get(f"/{kind}"):
            out[f"{root(gw)}/{kind}/{rid}"] = await gw.get(f"/{kind}/{rid}")
    out[f"{root(gw)}/bridge/state"] = {"state": "online"}
    return out


async def complete(gw, mosquitto) -> bool:
    """The broker retains every resource as REST shows it now, and `bridge/state` online."""
    wanted = await expected_retained(gw)
    kept = await retained(mosquitto.url, f"{root(gw)}/#")
    return all(topic in kept and kept[topic].json() == body for topic, body in wanted.items())


async def eventually(check, timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def root(running: Running) -> str:
    """`<base>/<gw>` of a running bridge."""
    return running.daemon.mqtt.topics.root


__all__ = [
    "FAST",
    "MqttWatcher",
    "bridged_daemon",
    "complete",
    "connected_daemon",
    "eventually",
    "expected_retained",
    "module_gateway",
    "mosquitto",
    "root",
]
