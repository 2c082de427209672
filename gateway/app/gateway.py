"""The gateway service: the one place events flow through.

radio event → `Store.handle` → websocket messages → `publish`; a REST write → a planner's
`Plan` → optimistic store changes (published the same way) → radio commands. Nothing updates
the store without the messages it causes being published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from gateway.api.changes import (
    Change,
    ConfigChange,
    CreateScene,
    Delete,
    DeleteScene,
    GroupAction,
    GroupLights,
    LightState,
    RecallScene,
    Rename,
    SceneLightState,
    SceneRename,
    SensorConfig,
    SensorState,
    StoreScene,
)
from gateway.api.errors import ApiError
from gateway.api.plan import Plan
from gateway.app import config_view, outcomes
from gateway.app.auth import ApiKey, Authenticator, load_or_create_password
from gateway.app.bus import EventBus
from gateway.app.eventlog import UnsupportedNotice, log_event
from gateway.app.outcomes import OutcomeWatch
from gateway.core.errors import CoreError
from gateway.core.persistence import Persistence, WriteFailed
from gateway.core.resources import Message
from gateway.core.store import Store
from gateway.core.uniqueid import normalize_ieee
from gateway.core.values import group_address
from gateway.history.recorder import DEFAULT_DAYS, Recorder
from radio import commands as cmd
from radio import events as ev
from radio.controller import Radio, RadioSettings

LOGGER = logging.getLogger("gateway")

RESTORE_WAIT = 10.0


class Gateway:
    def __init__(
        self,
        radio_settings: RadioSettings,
        *,
        clock: Callable[[], float] = time.time,
        bus: EventBus | None = None,
        make_radio: Callable[[RadioSettings, Callable[[ev.RadioEvent], None]], Radio] = Radio,
        history_days: int = DEFAULT_DAYS,
    ):
        """`make_radio(settings, sink)` builds the radio that sends the plans' commands and
        reports to `sink`; tests pass a fake one. `history_days`: how long sensor history
        is kept (0: none is recorded)."""
        data_dir = radio_settings.data_dir
        self.data_dir: Path = data_dir
        self.clock = clock
        self.persistence = Persistence.open_data_dir(data_dir)
        self.store = Store(self.persistence, clock=clock, network_up=False)
        self.config: dict[str, Any] = self.persistence.config_items()
        if "uuid" not in self.config:
            self.save_config({"uuid": str(uuid.uuid4())})
        keys = {
            row.key: ApiKey(row.key, row.name, row.created, row.last_used, row.scope)
            for row in self.persistence.apikeys()
        }
        self.auth = Authenticator(
            load_or_create_password(data_dir), keys, self.persistence, clock=clock
        )
        self.network = config_view.NetworkFacts()
        self.radio = make_radio(radio_settings, self.on_radio_event)
        self.bus = bus if bus is not None else EventBus()
        self.history = Recorder.in_data_dir(data_dir, history_days, clock=clock)
        self.bus.add_sink(lambda event: self.history.record(event.message))
        self.websocketport = 0
        self.permit_join_owner: str | None = None
        # Set once the radio has announced every stored device: until then the store lacks
        # them, and a client syncing then (Home Assistant after a restart) would see none.
        self.restored = asyncio.Event()
        self._restore_given_up = False
        self._tick_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()
        self._unsupported = UnsupportedNotice()

    # -- the event path ----------------------------------------------------------------

    def publish(self, messages: list[Message]) -> None:
        """Every message that leaves the store goes out here, through the bus."""
        if messages:
            self.bus.publish(messages)

    def on_radio_event(self, event: ev.RadioEvent) -> None:
        quiet = isinstance(event, ev.AttributeReport | ev.DeviceSeen)
        log_event(event, logging.DEBUG if quiet else logging.INFO)
        if isinstance(event, ev.NetworkUp):
            self.network = config_view.NetworkFacts(
                event.ieee, event.pan_id, event.channel, event.firmware, True
            )
            self._background(self.subscribe_groups(list(self.store.groups)))
            self.restored.set()  # (a radio that announces no stored devices first)
        elif isinstance(event, ev.NetworkDown):
            self.network.connected = False
        elif isinstance(event, ev.StoredDevicesLoaded):
            self.restored.set()  # waiting requests resume after this call: the store has them
        self.publish(self.store.handle(event))
        if isinstance(event, ev.DeviceInitialized):
            self._unsupported.check(self.store.devices.get(normalize_ieee(event.device.ieee)))
        self.bus.radio_event(event)

    async def wait_restored(self) -> None:
        """Until the stored devices are back (about a second at start), at most
        `RESTORE_WAIT`; after that once, the store is answered from as it is."""
        if self.restored.is_set() or self._restore_given_up:
            return
        try:
            await asyncio.wait_for(self.restored.wait(), RESTORE_WAIT)
        except TimeoutError:
            if not self._restore_given_up:
                self._restore_given_up = True
                LOGGER.warning(
                    "The stored devices are not loaded after %.0f s (is the radio still being "
                    "looked for?); answering with what is known so far",
                    RESTORE_WAIT,
                )

    async def subscribe_groups(self, group_ids: list[str], subscribe: bool = True) -> None:
        """Have the coordinator receive these groups' groupcasts (remotes bound to them)."""
        await self.send([cmd.SubscribeGroup(group_address(gid), subscribe) for gid in group_ids])

    def _background(self, coro: Any) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def start_timers(self) -> None:
        self._tick_task = asyncio.create_task(self._tick_loop(), name="store-tick")

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            now = self.clock()
            self.publish(self.store.tick(now))
            self.history.tick(now)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # each reports what it had
        if self._tick_task is not None:
            self._tick_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tick_task
        with contextlib.suppress(Exception):
            self.auth.flush_usage()
        await self.durable()  # every accepted change is written before the database closes
        self.persistence.close()
        await asyncio.wrap_future(self.history.flush())  # the waiting samples too
        self.history.close()

    async def durable(self, after: int = 0) -> bool:
        """Wait (without holding up the loop) until every write handed over so far is on
        disk; False if one handed over after `after` failed (the writer logged it)."""
        try:
            await asyncio.wrap_future(self.persistence.durable(after))
        except WriteFailed:
            return False
        return True

    # -- config ------------------------------------------------------------------------

    def save_config(self, values: Mapping[str, Any]) -> None:
        """Persist deCONZ config values (durably before any reply) and apply live ones: the
        store persists the ones it applies, so each is written once, all in one commit."""
        if not values:
            return
        with self.persistence.transaction():
            if rest := {k: v for k, v in values.items() if k not in Store.SETTINGS}:
                self.persistence.set_config(rest)
            self.store.configure(values)
        self.config.update(values)

    def config_context(
        self, ipaddress: str = "127.0.0.1", viewer: str | None = None
    ) -> config_view.ConfigContext:
        """`viewer`: the key asking; a read key sees only itself in the whitelist, since
        any key listed there would give it control."""
        record = None if viewer is None else self.auth.lookup(viewer)
        whitelist = {
            key: config_view.whitelist_entry(rec.name, rec.created, rec.last_used, rec.scope)
            for key, rec in self.auth.keys.items()
            if record is None or not record.read_only or rec is record
        }
        return config_view.ConfigContext(
            config=self.config,
            network=self.network,
            websocketport=self.websocketport,
            whitelist=whitelist,
            unlocked=self.auth.unlocked,
            ipaddress=ipaddress,
            now=self.clock(),
        )

    # -- carrying out plans --------------------------------------------------------------

    def apply_changes(self, changes: Iterable[Change]) -> None:
        """A plan's changes, in order, through the store; the messages they cause are
        published together, with the groups' any_on/all_on recomputed once at the end."""
        out: list[Message] = []
        with self.store.grouped(out):
            for change in changes:
                out.extend(self._apply(change))
        self.publish(out)

    def _apply(self, change: Change) -> list[Message]:
        s = self.store
        match change:
            case LightState(light_id=lid, values=values):
                return s.apply_light_state(lid, values)
            case SensorConfig(sensor_id=sid, values=values):
                return s.apply_sensor_config(sid, values)
            case SensorState(sensor_id=sid, values=values):
                return s.apply_sensor_state(sid, values)
            case GroupAction(group_id=gid, values=values):
                return s.set_group_action(gid, values)
            case Rename(kind=kind, id=id_, name=name):
                return s.rename(kind, id_, name)
            case GroupLights(group_id=gid, light_ids=light_ids):
                return s.set_group_lights(gid, light_ids)
            case Delete(kind="lights", id=id_):
                return s.delete_light(id_)
            case Delete(kind="sensors", id=id_):
                return s.delete_sensor(id_)
            case Delete(kind="groups", id=id_):
                return s.delete_group(id_)
            case CreateScene(group_id=gid, scene_id=sid, name=name):
                s.create_scene(gid, name, sid)
                return []
            case StoreScene(group_id=gid, scene_id=sid, transitiontime=transition):
                return s.store_scene(gid, sid, transition)
            case RecallScene(group_id=gid, scene_id=sid):
                return s.recall_scene(gid, sid)
            case SceneRename(group_id=gid, scene_id=sid, name=name):
                return s.rename_scene(gid, sid, name)
            case SceneLightState(group_id=gid, scene_id=sid, light_id=lid, values=values):
                return s.set_scene_light_state(gid, sid, lid, values)
            case DeleteScene(group_id=gid, scene_id=sid):
                return s.delete_scene(gid, sid)
            case ConfigChange(values=values):
                self.save_config(values)
                return []
        raise TypeError(f"no store operation for {change!r}")

    async def send(self, commands: list[cmd.RadioCommand]) -> list[cmd.CommandResult]:
        """Hand commands to the radio in order; a failed delivery is logged, not raised —
        the device's own reports (or its unavailability) correct the optimistic state."""
        return [await self._execute(command) for command in commands]

    async def _execute(self, command: cmd.RadioCommand) -> cmd.CommandResult:
        try:
            result = await self.radio.execute(command)
        except cmd.RadioError as exc:
            LOGGER.warning("Command %s failed: %s", type(command).__name__, exc)
            result = cmd.CommandResult(ok=False, status=_radio_error_status(exc))
        if not result.ok:
            LOGGER.info("%r answered %s", command, result.status)
        return result

    async def carry_out(
        self, plan: Plan, address: str, watch: OutcomeWatch | None = None
    ) -> tuple[int, list[dict[str, Any]]]:
        """Apply a plan: 950 if it needs the radio and the network is down; otherwise the
        changes first (so the websocket shows them at once, as deCONZ does), then the radio
        commands. A change the store refuses (the request raced another) is answered with
        its deCONZ error and nothing is sent. With a `watch` the commands are sent in the
        background and their outcomes reported to it; without one they are awaited."""
        if plan.commands and not self.radio.is_up:
            error = ApiError.not_connected(address)
            return error.http_status, [error.to_dict()]
        targets = []  # named before the changes: a deleted light is still a light here
        if watch is not None:
            lights, sensors = self.store.lights, self.store.sensors
            targets = [outcomes.target_path(c, address, lights, sensors) for c in plan.commands]
        if plan.changes:
            try:
                self.apply_changes(plan.changes)
            except CoreError as exc:
                error = ApiError.from_core(exc, address)
                return error.http_status, [error.to_dict()]
        if plan.commands:
            if watch is None:
                await self.send(plan.commands)
            else:
                self._send_and_report(list(plan.commands), targets, watch)
        return plan.status, plan.responses

    def _send_and_report(
        self, commands: list[cmd.RadioCommand], targets: list[str], watch: OutcomeWatch
    ) -> None:
        """Send in the background, in order, then tell `watch` once, whatever happens: the
        commands not sent because the gateway stopped first are reported CANCELLED."""
        results: list[cmd.CommandResult] = []

        async def send() -> None:
            for command in commands:
                try:
                    results.append(await self._execute(command))
                except Exception:  # a bug, not the device: the others are still sent
                    LOGGER.exception("Sending %r failed", command)
                    results.append(cmd.CommandResult(ok=False, status=outcomes.INTERNAL_ERROR))
            await watch.answered.wait()

        task = self._background(send())
        task.add_done_callback(lambda _: watch.deliver(outcomes.report(commands, targets, results)))

    async def network_backup(self) -> dict[str, Any]:
        """A fresh Open Coordinator Backup of the running network (network key included)."""
        from radio.backup import create_backup  # zigpy's backup code: only when asked

        return await create_backup(self.radio.app)


def _radio_error_status(exc: cmd.RadioError) -> str:
    if isinstance(exc, cmd.NetworkNotReady):
        return "NETWORK_DOWN"
    return "UNKNOWN_DEVICE" if isinstance(exc, cmd.UnknownDevice) else "RADIO_ERROR"
