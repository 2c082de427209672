"""The daemon: starts the gateway services and the radio (and the demo network for
`--radio sim`), tells systemd how it is doing, and shuts everything down cleanly on
SIGTERM/SIGINT.

Start-up has two phases. First the REST API and the websocket start serving the stored
state; that is when systemd hears `READY=1`, because from then on clients can connect and
read (the radio may still take a while, or be waiting for its stick). Then the radio
starts; a radio that fails on the first start still ends the daemon with one clear line.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from dataclasses import dataclass
from typing import Any

from gateway.app.gateway import Gateway
from gateway.daemon.metrics import Metrics
from gateway.daemon.notify import SystemdNotifier
from gateway.daemon.preflight import (
    StartupError,
    check_data_dir,
    check_port_free,
    check_serial_device,
)
from gateway.rest.app import create_app
from gateway.rest.server import RestServer
from gateway.ws.server import WebsocketEventServer
from radio import events as ev
from radio.autobackup import AutoBackup
from radio.controller import RadioSettings
from radio.failures import describe_radio_failure
from radio.selection import AUTO

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
    sim_join_on_permit: bool = False  # a new simulated device joins when joining opens
    gateway_name: str | None = None  # config.name, applied at every start when set
    websocketnotifyall: bool | None = None  # likewise


class Daemon:
    def __init__(self, settings: DaemonSettings):
        self.settings = settings
        self.gateway: Gateway | None = None
        self.ws: WebsocketEventServer | None = None
        self.rest: RestServer | None = None
        self.metrics = Metrics(self)
        self.demo: Any = None
        self.pairing: Any = None
        self.autobackup = AutoBackup(settings.radio.data_dir / "backups")

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
        await self.start_serving()
        await self.start_radio()

    async def start_serving(self) -> None:
        """The REST API and the websocket, serving the stored state."""
        self.preflight()
        s = self.settings
        self.gateway = gw = Gateway(s.radio)
        gw.radio.app_created_hooks.append(self.autobackup.attach)
        gw.save_config(self._setting_overrides(gw))
        gw.bus.watch(self.metrics.on_radio_event)
        self.ws = WebsocketEventServer()
        await self.ws.start(s.host, s.ws_port)
        gw.websocketport = self.ws.port or s.ws_port
        gw.bus.add_sink(lambda event: self.ws.publish(event.text))
        self.rest = RestServer(self.metrics.wrap(create_app(gw)), s.host, s.http_port)
        await self.rest.start()
        await gw.start_timers()

    def _setting_overrides(self, gw: Gateway) -> dict[str, Any]:
        """Gateway settings from the config file: they win at start, and the API may still
        change them until the next start."""
        s = self.settings
        wanted = {"name": s.gateway_name, "websocketnotifyall": s.websocketnotifyall}
        return {k: v for k, v in wanted.items() if v is not None and gw.config.get(k) != v}

    async def start_radio(self) -> None:
        s = self.settings
        if s.radio.radio_type != "sim" or s.radio.zigpy_config:
            from radio.sticks import resolve_radio

            # NoRadioFound, ConfigError (StartupErrors) when no stick answers, bad options
            await resolve_radio(s.radio)
        try:
            await self.gateway.radio.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise StartupError(describe_radio_failure(s.radio.device_path, exc)) from exc
        if s.radio.radio_type == "sim":
            await self._start_demo()
        # The network's long-lived objects (zigpy's device model, our resources: ~200k for
        # 200 devices) need never be scanned again; a full collection of them stalls every
        # event and request for ~85 ms (bench/RESULTS.md). Objects made later are still
        # collected as usual.
        gc.collect()
        gc.freeze()

    async def _start_demo(self) -> None:
        from radio.sim.demo import DemoDriver, demo_home, scaled_network

        n = self.settings.sim_devices
        devices = demo_home() if n is None else scaled_network(n)
        self.demo = DemoDriver(
            self.radio.app, devices, live=self.settings.demo_live, report_interval=5.0
        )
        if self.settings.sim_join_on_permit:
            from radio.sim.pairing import JoinOnPermit

            self.pairing = JoinOnPermit(self.radio.app)
            self.pairing.reattach()
            self.gateway.bus.watch(self.pairing.on_event)
        await self.demo.start()

    async def stop(self) -> None:
        for helper in (self.pairing, self.demo):
            if helper is not None:
                with contextlib.suppress(Exception):
                    await helper.stop()
        self.pairing = self.demo = None
        if self.gateway is not None:
            await self.gateway.radio.stop()
        if self.rest is not None:
            await self.rest.stop()
        if self.ws is not None:
            await self.ws.stop()
        if self.gateway is not None:
            await self.gateway.close()
            self.gateway = None

    async def run_until_signal(self, notifier: SystemdNotifier | None = None) -> None:
        """Run until SIGTERM/SIGINT, keeping systemd informed (READY, STATUS, WATCHDOG,
        STOPPING) when started by it."""
        notifier = notifier or SystemdNotifier.from_environment()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        watchdog = asyncio.create_task(notifier.watchdog(), name="systemd-watchdog")
        try:
            await self.start_serving()
            s = self.settings
            serving = (
                f"REST on http://{s.host}:{self.rest.port}/api, websocket on port {self.ws.port}"
            )
            radio = s.radio.radio_type
            step = "looking for the stick" if radio == AUTO else f"starting the {radio} radio"
            notifier.ready(f"Serving {serving}; {step}")
            await self.start_radio()
            self.gateway.bus.watch(lambda event: self._report(notifier, event))
            notifier.status(self._running_status())
            LOGGER.info("zigbridge is running: %s; press Ctrl-C to stop", serving)
            await stop.wait()
            LOGGER.info("Shutting down")
        finally:
            notifier.stopping()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            try:
                await asyncio.wait_for(self.stop(), SHUTDOWN_TIMEOUT)
            except TimeoutError:
                LOGGER.warning("Shutdown took longer than %.1f s; exiting anyway", SHUTDOWN_TIMEOUT)
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            notifier.close()

    def _running_status(self) -> str:
        up = self.radio.network_up if self.radio else None
        if up is None:
            return "Running; the Zigbee network is down"
        devices = len(self.radio.app.devices) - 1 if self.radio.app else 0
        return f"Running: channel {up.channel}, PAN 0x{up.pan_id:04X}, {devices} devices"

    def _report(self, notifier: SystemdNotifier, event: ev.RadioEvent) -> None:
        """Keep `systemctl status` telling whether the stick is there."""
        if isinstance(event, ev.NetworkDown):
            notifier.status(f"Zigbee network down ({event.reason}); reconnecting")
        elif isinstance(event, ev.NetworkUp | ev.DeviceInitialized):
            notifier.status(self._running_status())
