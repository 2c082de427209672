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
from collections.abc import Callable
from dataclasses import asdict
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gateway.app.bus import EventBus
from gateway.app.gateway import Gateway
from gateway.app.journal import Journal
from gateway.daemon.logs import AcceptErrorLimiter
from gateway.daemon.metrics import Metrics
from gateway.daemon.notify import SystemdNotifier
from gateway.daemon.preflight import (
    DataDirLock,
    StartupError,
    check_data_dir,
    check_port_free,
    check_serial_device,
    secure_data_dir,
)
from gateway.daemon.settings import Settings, radio_settings
from gateway.rest.app import create_app
from gateway.rest.guard import ConnectionGuard
from gateway.rest.server import RestServer
from gateway.ws.endpoint import PATH as V1_PATH
from gateway.ws.endpoint import V1Endpoint
from gateway.ws.server import WebsocketEventServer
from radio import events as ev
from radio.autobackup import AutoBackup
from radio.controller import RadioSettings
from radio.failures import describe_radio_failure
from radio.selection import AUTO

LOGGER = logging.getLogger("gateway")

SHUTDOWN_TIMEOUT = 4.5
JOURNAL_BYTES = 64 << 20
"""A ceiling on the journal's text, far above `websocket.journal_events` typical events
(~250 bytes each): the count is the setting, this only stops a run of huge ones."""


class Daemon:
    """Runs zigbridge with `settings`. `radio` is the radio's own settings, built from
    `settings` unless given (`radio_settings(settings, **knobs)`, for a test's timeouts);
    `--radio auto` fills in the stick it finds there."""

    def __init__(
        self,
        settings: Settings,
        radio: RadioSettings | None = None,
        mqtt_pacing: dict[str, Any] | None = None,
    ):
        """`mqtt_pacing`: the MQTT bridge's own knobs (`gateway.mqtt.bridge.Pacing`:
        reconnect backoff, publish rate), for tests and benchmarks."""
        self.settings = settings
        self.radio_settings = radio or radio_settings(settings)
        self.mqtt_pacing = mqtt_pacing or {}
        self.mqtt: Any = None
        self.gateway: Gateway | None = None
        self.ws: WebsocketEventServer | None = None
        self.v1: V1Endpoint | None = None
        self.rest: RestServer | None = None
        self.metrics = Metrics(self)
        self.demo: Any = None
        self.pairing: Any = None
        self.autobackup = AutoBackup(settings.data_dir / "backups")
        self._lock: DataDirLock | None = None

    @property
    def radio(self):
        return self.gateway.radio if self.gateway else None

    def preflight(self) -> None:
        server = self.settings.server
        if server.ws_port and server.ws_port == server.http_port:
            raise StartupError("--ws-port must differ from --http-port")
        data_dir = self.settings.data_dir
        check_data_dir(data_dir)
        if self._lock is None:
            lock = DataDirLock(data_dir)
            lock.acquire()  # before any database or the stick is opened
            self._lock = lock
        secure_data_dir(data_dir)
        check_serial_device(self.radio_settings.device_path)
        check_port_free(server.host, server.http_port, "http")
        check_port_free(server.host, server.ws_port, "ws")

    async def start(self) -> None:
        """Start everything; raises StartupError with a one-line reason on failure."""
        await self.start_serving()
        await self.start_radio()

    async def start_serving(self) -> None:
        """The REST API and the websocket, serving the stored state."""
        self.preflight()
        asyncio.get_running_loop().set_exception_handler(AcceptErrorLimiter())
        s = self.settings.server
        journal = Journal(
            max_events=self.settings.websocket.journal_events, max_bytes=JOURNAL_BYTES
        )
        self.gateway = gw = Gateway(
            self.radio_settings, bus=EventBus(journal), history_days=self.settings.history.days
        )
        gw.radio.app_created_hooks.append(self.autobackup.attach)
        gw.save_config(self._setting_overrides(gw))
        gw.bus.watch(self.metrics.on_radio_event)
        gw.bus.watch(self.autobackup.on_radio_event)
        self.v1 = v1 = V1Endpoint(gw)
        self.ws = WebsocketEventServer(
            max_clients=s.ws_max_clients,
            endpoints={V1_PATH: v1},
            authenticate=self._legacy_key_ok if self.settings.websocket.auth_required else None,
            refusal=HTTPStatus.UNAUTHORIZED,
        )
        await self.ws.start(s.host, s.ws_port)
        gw.websocketport = self.ws.port or s.ws_port
        gw.bus.add_sink(lambda event: self.ws.publish(event.text))
        v1.attach(self.ws)
        guard = ConnectionGuard(s.max_connections, s.request_timeout)
        self.rest = RestServer(self.metrics.wrap(create_app(gw)), s.host, s.http_port, guard)
        await self.rest.start()
        await gw.start_timers()
        if self.settings.mqtt.url:
            await self._start_mqtt(gw)

    async def _start_mqtt(self, gw: Gateway) -> None:
        """The MQTT bridge, connecting in the background (a broker that is down delays
        nothing); imported only when configured, so aiomqtt costs nothing otherwise."""
        from gateway.mqtt.bridge import MqttBridge, Pacing
        from gateway.mqtt.config import bridge_config

        try:
            config = bridge_config(self.settings.mqtt)
        except ValueError as exc:
            raise StartupError(f"mqtt: {exc}") from None
        try:
            self.mqtt = MqttBridge(gw, config, Pacing(**self.mqtt_pacing))
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            files = [str(f) for f in (config.ca_file, config.cert_file, config.key_file) if f]
            reason = getattr(exc, "strerror", None) or exc
            raise StartupError(f"mqtt: cannot use {', '.join(files)}: {reason}") from None
        await self.mqtt.start()

    def _legacy_key_ok(self, request: Any) -> bool:
        """`websocket.auth = required`: the deCONZ stream needs `?apikey=` of a valid key."""
        keys = parse_qs(urlsplit(request.path).query).get("apikey", [])
        return (
            bool(keys)
            and self.gateway is not None
            and self.gateway.auth.lookup(keys[0]) is not None
        )

    def _setting_overrides(self, gw: Gateway) -> dict[str, Any]:
        """The `[gateway]` section, deCONZ `/config` keys by name: they win at start, and
        the API may still change them until the next start."""
        wanted = asdict(self.settings.gateway)
        return {k: v for k, v in wanted.items() if v is not None and gw.config.get(k) != v}

    async def start_radio(self) -> None:
        radio = self.radio_settings
        if radio.radio_type != "sim" or radio.zigpy_config:
            from radio.sticks import resolve_radio

            # NoRadioFound, ConfigError (StartupErrors) when no stick answers, bad options
            await resolve_radio(radio)
        try:
            await self.gateway.radio.start()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise StartupError(describe_radio_failure(radio.device_path, exc)) from exc
        if radio.radio_type == "sim":
            await self._start_demo()
        # The network's long-lived objects (zigpy's device model, our resources: ~200k for
        # 200 devices) need never be scanned again; a full collection of them stalls every
        # event and request for ~85 ms (bench/RESULTS.md). Objects made later are still
        # collected as usual.
        gc.collect()
        gc.freeze()

    async def _start_demo(self) -> None:
        from radio.sim.demo import DemoDriver, demo_home, scaled_network

        sim = self.settings.sim
        devices = demo_home() if sim.devices is None else scaled_network(sim.devices)
        self.demo = DemoDriver(self.radio.app, devices, live=not sim.quiet, report_interval=5.0)
        if sim.join_on_permit:
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
        if self.mqtt is not None:
            await self.mqtt.stop()
            self.mqtt = None
        self.autobackup.stop()
        if self.gateway is not None:
            await self.gateway.radio.stop()
        if self.rest is not None:
            await self.rest.stop()
        if self.ws is not None:
            await self.ws.stop()
        if self.v1 is not None:
            await self.v1.close()
            self.v1 = None
        if self.gateway is not None:
            await self.gateway.close()
            self.gateway = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    async def run_until_signal(
        self,
        notifier: SystemdNotifier | None = None,
        on_running: Callable[[], None] | None = None,
    ) -> None:
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
            host = self.settings.server.host
            serving = (
                f"REST on http://{host}:{self.rest.port}/api, websocket on port {self.ws.port}"
            )
            radio = self.radio_settings.radio_type
            step = "looking for the stick" if radio == AUTO else f"starting the {radio} radio"
            notifier.ready(f"Serving {serving}; {step}")
            await self.start_radio()
            self.gateway.bus.watch(lambda event: self._report(notifier, event))
            notifier.status(self._running_status())
            LOGGER.info("zigbridge is running: %s; press Ctrl-C to stop", serving)
            if on_running is not None:
                on_running()
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
