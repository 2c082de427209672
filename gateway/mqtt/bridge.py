"""The MQTT bridge: one more sink of the event bus and one more client of the dispatcher.

One supervisor task owns the connection and reconnects forever (backoff with jitter,
logged once per outage). After every CONNACK, not only the first, it subscribes to the
command topics and resyncs: `bridge/state` online, `bridge/info`, every resource's
retained state and the discovery configs, rate-limited so a large home does not flood a
small broker. While the broker is away nothing is queued but which retained topics are
owed (`Outbox`): on reconnect each gets its latest state, once.

Nothing here blocks the gateway: the bus sink only marks keys and wakes the publisher, and
the first connection is tried in the background, so a broker that is down at start never
delays the REST API, the websocket or the radio.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import aiomqtt

from gateway.api.keys import CONTROL
from gateway.app import config_view
from gateway.app.bus import Event
from gateway.app.gateway import Gateway
from gateway.app.requests import dispatch
from gateway.app.version import version
from gateway.app.views import find_view
from gateway.core.resources import deconz_json
from gateway.mqtt import commands
from gateway.mqtt.config import BridgeConfig
from gateway.mqtt.outbox import (
    DISCOVERY,
    INFO,
    RESOURCE_KINDS,
    STATE,
    Key,
    Outbox,
    button_event,
    keys_of,
)
from gateway.mqtt.topics import Topics
from radio import events as ev

try:  # Home Assistant discovery (gateway/mqtt/discovery.py) comes from its own branch
    from gateway.mqtt import discovery  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - until it is merged
    discovery = None

LOGGER = logging.getLogger("gateway.mqtt")

ONLINE = deconz_json({"state": "online"})
OFFLINE = deconz_json({"state": "offline"})
RECONCILE_INTERVAL = 1.0
COMMAND_QUEUE = 1000
API_KEY_NAME = "zigbridge#mqtt"
"""The whitelist name of the key the bridge's commands are dispatched with."""


@dataclass(frozen=True, slots=True)
class Pacing:
    """How fast the bridge may go; the daemon's defaults suit a Pi and a small broker."""

    rate: float = 1000.0  # retained messages per second at most (a resync's pace)
    burst: int = 200
    batch: int = 100  # publishes in flight at once
    reconnect_min: float = 0.5
    reconnect_max: float = 10.0
    keepalive: int = 30


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    payload: str
    retain: bool
    qos: int


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = float(burst)
        self.stamp = clock()

    def delay(self, n: int) -> float:
        """Take `n` tokens; the seconds to wait before using them."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= n
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


def backoff(pacing: Pacing, attempt: int, rng: random.Random | None = None) -> float:
    """Exponential up to `reconnect_max`, each wait a random share of it (jitter), so
    many gateways restarted together do not hammer the broker in step."""
    ceiling = min(pacing.reconnect_max, pacing.reconnect_min * 2 ** min(attempt, 16))
    return (rng or random).uniform(ceiling / 2, ceiling)


class MqttBridge:
    def __init__(self, gw: Gateway, config: BridgeConfig, pacing: Pacing | None = None):
        self.gw = gw
        self.config = config
        self.pacing = pacing or Pacing()
        self.outbox = Outbox()
        self.topics: Topics | None = None
        self.connected = False
        self.published = 0
        self.connections = 0  # CONNACKs: a client id another client also uses shows here
        self.failures = 0  # connections lost and attempts failed
        self.commands_answered = 0
        self._wake = asyncio.Event()
        self._named = asyncio.Event()  # the gateway id is known (the bridgeid needs the radio)
        self._permit: tuple[int, float] = (0, 0.0)
        self._buttons: dict[str, set[Any]] = {}  # sensor id -> button events seen (triggers)
        self._discovered: dict[Key, set[str]] = {}  # resource -> discovery topics published
        self._trigger_topics: dict[str, set[str]] = {}  # sensor id -> its trigger topics
        self._shapes: dict[Key, str] = {}  # resource -> `_shape` its configs were made from
        self._sent: dict[str, str] = {}  # this connection: topic -> last retained payload
        self._etags: dict[Key, str] = {}  # resource -> the etag of the state last published
        self._task: asyncio.Task | None = None
        self._client: aiomqtt.Client | None = None
        self._stops: list[Callable[[], None]] = []
        # Made now, so unreadable certificate files stop the start (OSError, ssl.SSLError)
        # instead of failing every connection attempt later
        self._tls_context = self._tls() if config.broker.tls else None

    # -- the gateway side --------------------------------------------------------------

    async def start(self) -> None:
        """Register with the bus and connect in the background; returns at once."""
        self._stops = [self.gw.bus.add_sink(self._on_event), self.gw.bus.watch(self._on_radio)]
        if self.config.gateway_id or self.gw.network.ieee:
            self._name()
        self._task = asyncio.create_task(self._supervise(), name="mqtt-bridge")

    def _name(self) -> None:
        gateway_id = self.config.gateway_id or self.bridgeid
        self.topics = Topics(self.config.base_topic, gateway_id)
        self._named.set()

    @property
    def bridgeid(self) -> str:
        return config_view.bridge_id(self.gw.network.ieee)

    def _on_event(self, event: Event) -> None:
        message = event.message
        self.outbox.mark(keys_of(message))
        pressed = button_event(message)
        if pressed is not None:
            rid, value = pressed
            seen = self._buttons.setdefault(rid, set())
            if value not in seen:  # a new device trigger for Home Assistant
                seen.add(value)
                self.outbox.mark([("trigger", rid)])
        if self.topics is not None and self.outbox.connected:
            self.outbox.stream(self.topics.events, _with_seq(event))
            if pressed is not None:
                self.outbox.stream(self.topics.button(pressed[0]), deconz_json(message["state"]))
        self._wake.set()

    def _on_radio(self, event: ev.RadioEvent) -> None:
        if isinstance(event, ev.PermitJoinChanged):
            self._permit = (event.seconds, time.monotonic())
        if isinstance(event, ev.NetworkUp) and not self._named.is_set():
            self._name()
        if isinstance(
            event,
            ev.NetworkUp
            | ev.NetworkDown
            | ev.PermitJoinChanged
            | ev.DeviceJoined
            | ev.DeviceLeft
            | ev.DeviceRemoved
            | ev.DeviceInitialized,
        ):
            self.outbox.mark([INFO])
            self._wake.set()

    def info(self) -> dict[str, Any]:
        """`bridge/info`: what a consumer wants to know about this gateway at a glance."""
        gw = self.gw
        seconds, since = self._permit
        store = gw.store
        devices = {r.ieee for r in (*store.lights.values(), *store.sensors.values())}
        return {
            "bridgeid": self.bridgeid,
            "channel": gw.network.channel,
            "device_count": len(devices),
            "gateway_id": self.topics.gateway_id if self.topics else None,
            "network_up": bool(gw.radio.is_up),
            "pan_id": gw.network.pan_id,
            "permit_join_remaining": max(0, round(seconds - (time.monotonic() - since))),
            "radio_type": gw.radio.settings.radio_type,
            "version": version(),
        }

    # -- the connection ----------------------------------------------------------------

    async def stop(self) -> None:
        """Say offline (a clean disconnect sends no last will) and close."""
        for stop in self._stops:
            stop()
        client = self._client
        if client is not None and self.connected and self.topics is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    client.publish(self.topics.state, OFFLINE, qos=1, retain=True), 1.0
                )
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _supervise(self) -> None:
        await self._named.wait()
        attempt = 0
        outage: str | None = None
        broker = self.config.broker.address
        while True:
            was_up = False
            try:
                async with self._make_client() as client:
                    self._client = client
                    self.connections += 1
                    attempt, was_up = 0, True
                    LOGGER.info(
                        "MQTT connected to %s as %s%s",
                        broker,
                        self._client_id,
                        " again" if outage else "",
                    )
                    outage = None
                    await self._serve(client)
            except Exception as exc:  # MqttError, or a surprise: the bridge must go on
                self.failures += 1
                if outage is None:
                    outage = str(exc)
                    what = "lost the connection to" if was_up else "cannot connect to"
                    LOGGER.warning(
                        "MQTT: %s %s (%s); retrying until it works",
                        what,
                        broker,
                        exc,
                        exc_info=not isinstance(exc, aiomqtt.MqttError),
                    )
            finally:
                self._client = None
                self._set_connected(False)
            attempt += 1
            await asyncio.sleep(backoff(self.pacing, attempt))

    @property
    def _client_id(self) -> str:
        return f"zigbridge-{self.topics.gateway_id}" if self.topics else "zigbridge"

    def _make_client(self) -> aiomqtt.Client:
        c, broker = self.config, self.config.broker
        v5 = c.protocol == "5"
        client = aiomqtt.Client(
            broker.host,
            broker.port,
            username=broker.username,
            password=broker.password,
            identifier=self._client_id,
            protocol=aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311,
            clean_session=None if v5 else True,
            will=aiomqtt.Will(self.topics.state, OFFLINE, qos=1, retain=True),
            keepalive=self.pacing.keepalive,
            timeout=10,
            tls_context=self._tls_context,
            max_inflight_messages=self.pacing.batch,
            # commands are handled one at a time; a flood past this is dropped (and logged
            # by aiomqtt), not kept in memory without end
            max_queued_incoming_messages=COMMAND_QUEUE,
            logger=logging.getLogger("gateway.mqtt.client"),
        )
        # aiomqtt warns past 10 publishes awaiting their ack; ours are batched on purpose
        client.pending_calls_threshold = 1_000_000
        return client

    def _tls(self) -> ssl.SSLContext:
        c = self.config
        context = ssl.create_default_context(cafile=str(c.ca_file) if c.ca_file else None)
        if c.cert_file:
            context.load_cert_chain(str(c.cert_file), str(c.key_file) if c.key_file else None)
        return context

    def _set_connected(self, up: bool) -> None:
        self.connected = up
        if up:
            self.outbox.connected = True
        else:
            self.outbox.disconnected()
            self._sent.clear()
            self._shapes.clear()

    async def _serve(self, client: aiomqtt.Client) -> None:
        filters = self._filters()
        if filters:
            await client.subscribe([(f, self.config.qos) for f in filters])
        self._set_connected(True)
        self.outbox.resync(self._everything())
        self._wake.set()
        tasks = [
            asyncio.create_task(self._publish(client)),
            asyncio.create_task(self._reconcile()),
        ]
        if filters:
            tasks.append(asyncio.create_task(self._receive(client)))
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # the MqttError that ended the connection
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _filters(self) -> list[str]:
        assert self.topics is not None
        filters = self.topics.command_filters() if self.config.commands else []
        if self._discovery_on:
            filters.append(f"{self.config.homeassistant_prefix}/status")
        return filters

    @property
    def _discovery_on(self) -> bool:
        return self.config.homeassistant and discovery is not None

    def _everything(self) -> Iterable[Key]:
        yield STATE
        yield INFO
        if self._discovery_on:
            yield DISCOVERY
        yield from self._resource_keys()
        for rid in self._buttons:
            yield ("trigger", rid)

    # -- publishing ----------------------------------------------------------------------

    async def _publish(self, client: aiomqtt.Client) -> None:
        bucket = TokenBucket(self.pacing.rate, self.pacing.burst)
        batch = self.pacing.batch
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.outbox:
                # half a batch at most for the stream while retained state is owed, so a
                # flood of events never starves the state (nor the other way round)
                room = batch // 2 if self.outbox.owed else batch
                out = [
                    Outgoing(topic, text, False, self.config.qos)
                    for topic, text in self.outbox.take_stream(room)
                ]
                keys = self.outbox.take_dirty(max(0, batch - len(out)))
                retained = [m for key in keys for m in self._render(key)]
                retained = [m for m in retained if self._sent.get(m.topic) != m.payload]
                if retained and (wait := bucket.delay(len(retained))) > 0:
                    await asyncio.sleep(wait)
                out.extend(retained)
                await asyncio.gather(
                    *(client.publish(m.topic, m.payload, qos=m.qos, retain=m.retain) for m in out)
                )
                for m in retained:
                    self._sent[m.topic] = m.payload
                self.published += len(out)

    async def _reconcile(self) -> None:
        """Every second, what changed without a deCONZ message (a group made or given
        lights, which deCONZ does not push): each resource's etag against the one last
        published, and what was published but is gone."""
        while True:
            await asyncio.sleep(RECONCILE_INTERVAL)
            owed: list[Key] = []
            current: set[Key] = set()
            for key in self._resource_keys():
                current.add(key)
                kind, rid = key
                if getattr(self.gw.store, kind)[rid].etag != self._etags.get(key):
                    owed.append(key)
            owed += [key for key in self._etags if key not in current]
            if owed:
                self.outbox.mark(owed)
                self._wake.set()

    def _resource_keys(self) -> Iterator[Key]:
        for kind in RESOURCE_KINDS:
            for rid in getattr(self.gw.store, kind):
                yield (kind, rid)

    def _render(self, key: Key) -> list[Outgoing]:
        """The retained messages a key stands for, from the gateway's state now."""
        topics, qos = self.topics, self.config.qos
        assert topics is not None
        kind, rid = key
        if key == STATE:
            return [Outgoing(topics.state, ONLINE, True, 1)]
        if key == INFO:
            return [Outgoing(topics.info, deconz_json(self.info()), True, qos)]
        configs: dict[str, Any] = {}
        if key == DISCOVERY:
            configs = discovery.bridge_configs(self._node()) if self._discovery_on else {}
            return [Outgoing(t, deconz_json(p), True, qos) for t, p in configs.items()]
        if kind == "trigger":
            return self._triggers(rid)
        view = find_view(self.gw.store, kind, rid)
        if view is None:  # deleted: clear its retained state and its discovery configs
            self._etags.pop(key, None)
            gone = [Outgoing(topics.resource(kind, rid), "", True, qos)]
            gone += [Outgoing(t, "", True, qos) for t in self._discovered.pop(key, ())]
            self._shapes.pop(key, None)
            if kind == "sensors":  # its device triggers too
                gone += [Outgoing(t, "", True, qos) for t in self._trigger_topics.pop(rid, ())]
                self._buttons.pop(rid, None)
            return gone
        self._etags[key] = view["etag"]
        out = [Outgoing(topics.resource(kind, rid), deconz_json(view), True, qos)]
        shape = _shape(view) if self._discovery_on else None
        if shape is not None and self._shapes.get(key) != shape:
            self._shapes[key] = shape
            name = self._device_name(kind, rid)
            configs = discovery.resource_configs(self._node(), kind, rid, view, name)
            out += [Outgoing(t, deconz_json(p), True, qos) for t, p in configs.items()]
            stale = self._discovered.get(key, set()) - configs.keys()
            out += [Outgoing(t, "", True, qos) for t in stale]
            self._discovered[key] = set(configs)
        return out

    def _triggers(self, rid: str) -> list[Outgoing]:
        view = find_view(self.gw.store, "sensors", rid)
        if not self._discovery_on or view is None:
            return []
        out = []
        name = self._device_name("sensors", rid)
        for value in sorted(self._buttons.get(rid, ()), key=str):
            topic, payload = discovery.trigger_config(self._node(), rid, view, value, name)
            self._trigger_topics.setdefault(rid, set()).add(topic)
            out.append(Outgoing(topic, deconz_json(payload), True, self.config.qos))
        return out

    def _device_name(self, kind: str, rid: str) -> str | None:
        """The one HA device name of the device a light or sensor belongs to."""
        store = self.gw.store
        resource = getattr(store, kind).get(rid) if kind in ("lights", "sensors") else None
        if resource is None:
            return None
        return discovery.device_name(
            ("lights" if store.lights.get(r.id) is r else "sensors", r.id, r.name)
            for r in store.resources_of_device(resource.ieee)
        )

    def _node(self) -> Any:
        assert self.topics is not None
        return discovery.Node(
            self.topics.root,  # discovery.Node's base is the topic root <base_topic>/<gw>
            self.topics.gateway_id,
            self.bridgeid,
            version(),
            self.config.homeassistant_prefix,
        )

    # -- commands ------------------------------------------------------------------------

    async def _receive(self, client: aiomqtt.Client) -> None:
        assert self.topics is not None
        ha_status = f"{self.config.homeassistant_prefix}/status"
        async for message in client.messages:
            topic = message.topic.value
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if topic == ha_status:
                if payload.strip() == b"online":
                    self.outbox.mark(self._discovery_keys())
                    self._wake.set()
                continue
            try:
                await self._command(topic, payload)
            except Exception:  # never let one command end the bridge
                LOGGER.exception("MQTT command on %s failed", topic)

    def _discovery_keys(self) -> list[Key]:
        """Home Assistant came back (and may have lost what it knew): every config is
        owed again, even those this connection has already sent."""
        prefix = self.config.homeassistant_prefix + "/"
        self._sent = {t: p for t, p in self._sent.items() if not t.startswith(prefix)}
        self._shapes.clear()
        keys: list[Key] = [DISCOVERY, *self._resource_keys()]
        return keys + [("trigger", rid) for rid in self._buttons]

    async def _command(self, topic: str, payload: bytes) -> None:
        assert self.topics is not None
        key = self._api_key()
        if topic == self.topics.request:
            inbound = commands.from_request(payload, key)
        elif (path := self.topics.command_path(topic)) is not None:
            inbound = commands.from_set(topic, path, payload, key)
        else:
            return
        if inbound.request is not None:
            reply = await dispatch(self.gw, inbound.request)
        else:
            reply = inbound.refusal
        assert reply is not None
        self.commands_answered += 1
        self.outbox.stream(self.topics.response, commands.answer(inbound, reply))
        self._wake.set()

    def _api_key(self) -> str:
        """The bridge's own API key, scope control (commands write): created once (it is
        in the whitelist as `zigbridge#mqtt`), found again by name and scope on later
        starts, made anew if deleted."""
        auth = self.gw.auth
        for record in auth.keys.values():
            if record.name == API_KEY_NAME and record.scope == CONTROL:
                return record.key
        return auth.create_key(API_KEY_NAME, scope=CONTROL)


_VOLATILE = frozenset(("state", "action", "etag", "lastseen", "lastannounced"))


def _shape(view: dict[str, Any]) -> str:
    """What a resource's discovery configs can depend on: all but its changing values
    (of `state` and a group's `action` only which keys there are). A report changes the
    state, not the shape, so it costs no discovery rendering (3/4 of a light's)."""
    rest = {k: v for k, v in view.items() if k not in _VOLATILE}
    keys = [sorted(view.get(k) or ()) for k in ("state", "action")]
    return deconz_json([rest, keys])


def _with_seq(event: Event) -> str:
    """The websocket event object with its place in the stream."""
    text = event.text
    return f'{{"seq":{event.seq},{text[1:]}' if text != "{}" else f'{{"seq":{event.seq}}}'
