"""The radio layer: one zigpy ControllerApplication, typed events out, typed commands in.

`Radio` starts the chosen radio library (forming the network on the first start, resuming
it afterwards), translates zigpy's callbacks into `radio.events`, sets each new device up so
its state arrives by report (bind + configure reporting), tracks availability, and carries
out `radio.commands` with zigpy's own cluster and group API. It reconnects with backoff when
the coordinator goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zigpy.exceptions
import zigpy.types as t

from radio import commands as cmd
from radio import events as ev
from radio.availability import AvailabilityTracker
from radio.clusters import SCENES
from radio.device_setup import device_info, set_up_device
from radio.listeners import DeviceListener, plain
from radio.scene_fields import add_scene_request
from radio.selection import radio_type

LOGGER = logging.getLogger("radio")

REQUEST_TIMEOUT = 10.0


ZIGPY_DB_FILENAME = "zigbee.db"
"""zigpy's own database in the data directory: devices, their attributes, the network."""


@dataclass(slots=True)
class RadioSettings:
    """Everything needed to open a coordinator. `zigpy_config` is merged last, so tests and
    advanced users can pass radio-library options (e.g. `znp_config`)."""

    radio_type: str
    device_path: str | None
    data_dir: Path
    baudrate: int | None = None
    channel: int | None = None
    pan_id: int | None = None
    mains_timeout: float = 600.0
    battery_timeout: float = 25 * 3600.0
    availability_interval: float = 30.0
    seen_interval: float = 10.0
    reconnect_min: float = 1.0
    reconnect_max: float = 60.0
    probe_timeout: float | None = None  # `--radio auto`: per attempt; None: each radio's own
    zigpy_config: dict[str, Any] = field(default_factory=dict)


def zigpy_config(settings: RadioSettings) -> dict[str, Any]:
    """The zigpy config dict for these settings (validated later by the radio's schema)."""
    rtype = radio_type(settings.radio_type)
    path = settings.device_path
    if settings.radio_type == "sim" and not path:
        path = str(settings.data_dir / "sim-radio.json")
    if not path:
        raise ValueError(f"radio type {rtype.name!r} needs a device path (--device)")
    network: dict[str, Any] = {}
    channel = settings.channel
    if channel is None and settings.radio_type == "sim":
        channel = 15  # the sim has no air to scan
    if channel is not None:
        network["channel"] = channel
    if settings.pan_id is not None:
        network["pan_id"] = settings.pan_id
    config: dict[str, Any] = {
        "device": {"path": path, "baudrate": settings.baudrate or rtype.default_baudrate},
        "database_path": str(settings.data_dir / ZIGPY_DB_FILENAME),
        "network": network,
        # No internet downloads of OTA indexes, no periodic mesh scans: a gateway on a Pi
        # should not generate traffic nobody asked for.
        "ota": {"enabled": False},
        "topology_scan_enabled": False,
        # Refuse a stick that holds another network instead of silently adopting it (and
        # losing every paired device); the daemon says which network is on the stick.
        "validate_network_settings": True,
    }
    for key, value in settings.zigpy_config.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def _ieee(value: Any) -> str:
    return str(value).lower()


class Radio:
    """Owns the zigpy application. Events go to `sink`, synchronously, in arrival order."""

    def __init__(self, settings: RadioSettings, sink: Callable[[ev.RadioEvent], None]):
        self.settings = settings
        self._sink = sink
        self.app: Any = None
        self.network_up: ev.NetworkUp | None = None
        self._listeners: dict[str, DeviceListener] = {}
        self._availability = AvailabilityTracker(
            mains_timeout=settings.mains_timeout,
            battery_timeout=settings.battery_timeout,
            emit=self._emit,
        )
        self._tasks: set[asyncio.Task] = set()
        self._in_flight: set[asyncio.Future] = set()  # commands being carried out
        self._availability_task: asyncio.Task | None = None
        self._reconnect_task: asyncio.Task | None = None
        self._permit_task: asyncio.Task | None = None
        self._announced_restored = False  # devices from zigpy's DB sent before start-up
        self.permit_slice = 254  # the longest permit-join window Zigbee allows
        self._stopping = False
        self._last_dst: t.AddrModeAddress | None = None
        # Called with each new zigpy application before it starts (and so before zigpy's
        # first network backup): the place to attach listeners such as automatic backups.
        self.app_created_hooks: list[Callable[[Any], None]] = []

    # -- lifecycle ---------------------------------------------------------------------

    @property
    def is_up(self) -> bool:
        return self.network_up is not None

    async def start(self) -> None:
        """Open the coordinator; form the network on first start, resume it afterwards.

        Errors from the first attempt propagate (a wrong port should stop the daemon with a
        clear message); later connection losses are retried in the background.
        """
        self._stopping = False
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        await self._open()
        self._availability_task = asyncio.create_task(self._availability_loop())

    async def _open(self) -> None:
        # Imported here, with the radio library: zigpy's database layer pulls in most of
        # zigpy, which must not delay the API coming up (bench: startup_api_s).
        from radio.appdb import with_coalesced_writes

        cls = with_coalesced_writes(radio_type(self.settings.radio_type).controller_class())
        config = zigpy_config(self.settings)
        LOGGER.info("Starting %s radio on %s", self.settings.radio_type, config["device"]["path"])
        # Not `new(start_radio=True)`: when start-up fails (or a stop cancels it) zigpy only
        # disconnects and leaves the database open; every failed reconnect would leak one.
        app = await cls.new(config, auto_form=True, start_radio=False)
        if not self._announced_restored:
            # zigpy has loaded every known device from its database; tell the gateway now
            # so the API serves them (unreachable) while a slow stick is still starting.
            self._announced_restored = True
            known = _known_devices(app)
            for device in known:
                self._emit(ev.DeviceInitialized(device_info(device), True))
            self._emit(ev.StoredDevicesLoaded(len(known)))
        try:
            for hook in self.app_created_hooks:
                hook(app)
            await app.startup(auto_form=True)
        except BaseException:
            await _shutdown(app)
            raise
        self.app = app
        self._hook_packets(app)
        app.add_listener(self)
        info = app.state.network_info
        node = app.state.node_info
        self.network_up = ev.NetworkUp(
            ieee=_ieee(node.ieee),
            pan_id=int(info.pan_id),
            extended_pan_id=_ieee(info.extended_pan_id),
            channel=int(info.channel),
            radio_type=self.settings.radio_type,
            firmware=str(node.version) if getattr(node, "version", None) else None,
        )
        LOGGER.info(
            "Network up: channel %d, PAN 0x%04X, extended PAN %s, %d devices",
            self.network_up.channel,
            self.network_up.pan_id,
            self.network_up.extended_pan_id,
            len(app.devices) - 1,
        )
        self._emit(self.network_up)
        for device in _known_devices(app):
            self._attach(device)
            self._emit(ev.DeviceInitialized(device_info(device), True))

    async def stop(self) -> None:
        self._stopping = True
        tasks = (self._availability_task, self._reconnect_task, self._permit_task, *self._tasks)
        for task in tasks:
            if task is not None:
                task.cancel()
        for task in tasks:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self._close_app()

    async def _close_app(self) -> None:
        app, self.app = self.app, None
        self.network_up = None
        for listener in self._listeners.values():
            listener.detach()
        self._listeners.clear()
        # Device set-ups, pings and commands belong to the app that is going away
        tasks = [t for t in (*self._tasks, *self._in_flight) if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if app is not None:
            app.remove_listener(self)
            await _shutdown(app)

    # -- zigpy application callbacks ---------------------------------------------------

    def _hook_packets(self, app: Any) -> None:
        """Remember each packet's destination while zigpy dispatches it synchronously, so a
        remote's groupcast can be told apart from a unicast to the coordinator."""
        original = app.packet_received

        def packet_received(packet: t.ZigbeePacket) -> None:
            self._last_dst = packet.dst
            try:
                original(packet)
            finally:
                self._last_dst = None

        app.packet_received = packet_received

    def current_group(self) -> int | None:
        dst = self._last_dst
        if dst is not None and dst.addr_mode == t.AddrMode.Group:
            return int(dst.address)
        return None

    def device_joined(self, device: Any) -> None:
        self._emit(ev.DeviceJoined(_ieee(device.ieee), int(device.nwk)))

    def device_initialized(self, device: Any) -> None:
        self._spawn(self._set_up(device), f"set up {device.ieee}")

    def device_init_failure(self, device: Any) -> None:
        self._emit(ev.InterviewFailed(_ieee(device.ieee)))

    def device_reinterviewed(self, device: Any) -> None:
        """zigpy swapped in the re-interviewed device object: set that one up."""
        self._spawn(self._set_up(device), f"set up {device.ieee}")

    def device_reinterview_failure(self, device: Any) -> None:
        self._emit(ev.InterviewFailed(_ieee(device.ieee)))

    def device_left(self, device: Any) -> None:
        self._emit(ev.DeviceLeft(_ieee(device.ieee)))

    def device_removed(self, device: Any) -> None:
        ieee = _ieee(device.ieee)
        self._listeners.pop(ieee, None)
        self._availability.forget(ieee)
        self._emit(ev.DeviceRemoved(ieee))

    def connection_lost(self, exc: Exception | None) -> None:
        """zigpy's listener event: the radio library lost the serial link (zigpy-znp and
        bellows call it when the port closes; zigpy also when the watchdog ping fails)."""
        if self._stopping or self.app is None or self.network_up is None:
            return
        reason = _describe(exc) if exc else "connection closed"
        LOGGER.warning("Lost the coordinator: %s", reason)
        self.network_up = None
        self._emit(ev.NetworkDown(reason))
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = asyncio.create_task(self._reconnect(), name="reconnect")

    # -- devices -----------------------------------------------------------------------

    async def _set_up(self, device: Any) -> None:
        self._attach(device)
        await set_up_device(device, self.app)
        self._emit(ev.DeviceInitialized(device_info(device), False))
        self._spawn(set_up_device(device, self.app, reporting=True), f"reporting {device.ieee}")

    def _attach(self, device: Any) -> None:
        ieee = _ieee(device.ieee)
        if ieee in self._listeners:
            self._listeners[ieee].detach()
        listener = DeviceListener(device, self._emit, self.current_group, self._seen)
        listener.attach()
        self._listeners[ieee] = listener
        self._availability.track(ieee, _is_mains(device), device.last_seen)

    def _seen(self, ieee: str, lqi: int | None, rssi: int | None) -> None:
        self._availability.seen(ieee, time.monotonic(), lqi, rssi, self.settings.seen_interval)

    async def _availability_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.availability_interval)
            if self.app is None:
                continue
            for ieee in self._availability.to_ping(time.monotonic()):
                self._spawn(self._ping(ieee), f"ping {ieee}")
            self._availability.expire(time.monotonic())

    async def _ping(self, ieee: str) -> None:
        """Read the Basic cluster's ZCL version, as Zigbee2MQTT pings mains devices."""
        device = self._device(ieee)
        endpoint = next(
            (ep for eid, ep in device.endpoints.items() if eid and 0x0000 in ep.in_clusters),
            None,
        )
        try:
            if endpoint is None:
                raise zigpy.exceptions.DeliveryError("no Basic cluster to ping")
            async with asyncio.timeout(REQUEST_TIMEOUT):
                await endpoint.in_clusters[0x0000].read_attributes(["zcl_version"])
        except (TimeoutError, zigpy.exceptions.ZigbeeException) as exc:
            LOGGER.info("Device %s did not answer a ping: %s", ieee, exc)
            self._availability.ping_failed(ieee)

    # -- commands ----------------------------------------------------------------------

    async def execute(self, command: cmd.RadioCommand) -> cmd.CommandResult:
        """Carry out one command. Raises `NetworkNotReady` when the coordinator is down,
        `UnknownDevice` for an IEEE zigpy does not know, `RadioError` for other failures."""
        if self.app is None or self.network_up is None:
            raise cmd.NetworkNotReady("the Zigbee network is not connected")
        work = asyncio.ensure_future(self._execute_bounded(command))
        self._in_flight.add(work)
        work.add_done_callback(self._in_flight.discard)
        try:
            return await work
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if work.cancelled() and current is not None and not current.cancelling():
                # The coordinator went away under it (`_close_app`): an answer, not a hang
                return cmd.CommandResult(ok=False, status="NETWORK_DOWN")
            raise
        except TimeoutError:
            return cmd.CommandResult(ok=False, status="TIMEOUT")
        except (zigpy.exceptions.DeliveryError, zigpy.exceptions.ZigbeeException) as exc:
            LOGGER.debug("Command %r failed: %s", command, exc)
            return cmd.CommandResult(ok=False, status="DELIVERY_FAILED")
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # zigpy refused to encode it: a bug in the caller, never the device's fault.
            raise cmd.RadioError(f"cannot encode {command!r}: {exc}") from exc

    async def _execute_bounded(self, command: cmd.RadioCommand) -> cmd.CommandResult:
        async with asyncio.timeout(REQUEST_TIMEOUT * 3):
            return await self._execute(command)

    async def _execute(self, command: cmd.RadioCommand) -> cmd.CommandResult:
        match command:
            case cmd.ZclCommand(target=cmd.GroupTarget(group=gid)):
                group = self.app.groups.get(gid) or self.app.groups.add_group(gid)
                cluster = group.endpoint[command.cluster]
                await getattr(cluster, command.command)(**command.args)
                return cmd.CommandResult(ok=True)
            case cmd.ZclCommand(target=cmd.DeviceTarget() as target):
                cluster = self._cluster(target, command.cluster)
                return _result(await getattr(cluster, command.command)(**command.args))
            case cmd.AddScene(target=target):
                definition, args = add_scene_request(command)
                cluster = self._cluster(target, SCENES)
                return _result(
                    await cluster.request(False, definition.id, definition.schema, **args)
                )
            case cmd.ReadAttributes(target=target):
                cluster = self._cluster(target, command.cluster)
                success, failure = await cluster.read_attributes(list(command.attributes))
                return cmd.CommandResult(
                    ok=not failure,
                    status="SUCCESS" if not failure else "UNSUPPORTED_ATTRIBUTE",
                    values={k: plain(v) for k, v in success.items()},
                )
            case cmd.WriteAttributes(target=target):
                cluster = self._cluster(target, command.cluster)
                rsp = await cluster.write_attributes(dict(command.attributes))
                records = rsp[0] if rsp else []
                bad = [r for r in records if getattr(r, "status", 0) != 0]
                status = bad[0].status.name if bad else "SUCCESS"
                return cmd.CommandResult(ok=not bad, status=status)
            case cmd.AddToGroup(target=target, group=gid, name=name):
                endpoint = self._endpoint(target)
                status = await endpoint.add_to_group(gid, name[:16])
                return cmd.CommandResult(ok=int(status) in (0x00, 0x8A), status=status.name)
            case cmd.RemoveFromGroup(target=target, group=gid):
                endpoint = self._endpoint(target)
                status = await endpoint.remove_from_group(gid)
                return cmd.CommandResult(ok=int(status) in (0x00, 0x8B), status=status.name)
            case cmd.SubscribeGroup(group=gid, subscribe=True):
                await self.app.subscribe_to_multicast_group(t.Group(gid))
                return cmd.CommandResult(ok=True)
            case cmd.SubscribeGroup(group=gid, subscribe=False):
                await self.app.unsubscribe_from_multicast_group(t.Group(gid))
                return cmd.CommandResult(ok=True)
            case cmd.PermitJoin(seconds=seconds, via=via):
                await self._permit(max(0, seconds), t.EUI64.convert(via) if via else None)
                self._emit(ev.PermitJoinChanged(seconds))
                return cmd.CommandResult(ok=True)
            case cmd.RemoveDevice(ieee=ieee):
                await self.app.remove(self._device(ieee).ieee)
                return cmd.CommandResult(ok=True)
            case cmd.Reinterview(ieee=ieee):
                device = self._device(ieee)
                if device.reinterviewing or device.initializing:
                    return cmd.CommandResult(ok=True, status="IN_PROGRESS")
                self._spawn(device.reinterview(), f"re-interview {device.ieee}")
                return cmd.CommandResult(ok=True)
        raise cmd.RadioError(f"unsupported command {command!r}")

    async def _permit(self, seconds: int, node: t.EUI64 | None) -> None:
        """Open the network for `seconds`; Zigbee's permit-join window is at most 254 s
        (zigpy asserts it), so longer windows are re-opened slice by slice."""
        if self._permit_task is not None:
            self._permit_task.cancel()
            self._permit_task = None
        first = min(seconds, self.permit_slice)
        await self.app.permit(time_s=first, node=node)
        if seconds > first:
            self._permit_task = asyncio.create_task(
                self._keep_open(seconds - first, first, node), name="permit-join"
            )

    async def _keep_open(self, remaining: int, current: int, node: t.EUI64 | None) -> None:
        while remaining > 0:
            await asyncio.sleep(max(current - 1, 0.5))  # re-open just before it closes
            current = min(remaining, self.permit_slice)
            remaining -= current
            if self.app is None:
                return
            with contextlib.suppress(zigpy.exceptions.ZigbeeException, TimeoutError):
                await self.app.permit(time_s=current, node=node)

    def _device(self, ieee: str) -> Any:
        try:
            return self.app.get_device(ieee=t.EUI64.convert(ieee))
        except (KeyError, ValueError):
            raise cmd.UnknownDevice(f"no device {ieee} in the network") from None

    def _endpoint(self, target: cmd.DeviceTarget) -> Any:
        device = self._device(target.ieee)
        try:
            return device.endpoints[target.endpoint]
        except KeyError:
            raise cmd.RadioError(
                f"device {target.ieee} has no endpoint {target.endpoint}"
            ) from None

    def _cluster(self, target: cmd.DeviceTarget, cluster_id: int) -> Any:
        endpoint = self._endpoint(target)
        cluster = endpoint.in_clusters.get(cluster_id) or endpoint.out_clusters.get(cluster_id)
        if cluster is None:
            raise cmd.RadioError(
                f"device {target.ieee} endpoint {target.endpoint} has no cluster 0x{cluster_id:04X}"
            )
        return cluster

    # -- plumbing ----------------------------------------------------------------------

    def _emit(self, event: ev.RadioEvent) -> None:
        try:
            self._sink(event)
        except Exception:
            LOGGER.exception("Event handler failed on %r", event)

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            LOGGER.warning("%s failed: %s", task.get_name(), task.exception())

    async def _reconnect(self) -> None:
        """Close what is left of the old connection, then re-open the coordinator (a new
        zigpy application on the same database) with exponential backoff until it works
        or the radio is stopped."""
        await self._close_app()
        delay = self.settings.reconnect_min
        attempt = 0
        while not self._stopping:
            await asyncio.sleep(delay)
            attempt += 1
            try:
                await self._open()
            except Exception as exc:
                delay = min(delay * 2, self.settings.reconnect_max)
                LOGGER.warning(
                    "Reconnect attempt %d failed (%s); next try in %.1f s",
                    attempt,
                    _describe(exc),
                    delay,
                )
            else:
                LOGGER.info("Coordinator reconnected (attempt %d)", attempt)
                return


async def _shutdown(app: Any) -> None:
    """Shut a zigpy application down (radio and database), bounded: the serial link may be
    half dead. A cancellation (a stop while reconnecting) still lets it finish, so the
    database and the serial port are never left open."""
    closing = asyncio.ensure_future(asyncio.wait_for(app.shutdown(), timeout=4))
    try:
        await asyncio.shield(closing)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await closing
        raise
    except TimeoutError:
        # zigpy first waits for its unbounded queue of attribute-cache writes; after a heavy
        # report load that can take minutes, and its database thread (not a daemon thread)
        # would then keep the process alive after SIGTERM. Close the database ourselves.
        LOGGER.warning("The radio library did not shut down in time; closing its database")
        await _close_database(app)
    except Exception as exc:
        LOGGER.debug("Shutting the radio library down failed: %s", exc)


async def _close_database(app: Any) -> None:
    """Close zigpy's aiosqlite connection (zigpy 2.4 keeps it at `_dblistener._db`)."""
    database = getattr(getattr(app, "_dblistener", None), "_db", None)
    if database is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(database.close(), timeout=2)


def _describe(exc: BaseException) -> str:
    """One line for an exception; zigpy wraps connection errors in exceptions with no
    message (TransientConnectionError), so fall back on the cause."""
    seen = exc
    while not str(seen) and seen.__cause__ is not None:
        seen = seen.__cause__
    return str(seen) or type(exc).__name__


def _known_devices(app: Any) -> list[Any]:
    """Interviewed devices zigpy knows, without the coordinator itself."""
    return [d for d in app.devices.values() if d.nwk != 0x0000 and d.is_initialized]


def _is_mains(device: Any) -> bool:
    desc = device.node_desc
    if desc is None:
        return False
    return bool(desc.is_mains_powered)


def _result(rsp: Any) -> cmd.CommandResult:
    """A zigpy cluster command reply → CommandResult (Default_Response or a specific rsp)."""
    status = getattr(rsp, "status", None)
    if status is None and isinstance(rsp, list | tuple) and rsp:
        status = rsp[-1] if hasattr(rsp[-1], "name") else rsp[0]
    if status is None or not hasattr(status, "name"):
        return cmd.CommandResult(ok=True)
    return cmd.CommandResult(ok=int(status) == 0, status=status.name)
