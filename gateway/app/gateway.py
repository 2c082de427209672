"""The gateway service: the one place events flow through.

radio event → `Store.handle` → websocket messages → `publish`; a REST write → a planner's
`Plan` → optimistic store changes (published the same way) → radio commands. Nothing updates
the store without the messages it causes being published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from gateway.api.errors import ApiError
from gateway.api.plan import Plan
from gateway.app import config_view
from gateway.app.auth import ApiKey, Authenticator, load_or_create_password
from gateway.app.eventlog import log_event
from gateway.core.persistence import Persistence
from gateway.core.store import ALL_LIGHTS_ADDRESS, Store
from radio import commands as cmd
from radio import events as ev
from radio.controller import Radio, RadioSettings

LOGGER = logging.getLogger("gateway")

Message = dict[str, Any]

_LIGHT_STATE = re.compile(r"^/lights/(\d+)/state$")
_LIGHT = re.compile(r"^/lights/(\d+)$")
_SENSOR_CONFIG = re.compile(r"^/sensors/(\d+)/config$")
_SENSOR_STATE = re.compile(r"^/sensors/(\d+)/state$")
_SENSOR = re.compile(r"^/sensors/(\d+)$")
_GROUP_ACTION = re.compile(r"^/groups/(\d+)/action$")
_GROUP = re.compile(r"^/groups/(\d+)$")
_SCENE = re.compile(r"^/groups/(\d+)/scenes/(\d+)$")
_SCENE_LIGHT = re.compile(r"^/groups/(\d+)/scenes/(\d+)/lights/(\d+)$")
_DERIVED = re.compile(r"^/groups/\d+/state$")  # any_on/all_on: the store recomputes them


def group_address(gid: str) -> int:
    """The Zigbee group address behind a REST group id ("0" is the all-lights group)."""
    return ALL_LIGHTS_ADDRESS if gid == "0" else int(gid)


class Gateway:
    def __init__(
        self,
        radio_settings: RadioSettings,
        *,
        publish: Callable[[Message], None] | None = None,
        clock: Callable[[], float] = time.time,
    ):
        data_dir = radio_settings.data_dir
        self.data_dir: Path = data_dir
        self.clock = clock
        self.persistence = Persistence.open_data_dir(data_dir)
        self.store = Store(self.persistence, clock=clock, network_up=False)
        self.config: dict[str, Any] = self.persistence.config_items()
        if "uuid" not in self.config:
            self.save_config({"uuid": str(uuid.uuid4())})
        keys = {
            row.key: ApiKey(row.key, row.name, row.created, row.last_used)
            for row in self.persistence.apikeys()
        }
        self.auth = Authenticator(
            load_or_create_password(data_dir), keys, self.persistence, clock=clock
        )
        self.network = config_view.NetworkFacts()
        self.radio = Radio(radio_settings, self.on_radio_event)
        self._publish = publish or (lambda message: None)
        self.websocketport = 0
        self.permit_join_owner: str | None = None
        self.events_published = 0
        # Called with each radio event after the store has handled it (metrics, the daemon).
        self.event_observers: list[Callable[[ev.RadioEvent], None]] = []
        self._tick_task: asyncio.Task | None = None
        self._tasks: set[asyncio.Task] = set()

    # -- the event path ----------------------------------------------------------------

    def attach_publisher(self, publish: Callable[[Message], None]) -> None:
        self._publish = publish

    def publish(self, messages: list[Message]) -> None:
        for message in messages:
            self.events_published += 1
            self._publish(message)

    def on_radio_event(self, event: ev.RadioEvent) -> None:
        quiet = isinstance(event, ev.AttributeReport | ev.DeviceSeen)
        log_event(event, logging.DEBUG if quiet else logging.INFO)
        if isinstance(event, ev.NetworkUp):
            self.network = config_view.NetworkFacts(
                event.ieee, event.pan_id, event.channel, event.firmware, True
            )
            self._background(self.subscribe_groups(list(self.store.groups)))
        elif isinstance(event, ev.NetworkDown):
            self.network.connected = False
        self.publish(self.store.handle(event))
        for observer in self.event_observers:
            observer(event)

    async def subscribe_groups(self, group_ids: list[str], subscribe: bool = True) -> None:
        """Have the coordinator receive these groups' groupcasts (remotes bound to them)."""
        await self.send([cmd.SubscribeGroup(group_address(gid), subscribe) for gid in group_ids])

    def _background(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start_timers(self) -> None:
        self._tick_task = asyncio.create_task(self._tick_loop(), name="store-tick")

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.publish(self.store.tick(self.clock()))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        if self._tick_task is not None:
            self._tick_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._tick_task
        with contextlib.suppress(Exception):
            self.auth.flush_usage()
        self.persistence.close()

    # -- config ------------------------------------------------------------------------

    def save_config(self, values: Mapping[str, Any]) -> None:
        """Persist deCONZ config values (durably, before any reply) and apply live ones."""
        if not values:
            return
        self.persistence.set_config(values)
        self.config.update(values)
        if "websocketnotifyall" in values:
            self.store.websocketnotifyall = bool(values["websocketnotifyall"])
        if "lightlastseeninterval" in values:
            self.store.lightlastseeninterval = int(values["lightlastseeninterval"])

    def config_context(self, ipaddress: str = "127.0.0.1") -> config_view.ConfigContext:
        whitelist = {
            key: config_view.whitelist_entry(rec.name, rec.created, rec.last_used)
            for key, rec in self.auth.keys.items()
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

    def apply_changes(self, changes: Mapping[str, Mapping[str, Any]]) -> None:
        """Optimistic changes from a plan, through the store (which publishes messages)."""
        out: list[Message] = []
        with self.store.grouped(out):
            for path, values in changes.items():
                out.extend(self._apply(path, dict(values)))
        self.publish(out)

    def _apply(self, path: str, values: dict[str, Any]) -> list[Message]:
        s = self.store
        if m := _LIGHT_STATE.match(path):
            return s.apply_light_state(m[1], values)
        if m := _SENSOR_CONFIG.match(path):
            return s.apply_sensor_config(m[1], values)
        if m := _SENSOR_STATE.match(path):
            return s.apply_sensor_state(m[1], values)
        if m := _GROUP_ACTION.match(path):
            return s.set_group_action(m[1], values)
        if m := _SCENE_LIGHT.match(path):
            return s.set_scene_light_state(m[1], m[2], m[3], values)
        if m := _SCENE.match(path):
            return s.rename_scene(m[1], m[2], values["name"]) if "name" in values else []
        if (m := _LIGHT.match(path)) or (m := _SENSOR.match(path)):
            kind = "lights" if path.startswith("/lights") else "sensors"
            return s.rename(kind, m[1], values["name"]) if "name" in values else []
        if m := _GROUP.match(path):
            out: list[Message] = []
            if "name" in values:
                out += s.rename("groups", m[1], values["name"])
            if "lights" in values:
                out += s.set_group_lights(m[1], values["lights"])
            return out
        if path == "/config":
            self.save_config(values)
            return []
        if _DERIVED.match(path):
            return []
        raise ValueError(f"no store operation for change at {path}")

    async def send(self, commands: list[cmd.RadioCommand]) -> list[cmd.CommandResult]:
        """Hand commands to the radio in order; a failed delivery is logged, not raised —
        the device's own reports (or its unavailability) correct the optimistic state."""
        results = []
        for command in commands:
            try:
                result = await self.radio.execute(command)
            except cmd.RadioError as exc:
                LOGGER.warning("Command %s failed: %s", type(command).__name__, exc)
                result = cmd.CommandResult(ok=False, status=str(exc))
            if not result.ok:
                LOGGER.info("%r answered %s", command, result.status)
            results.append(result)
        return results

    async def carry_out(self, plan: Plan, address: str) -> tuple[int, list[dict[str, Any]]]:
        """Apply a plan: 950 if it needs the radio and the network is down; otherwise the
        optimistic changes first (so the websocket shows them at once, as deCONZ does), then
        the radio commands."""
        if plan.commands and not self.radio.is_up:
            error = ApiError.not_connected(address)
            return error.http_status, [error.to_dict()]
        if plan.changes:
            self.apply_changes(plan.changes)
        if plan.commands:
            await self.send(plan.commands)
        return plan.status, plan.responses
