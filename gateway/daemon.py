"""The daemon: starts the radio, the demo network (for `--radio sim`) and the gateway
services, and shuts everything down cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from typing import Any

from gateway.eventlog import log_event
from gateway.preflight import (
    StartupError,
    check_data_dir,
    check_port_free,
    check_serial_device,
    describe_radio_failure,
)
from radio import events as ev
from radio.controller import Radio, RadioSettings

LOGGER = logging.getLogger("gateway")

SHUTDOWN_TIMEOUT = 4.5


@dataclass(slots=True)
class DaemonSettings:
    radio: RadioSettings
    host: str = "0.0.0.0"
    http_port: int = 8080
    ws_port: int = 8088
    sim_devices: int | None = None  # None: the demo home; N: a generated network of N
    demo_live: bool = True  # sensors report and the remote presses buttons by themselves


class Daemon:
    def __init__(self, settings: DaemonSettings):
        self.settings = settings
        self.radio = Radio(settings.radio, self.on_radio_event)
        self.demo: Any = None
        self.stopped = asyncio.Event()

    def on_radio_event(self, event: ev.RadioEvent) -> None:
        log_event(event)

    def preflight(self) -> None:
        s = self.settings
        check_data_dir(s.radio.data_dir)
        check_serial_device(s.radio.device_path)
        check_port_free(s.host, s.http_port, "http")
        if s.ws_port != s.http_port:
            check_port_free(s.host, s.ws_port, "ws")

    async def start(self) -> None:
        """Start everything; raises StartupError with a one-line reason on failure."""
        self.preflight()
        try:
            await self.radio.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await self.radio.stop()
            raise StartupError(
                describe_radio_failure(self.settings.radio.device_path, exc)
            ) from exc
        if self.settings.radio.radio_type == "sim":
            await self._start_demo()

    async def _start_demo(self) -> None:
        from radio.sim.demo import DemoDriver, demo_home, scaled_network

        n = self.settings.sim_devices
        devices = demo_home() if n is None else scaled_network(n)
        self.demo = DemoDriver(
            self.radio.app, devices, live=self.settings.demo_live, report_interval=5.0
        )
        await self.demo.start()

    async def stop(self) -> None:
        if self.demo is not None:
            with contextlib.suppress(Exception):
                await self.demo.stop()
            self.demo = None
        await self.radio.stop()
        self.stopped.set()

    async def run_until_signal(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
            LOGGER.info("zigbridge is running; press Ctrl-C to stop")
            await stop.wait()
            LOGGER.info("Shutting down")
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            try:
                await asyncio.wait_for(self.stop(), SHUTDOWN_TIMEOUT)
            except TimeoutError:
                LOGGER.warning("Shutdown took longer than %.1f s; exiting anyway", SHUTDOWN_TIMEOUT)
