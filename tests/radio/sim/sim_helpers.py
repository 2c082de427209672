"""Helpers for the simulated-network tests (a uniquely named module: importable from tests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import zigpy.device
import zigpy.zcl

from radio.sim import SimDevice, VirtualRadio, sim_config


class Interviews:
    """zigpy application listener resolving a future per IEEE on device_initialized."""

    def __init__(self) -> None:
        self.futures: dict[Any, asyncio.Future[zigpy.device.Device]] = {}
        self.failed: list[Any] = []

    def expect(self, ieee: Any) -> asyncio.Future[zigpy.device.Device]:
        return self.futures.setdefault(ieee, asyncio.get_running_loop().create_future())

    def device_initialized(self, device: zigpy.device.Device) -> None:
        future = self.futures.get(device.ieee)
        if future is not None and not future.done():
            future.set_result(device)

    def device_init_failure(self, device: zigpy.device.Device) -> None:
        self.failed.append(device.ieee)


async def start_radio(nv: str = ":memory:", db: str | None = None, **kwargs: Any) -> VirtualRadio:
    return await VirtualRadio.new(sim_config(nv, db, **kwargs), auto_form=True)


async def join(
    app: VirtualRadio, *devices: SimDevice, timeout: float = 5.0
) -> list[zigpy.device.Device]:
    """Join sim devices and wait until zigpy has interviewed all of them."""
    interviews = Interviews()
    app.add_listener(interviews)
    try:
        waiters = [interviews.expect(d.ieee) for d in devices]
        for device in devices:
            app.network.join(device)
        async with asyncio.timeout(timeout):
            return list(await asyncio.gather(*waiters))
    finally:
        app.remove_listener(interviews)


async def wait_for(predicate: Callable[[], Any], timeout: float = 2.0) -> Any:
    """Poll until ``predicate()`` is truthy (frames travel via loop callbacks and tasks)."""
    async with asyncio.timeout(timeout):
        while not (result := predicate()):
            await asyncio.sleep(0.002)
    return result


async def settle(rounds: int = 5) -> None:
    """Let queued frames and zigpy's follow-up tasks run."""
    for _ in range(rounds):
        await asyncio.sleep(0)


class Reports:
    """Collects zigpy ``attribute_report`` events: ``{attribute_name: [values]}``."""

    def __init__(self, *clusters: zigpy.zcl.Cluster) -> None:
        self.events: list[zigpy.zcl.AttributeReportedEvent] = []
        self._unsubscribe = [c.on_event("attribute_report", self.events.append) for c in clusters]

    def values(self, name: str) -> list[Any]:
        return [e.value for e in self.events if e.attribute_name == name]

    def close(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()


class ClusterCommands:
    """Collects legacy ``cluster_command`` listener calls: [(command_id, args)]."""

    def __init__(self, *clusters: zigpy.zcl.Cluster) -> None:
        self.calls: list[tuple[int, Any]] = []
        for cluster in clusters:
            cluster.add_listener(self)

    def cluster_command(self, tsn: int, command_id: int, args: Any) -> None:
        self.calls.append((command_id, args))
