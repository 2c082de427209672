"""The daemon: starts the radio, the demo network (for `--radio sim`) and the gateway
services, and shuts everything down cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from typing import Any

from gateway.preflight import (
    StartupError,
    check_data_dir,
    check_port_free,
    check_serial_device,
    describe_radio_failure,
)
from gateway.rest.app import create_app
from gateway.rest.server import RestServer
from gateway.service import Gateway
from gateway.ws import WebsocketEventServer
from radio.controller import RadioSettings

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
    """REST and the websocket come up first (serving the stored state), then the radio."""

    def __init__(self, settings: DaemonSettings):
        self.settings = settings
        self.gateway: Gateway | None = None
        self.ws: WebsocketEventServer | None = None
        self.rest: RestServer | None = None
        self.demo: Any = None

    @property
    def radio(self):
        return self.gateway.radio if self.gateway else None

    def preflight(self) -> None:
        s = self.settings
        if s.ws_port and s.ws_port == s.http_port:
            raise StartupError("--ws-port must differ from --http-port")
        check_data_dir(s.radio.data_dir)
        check_serial_device(s.radio.device_path)
        check_port_free(s.host, s.http_port, "http")
        check_port_free(s.host, s.ws_port, "ws")

    async def start(self) -> None:
        """Start everything; raises StartupError with a one-line reason on failure."""
        self.preflight()
        s = self.settings
        self.gateway = gw = Gateway(s.radio)
        self.ws = WebsocketEventServer()
        await self.ws.start(s.host, s.ws_port)
        gw.websocketport = self.ws.port or s.ws_port
        gw.attach_publisher(self.ws.publish)
        self.rest = RestServer(create_app(gw), s.host, s.http_port)
        await self.rest.start()
        await gw.start_timers()
        try:
            await gw.radio.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise StartupError(describe_radio_failure(s.radio.device_path, exc)) from exc
        if s.radio.radio_type == "sim":
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
        if self.gateway is not None:
            await self.gateway.radio.stop()
        if self.rest is not None:
            await self.rest.stop()
        if self.ws is not None:
            await self.ws.stop()
        if self.gateway is not None:
            await self.gateway.close()
            self.gateway = None

    async def run_until_signal(self) -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
            s = self.settings
            LOGGER.info(
                "zigbridge is running: REST on http://%s:%d/api, websocket on port %d; "
                "press Ctrl-C to stop",
                s.host,
                self.rest.port,
                self.ws.port,
            )
            await stop.wait()
            LOGGER.info("Shutting down")
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            try:
                await asyncio.wait_for(self.stop(), SHUTDOWN_TIMEOUT)
            except TimeoutError:
                LOGGER.warning("Shutdown took longer than %.1f s; exiting anyway", SHUTDOWN_TIMEOUT)
