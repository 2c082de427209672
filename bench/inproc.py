"""The daemon inside the benchmark's own process and event loop, zigpy there without the
gateway (the fan-out's baseline for our own CPU), and report injection at the zigpy boundary
(``app.packet_received``), exactly where a radio library delivers frames."""

from __future__ import annotations

import gc
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from gateway.daemon.daemon import Daemon
from gateway.daemon.settings import Settings, build_settings, radio_settings

from .common import HOST


async def start_daemon(
    template: Path,
    work: Path,
    devices: int,
    mqtt_pacing: dict[str, Any] | None = None,
    **options: Any,
) -> Daemon:
    """A daemon on a copy of a prepared data dir (known devices: a restart, no interviews),
    on ephemeral ports, with the demo devices attached but not reporting by themselves;
    `options`: more settings by option name (`mqtt_url=...`), `mqtt_pacing`: the bridge's
    own knobs (`gateway.mqtt.bridge.Pacing`)."""
    daemon = Daemon(_settings(template, work, devices, **options), mqtt_pacing=mqtt_pacing)
    await daemon.start()
    if daemon.demo.failed:
        raise RuntimeError(f"{len(daemon.demo.failed)} simulated devices did not come back")
    return daemon


def _settings(template: Path, work: Path, devices: int, **options: Any) -> Settings:
    """The daemon's settings on a fresh copy of ``template``; library logging quietened."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(template, work)
    for name in ("gateway", "radio", "zigpy", "aiosqlite", "websockets", "uvicorn"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return build_settings(
        {
            "data_dir": work,
            "host": HOST,
            "http_port": 0,
            "ws_port": 0,
            "sim_devices": devices,
            "sim_quiet": True,
            **options,
        }
    )


@dataclass
class ZigpyAlone:
    """zigpy on the simulated radio with nothing of the gateway attached: the daemon's
    ControllerApplication (same radio class, config and ``radio.appdb`` merged database
    writes) and the same simulated devices, without our listeners, store or websocket.
    What a report costs here is zigpy's share of what it costs the daemon."""

    app: Any
    demo: Any


async def start_zigpy_alone(template: Path, work: Path, devices: int) -> ZigpyAlone:
    """zigpy alone on a copy of a prepared data dir, started as ``radio.controller`` starts
    it, with the demo devices attached as the daemon attaches them."""
    from radio.appdb import with_coalesced_writes
    from radio.controller import zigpy_config
    from radio.selection import controller_class
    from radio.sim.demo import DemoDriver, scaled_network

    radio = radio_settings(_settings(template, work, devices))
    cls = with_coalesced_writes(controller_class(radio.radio_type))
    app = await cls.new(zigpy_config(radio), auto_form=True, start_radio=False)
    await app.startup(auto_form=True)
    demo = DemoDriver(app, scaled_network(devices), live=False)
    await demo.start()
    if demo.failed:
        await app.shutdown()
        raise RuntimeError(f"{len(demo.failed)} simulated devices did not come back")
    # As the daemon does after start-up (gateway.daemon), so both heaps are scanned alike.
    gc.collect()
    gc.freeze()
    return ZigpyAlone(app, demo)


async def stop_zigpy_alone(alone: ZigpyAlone, drain_timeout: float = 30.0) -> float:
    """Stop zigpy alone after its database writes have drained; returns the drain time."""
    drained = await drain_zigpy_db(alone.app, drain_timeout)
    await alone.demo.stop()
    await alone.app.shutdown()
    return drained


def temperature_devices(demo: Any) -> list[Any]:
    """The simulated sensors of a ``DemoDriver`` that report temperature."""
    return [
        d
        for d in demo.devices
        if any(ep.has(TemperatureMeasurement) for ep in d.endpoints.values())
    ]


def temperature_reports(devices: list[Any], values: range | list[int]) -> list[Any]:
    """One Report_Attributes frame per value, round-robin over ``devices``, built by the
    simulated devices themselves (so the bytes are what a real sensor sends)."""
    packets = []
    for i, value in enumerate(values):
        frames = devices[i % len(devices)].report(
            None, TemperatureMeasurement, {"measured_value": value}
        )
        if len(frames) != 1:
            raise RuntimeError(f"expected one report frame, got {len(frames)}")
        packets.append(frames[0])
    return packets


class ReportFactory:
    """Temperature reports from the simulated sensors, fast enough to pre-build thousands.

    ``SimDevice.report`` builds one frame per sensor (the device's own addressing, profile,
    endpoints and ZCL header); further frames patch that frame's ZCL sequence number and
    value, which is all that differs between two reports of the same attribute. The layout
    is checked against ``SimDevice.report`` at construction.
    """

    def __init__(self, devices: list[Any]) -> None:
        import zigpy.types as t

        self._bytes = t.SerializableBytes
        self._templates: list[list[Any]] = []
        for device in devices:
            first, second = (temperature_reports([device], [value])[0] for value in (1234, -2345))
            for packet, value in ((first, 1234), (second, -2345)):
                data = packet.data.serialize()
                expected = self._data(data[1], value)
                if data != expected:
                    raise RuntimeError(f"unexpected report layout {data!r} != {expected!r}")
            self._templates.append([second, second.data.serialize()[1]])

    @staticmethod
    def _data(tsn: int, value: int) -> bytes:
        # frame control (global, server→client, no default response), TSN,
        # Report_Attributes, attribute 0x0000 (MeasuredValue), int16, value (LE)
        return bytes((0x18, tsn, 0x0A, 0x00, 0x00, 0x29)) + value.to_bytes(2, "little", signed=True)

    def make_one(self, i: int, value: int) -> Any:
        """The i-th report (sensor i mod n, round-robin) carrying ``value``."""
        slot = self._templates[i % len(self._templates)]
        tsn = (slot[1] + 1) & 0xFF
        slot[1] = tsn
        return slot[0].replace(tsn=tsn, data=self._bytes(self._data(tsn, value)))

    def make(self, values: range | list[int]) -> list[Any]:
        return [self.make_one(i, value) for i, value in enumerate(values)]


def zigpy_db_backlog(app: Any, write_now: bool = False) -> int:
    """Writes waiting in zigpy's database listener (``radio.appdb``) of ``app``: merged rows
    not yet queued plus zigpy's queue. ``write_now`` queues the merged rows at once, so a
    measurement can wait for (and pay for) them instead of ending before their timer."""
    listener = getattr(app, "_dblistener", None)
    if listener is None:
        return 0
    if write_now:
        listener.write_pending()
    return listener.pending_writes


async def drain_zigpy_db(app: Any, timeout: float, poll: float = 0.05) -> float:
    """Wait until zigpy's database writes of ``app`` are done (at most ``timeout``);
    returns how long that took."""
    import asyncio

    from .common import now

    t0 = now()
    while zigpy_db_backlog(app, write_now=True) and now() - t0 < timeout:
        await asyncio.sleep(poll)
    return now() - t0


async def stop_daemon(daemon: Daemon, drain_timeout: float = 30.0) -> float:
    """Stop an in-process daemon after zigpy's database writes have drained; returns how
    long the drain took.

    zigpy's ``PersistingListener.shutdown()`` waits for its (unbounded) write queue, and
    the daemon gives ``app.shutdown()`` 4 s; after a saturating load the queue can take
    longer, and then zigpy's aiosqlite thread is never closed and keeps the process alive.
    """
    drained = await drain_zigpy_db(daemon.radio.app if daemon.radio else None, drain_timeout)
    await daemon.stop()
    return drained
