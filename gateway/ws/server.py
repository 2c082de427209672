"""deCONZ-compatible push websocket: fans gateway events out to every connected client.

Wire contract (deCONZ REST plugin, what pydeconz / Home Assistant expect): any path, no
subprotocol, no credentials, server-to-client TEXT frames holding exactly one JSON object,
client pings answered with pongs, client text ignored. Events arrive already serialized by
the event bus (compact, keys sorted, as deCONZ emits them).

``publish()`` is synchronous and never blocks: it appends the frame to one shared batch,
written to each client at most once per ``flush_interval``. The bytes a client has not taken
are bounded by ``max_buffer`` at every event; a client that would exceed it is closed with
1008 and never delays the others. The costs: up to one loop iteration of latency, and every
data frame must go through this module (``publish`` or ``send``), never
``connection.send()``, so that ordering and per-connection compression contexts stay right.
This is the one module that touches websockets' connection internals. The design, its
alternatives and their measurements: docs/design/ws-fanout.md.

Other protocols can be served on paths of their own (``endpoints``, websocket v1 on
``/v1``): their clients get only what the endpoint sends them, through the same buffers.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import socket
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosedError
from websockets.extensions import Extension
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import CONNECTING, OPEN

from gateway.app.limits import ACCEPT_BURST, DEFAULT_MAX_CLIENTS
from gateway.core.resources import deconz_json

__all__ = [
    "DEFAULT_FLUSH_INTERVAL",
    "DEFAULT_MAX_BUFFER",
    "Authenticator",
    "Endpoint",
    "MessageHandler",
    "Subscriber",
    "WebsocketEventServer",
    "WebsocketStats",
    "encode_event",
]

LOGGER = logging.getLogger("gateway.ws")

DEFAULT_MAX_BUFFER = 1 << 20
"""Unsent bytes allowed per client: thousands of typical events, so only stalled clients hit it."""

DEFAULT_FLUSH_INTERVAL = 0.002
"""Least time between two writes to the clients; see the module docstring."""

SLOW_CLIENT_CLOSE = (CloseCode.POLICY_VIOLATION, "client too slow: outgoing buffer full")
FLOOD_CLOSE = (CloseCode.POLICY_VIOLATION, "too many frames")

DEFAULT_FRAME_RATE = 50.0
DEFAULT_FRAME_BURST = 200
"""Frames a client may send (pings included): this many per second on average, with bursts up
to the second figure. deCONZ clients send a ping every few seconds; a client far beyond the
budget is closed, so that answering it cannot slow the others down."""

SEND_BUFFER = 64 * 1024
"""The kernel send buffer asked for each client socket (Linux doubles it). Without it, the
kernel lets a client that stopped reading hold megabytes; ``max_buffer`` is then the real
limit on what a stalled client costs."""
SHUTDOWN_CLOSE = (CloseCode.GOING_AWAY, "server shutting down")
COHORT_MIN = 2
"""Endpoint clients in one `send_to` from which they share a batch (see `send_to`)."""

Authenticator = Callable[[Request], bool | Awaitable[bool]]
MessageHandler = Callable[["Subscriber", str], Awaitable[None] | None]


class Endpoint(Protocol):
    """A protocol served on one path instead of the deCONZ stream (websocket v1 on `/v1`).

    Its clients never take the shared batch: they get only what the endpoint sends them
    (`send`, `send_to`), with the same backpressure as everybody. The callbacks are
    synchronous, so what they send is in order with everything published around them."""

    max_message_size: int

    def opened(self, client: Subscriber) -> None: ...
    def received(self, client: Subscriber, message: str | bytes) -> None: ...
    def closed(self, client: Subscriber) -> None: ...


def encode_event(message: Mapping[str, Any] | str) -> str:
    """Serialize like deCONZ: compact, keys sorted, UTF-8 kept. A ``str`` is taken as JSON."""
    return message if isinstance(message, str) else deconz_json(message)


def _text_frame(payload: bytes, extensions: list[Extension] | None = None) -> bytes:
    return Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=extensions)


def _format_peer(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        host, port = address[:2]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(address)


class FrameBudget:
    """A token bucket: ``take()`` is False once a client has sent more than ``burst`` frames
    beyond ``rate`` per second."""

    __slots__ = ("_burst", "_clock", "_last", "_rate", "_tokens")

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class _MeteredConnection(ServerConnection):
    """A server connection that counts the client's frames against its budget and keeps the
    kernel's send buffer small. Frames past the budget are dropped and ``on_flood`` is
    called (the server then closes the client)."""

    budget: FrameBudget | None = None
    on_flood: Callable[[], None] | None = None
    registry: dict[ServerConnection, None] | None = None  # the server's, oldest first
    max_connections: int = DEFAULT_MAX_CLIENTS

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        super().connection_made(transport)
        if self.registry is not None:
            self.registry[self] = None
            if len(self.registry) > self.max_connections:
                self._make_room()

    def _make_room(self) -> None:
        """Past the cap, the oldest connection still in its handshake goes (an idle TCP
        connection, or one refused and not yet told): a flood of them evicts itself and the
        file descriptors stay bounded. Open clients are never evicted."""
        assert self.registry is not None
        for other in self.registry:
            if other is not self and other.protocol.state is CONNECTING:
                del self.registry[other]
                other.transport.abort()
                return

    def connection_lost(self, exc: Exception | None) -> None:
        if self.registry is not None:
            self.registry.pop(self, None)
        super().connection_lost(exc)

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and self.budget is not None and not self.budget.take():
            if self.on_flood is not None:
                self.on_flood()
            return
        super().process_event(event)


class Subscriber:
    """One connected websocket client.

    Handed to ``on_message``; reply with :meth:`WebsocketEventServer.send`. A subscriber
    normally takes the server's shared batch at each flush. It holds frames of its own
    (``_own``) only while it must diverge from that batch: compressed connections always,
    others from a reply or a mid-batch connect until the next flush.
    """

    __slots__ = (
        "_abort",
        "_cohort",
        "_extensions",
        "_own",
        "_own_bytes",
        "_private",
        "_protocol",
        "_server",
        "_transport",
        "connection",
        "peer",
    )

    def __init__(self, connection: ServerConnection, server: WebsocketEventServer) -> None:
        self.connection = connection
        self.peer = _format_peer(connection.remote_address)
        self._server = server
        # Shortcuts for the per-event path; all fixed once the handshake is done.
        self._protocol = connection.protocol
        self._transport = connection.transport
        self._extensions = connection.protocol.extensions
        self._own: list[bytes] | None = None
        self._own_bytes = 0
        self._abort: asyncio.TimerHandle | None = None
        self._private = False  # an endpoint's client: frames of its own, never the batch
        self._cohort = False  # ... taking the server's cohort batch until the next flush

    def __repr__(self) -> str:
        return f"<Subscriber {self.peer} {self._protocol.state.name}>"

    @property
    def request(self) -> Request | None:
        """The opening handshake (path, headers), e.g. for per-connection filters."""
        return self.connection.request

    @property
    def is_open(self) -> bool:
        return self._protocol.state is OPEN

    @property
    def buffered_bytes(self) -> int:
        """Bytes accepted for this client but not yet handed to the kernel."""
        if self._own is not None:
            pending = self._own_bytes + (self._server._cohort_bytes if self._cohort else 0)
        else:  # the shared batch, which a closing connection no longer takes
            pending = self._server._batch_bytes if self.is_open else 0
        return self._transport.get_write_buffer_size() + pending

    def _queue(self, payload: bytes, shared: bytes, limit: int) -> bool:
        """Queue a frame of its own unless that would put more than ``limit`` bytes in flight."""
        assert self._own is not None
        frame = _text_frame(payload, self._extensions) if self._extensions else shared
        if self._transport.get_write_buffer_size() + self._own_bytes + len(frame) > limit:
            return False
        self._own.append(frame)
        self._own_bytes += len(frame)
        return True

    def _flush_own(self) -> None:
        """Write its own frames; back to the shared batch unless it compresses."""
        if self._own and self.is_open:
            self._transport.write(b"".join(self._own))
        self._own = [] if self._extensions or self._private else None
        self._own_bytes = 0

    def _close(self, code: int, reason: str, timeout: float) -> None:
        """Start the closing handshake without awaiting it; abort after ``timeout``.

        ``connection.close()`` is avoided on purpose: it awaits the transport draining, which
        never happens for a client that stopped reading.
        """
        if not self.is_open:
            return
        self._flush_own()
        self._protocol.send_close(code, reason)
        self.connection.send_data()
        self._abort = asyncio.get_running_loop().call_later(timeout, self._transport.abort)

    def _release(self) -> None:
        if self._abort is not None:
            self._abort.cancel()
            self._abort = None
        self._own = None
        self._own_bytes = 0


@dataclass(frozen=True, slots=True)
class WebsocketStats:
    """Counters for metrics. ``clients`` includes clients whose close is still in progress."""

    clients: int
    clients_accepted: int
    clients_dropped_slow: int
    events_published: int
    clients_dropped_flooding: int = 0
    clients_refused: int = 0  # handshakes refused past max_clients


class WebsocketEventServer:
    """The push websocket: ``start()``, then ``publish()`` each event from the event loop.

    Args:
        max_buffer: unsent bytes allowed per client before it is disconnected (close 1008).
            Must exceed the largest burst published between two event-loop iterations.
        compression: ``None`` (default, ~14 KiB per connection and one shared frame per
            event) or ``"deflate"`` (~64 KiB per connection, one compression per client).
        authenticate: optional ``(request) -> bool`` (or awaitable), checked during the
            handshake of the deCONZ stream (not of ``endpoints``); ``False`` answers
            ``refusal`` (HTTP 403 unless given). deCONZ clients send no credentials.
        endpoints: other protocols by URL path (``{"/v1": ...}``), see :class:`Endpoint`;
            any other path is the deCONZ stream.
        on_message: optional ``(subscriber, text)`` callback (or coroutine) for client text
            frames, which are otherwise ignored. Called in order, one at a time per client;
            keep it quick, the client's further frames wait for it.
        ping_interval, ping_timeout: server keepalive, websockets' defaults; also drops
            clients whose TCP connection died silently. Client pings are always answered.
        close_timeout: how long a closing client may take before its connection is aborted;
            bounds ``stop()`` and the life of a client dropped for being slow.
        max_message_size: largest client frame accepted; with websockets' 16-message
            receive queue this bounds inbound memory per client.
        flush_interval: least time between two writes to the clients. An event after a
            quiet spell is written on the next loop iteration; events closer together
            than this share one write per client (see the module docstring).
        max_clients: open connections (handshakes included) past which a new handshake is
            answered HTTP 503, so that idle or abandoned connections cannot use up the
            process's file descriptors.
        frame_rate, frame_burst: the frames (pings included) a client may send: on average
            ``frame_rate`` per second, in bursts of up to ``frame_burst``. A client beyond
            that is closed with 1008 and nothing more is read from it.
    """

    def __init__(
        self,
        *,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        compression: str | None = None,
        authenticate: Authenticator | None = None,
        refusal: HTTPStatus = HTTPStatus.FORBIDDEN,
        endpoints: Mapping[str, Endpoint] | None = None,
        on_message: MessageHandler | None = None,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        close_timeout: float = 1.0,
        max_message_size: int = 1 << 16,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        max_clients: int = DEFAULT_MAX_CLIENTS,
        frame_rate: float = DEFAULT_FRAME_RATE,
        frame_burst: int = DEFAULT_FRAME_BURST,
    ) -> None:
        self._max_buffer = max_buffer
        self._compression = compression
        self._authenticate = authenticate
        self._refusal = refusal
        self._on_message = on_message
        self._endpoints = dict(endpoints or {})
        self._private: set[Subscriber] = set()  # the endpoints' clients
        self._private_pending: set[Subscriber] = set()  # ... with frames to write
        # The cohort: endpoint clients that get the very same frames since the last flush
        # (every v1 client of one unfiltered subscription), sharing one batch as the deCONZ
        # stream's clients do. Anything else queued for one of them first hands the
        # cohort's frames to each member's own list (`_break_cohort`), so order is kept.
        self._cohort_members: list[Subscriber] | None = None  # the endpoint's list object
        self._cohort_frames: list[bytes] = []
        self._cohort_bytes = 0
        self._cohort_room = 0  # the least room any member had when the cohort began
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._close_timeout = close_timeout
        self._max_message_size = max_message_size

        self._flush_interval = flush_interval
        self._max_clients = max_clients
        self._frame_rate = frame_rate
        self._frame_burst = frame_burst
        self._connections: dict[ServerConnection, None] = {}
        self._refusing = False  # past max_clients: logged once per episode

        self._server: Server | None = None
        self._subscribers: set[Subscriber] = set()
        # The shared batch: frames published since the last flush, written to every
        # subscriber that takes it as one joined buffer.
        self._batch: list[bytes] = []
        self._batch_bytes = 0
        self._detached: set[Subscriber] = set()  # subscribers holding frames of their own
        # How big the batch may grow before some subscriber taking it could exceed
        # max_buffer: known at each flush, so publish() checks one number, not every client.
        self._headroom = max_buffer
        self._flush_handle: asyncio.Handle | None = None
        self._last_flush = float("-inf")
        self._accepted = 0
        self._dropped_slow = 0
        self._dropped_flooding = 0
        self._refused = 0
        self._published = 0

    @property
    def port(self) -> int | None:
        """The bound TCP port (useful with ``port=0``), ``None`` when not started."""
        if self._server is None:
            return None
        return self._server.sockets[0].getsockname()[1]

    @property
    def subscribers(self) -> frozenset[Subscriber]:
        return frozenset(self._subscribers | self._private)

    @property
    def client_count(self) -> int:
        return len(self._subscribers) + len(self._private)

    @property
    def stats(self) -> WebsocketStats:
        return WebsocketStats(
            clients=len(self._subscribers) + len(self._private),
            clients_accepted=self._accepted,
            clients_dropped_slow=self._dropped_slow,
            events_published=self._published,
            clients_dropped_flooding=self._dropped_flooding,
            clients_refused=self._refused,
        )

    async def start(self, host: str | None, port: int = 0) -> None:
        """Listen on ``host:port`` (``port=0`` picks a free port, see :attr:`port`)."""
        if self._server is not None:
            raise RuntimeError("websocket server already started")
        self._server = await serve(
            self._serve_connection,
            host,
            port,
            compression=self._compression,
            process_request=self._admit,
            create_connection=self._new_connection,  # type: ignore[arg-type]
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_timeout,
            close_timeout=self._close_timeout,
            max_size=self._max_message_size,
            # Same bound as ours, so websockets' own sends (pings, closes) never wait on a
            # drain below the point where we would drop the client anyway.
            write_limit=self._max_buffer,
            backlog=ACCEPT_BURST,  # accepted in one go before any is counted against the cap
        )

    async def stop(self) -> None:
        """Close every client with 1001 (after what was published) and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()  # stop accepting; handshakes still in progress get HTTP 503
        self._flush()
        for subscriber in (*self._subscribers, *self._private):
            subscriber._close(*SHUTDOWN_CLOSE, self._close_timeout)
        await server.wait_closed()
        self._cancel_flush()

    def publish(self, message: Mapping[str, Any] | str) -> None:
        """Send one event to every client. Never blocks; call it from the event loop thread.

        Raises ValueError, when clients are connected, if the event alone exceeds ``max_buffer``.
        """
        if self._subscribers:
            self._publish(message)
        self._published += 1

    def _publish(self, message: Mapping[str, Any] | str) -> None:
        payload, shared = self._encode(message)
        size = len(shared)
        if self._batch_bytes + size > self._headroom:
            self._enforce_limit(size)
        self._batch.append(shared)
        self._batch_bytes += size
        if self._detached:
            for subscriber in list(self._detached):
                self._queue_own(subscriber, payload, shared)
        self._schedule_flush()

    def send(self, subscriber: Subscriber, message: Mapping[str, Any] | str) -> None:
        """Send one message to one client, in order with published events (for replies)."""
        if not subscriber.is_open:
            return
        payload, shared = self._encode(message)
        if subscriber._private:
            if subscriber._cohort:
                self._break_cohort()
            self._queue_private(subscriber, payload, shared)
            return
        if subscriber._own is None:
            self._detach(subscriber, list(self._batch), self._batch_bytes)
        self._queue_own(subscriber, payload, shared)
        self._schedule_flush()

    def send_to(self, subscribers: list[Subscriber], message: str) -> None:
        """One message to several endpoint clients, encoded into one shared frame.

        Passing the same list object again (and nothing else in between) lets them share
        one batch until the next flush: one append per event instead of one per client."""
        payload, shared = self._encode(message)
        size = len(shared)
        members = self._cohort_members
        if members is not None and members is not subscribers:
            self._break_cohort()
            members = None
        if members is None and len(subscribers) >= COHORT_MIN:
            members = self._start_cohort(subscribers)
        if members is not None:
            if self._cohort_bytes + size <= self._cohort_room:
                self._cohort_frames.append(shared)
                self._cohort_bytes += size
                self._schedule_flush()
                return
            self._break_cohort()  # someone is near its limit: each on its own, below
        self._send_each(subscribers, payload, shared)

    def _start_cohort(self, subscribers: list[Subscriber]) -> list[Subscriber] | None:
        limit = self._max_buffer
        room = limit
        for subscriber in subscribers:
            if subscriber._extensions or subscriber._own is None or subscriber._cohort:
                return None  # compressed, or listed twice: frames of its own
            if subscriber._protocol.state is OPEN:
                free = limit - subscriber._transport.get_write_buffer_size()
                room = min(room, free - subscriber._own_bytes)
        for subscriber in subscribers:
            subscriber._cohort = True
        self._cohort_members = subscribers
        self._cohort_room = room
        return subscribers

    def _break_cohort(self) -> None:
        """Hand the cohort's frames to each member's own list, in order, and end it."""
        members, frames, size = self._cohort_members, self._cohort_frames, self._cohort_bytes
        if members is None:
            return
        self._cohort_members, self._cohort_frames, self._cohort_bytes = None, [], 0
        pending = self._private_pending
        for subscriber in members:
            subscriber._cohort = False
            if frames and subscriber._own is not None and subscriber.is_open:
                subscriber._own.extend(frames)
                subscriber._own_bytes += size
                pending.add(subscriber)

    def _send_each(self, subscribers: list[Subscriber], payload: bytes, shared: bytes) -> None:
        size, limit, pending = len(shared), self._max_buffer, self._private_pending
        for subscriber in subscribers:
            if subscriber._protocol.state is not OPEN:
                continue
            own = subscriber._own
            if subscriber._extensions or own is None:
                self._queue_private(subscriber, payload, shared)
                continue
            # inline _queue(): this runs per event per v1 client
            if subscriber._transport.get_write_buffer_size() + subscriber._own_bytes + size > limit:
                self._drop_slow(subscriber)
                continue
            own.append(shared)
            subscriber._own_bytes += size
            pending.add(subscriber)
        self._schedule_flush()

    def close_client(self, subscriber: Subscriber, code: int, reason: str) -> None:
        """Close one client after what it was sent (an endpoint's verdict)."""
        if subscriber._cohort:
            self._break_cohort()
        subscriber._close(code, reason, self._close_timeout)

    def _queue_private(self, subscriber: Subscriber, payload: bytes, shared: bytes) -> None:
        if subscriber._queue(payload, shared, self._max_buffer):
            self._private_pending.add(subscriber)
            self._schedule_flush()
        else:
            self._drop_slow(subscriber)

    def _encode(self, message: Mapping[str, Any] | str) -> tuple[bytes, bytes]:
        payload = encode_event(message).encode()
        shared = _text_frame(payload)
        if len(shared) > self._max_buffer:
            raise ValueError(f"event of {len(shared)} bytes exceeds max_buffer={self._max_buffer}")
        return payload, shared

    def _detach(self, subscriber: Subscriber, frames: list[bytes], size: int) -> None:
        subscriber._own = frames
        subscriber._own_bytes = size
        self._detached.add(subscriber)

    def _queue_own(self, subscriber: Subscriber, payload: bytes, shared: bytes) -> None:
        if subscriber.is_open and not subscriber._queue(payload, shared, self._max_buffer):
            self._drop_slow(subscriber)

    def _enforce_limit(self, size: int) -> None:
        """Drop the clients the batch plus ``size`` bytes would put over ``max_buffer``."""
        limit = self._max_buffer
        needed = self._batch_bytes + size
        headroom = limit
        for subscriber in self._subscribers:
            if subscriber._own is None and subscriber.is_open:
                room = limit - subscriber._transport.get_write_buffer_size()
                if needed > room:
                    # It still gets the batch so far (it fits), then the close frame.
                    self._detach(subscriber, list(self._batch), self._batch_bytes)
                    self._drop_slow(subscriber)
                else:
                    headroom = min(headroom, room)
        self._headroom = headroom

    def _schedule_flush(self) -> None:
        if self._flush_handle is not None:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_flush + self._flush_interval - loop.time()
        if wait > 0:
            self._flush_handle = loop.call_later(wait, self._flush)
        else:
            self._flush_handle = loop.call_soon(self._flush)

    def _cancel_flush(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None

    def _flush(self) -> None:
        """One write per client: the shared batch joined once, or its own frames."""
        self._cancel_flush()
        self._last_flush = asyncio.get_running_loop().time()
        batch = self._batch
        data = batch[0] if len(batch) == 1 else b"".join(batch)
        self._batch = []
        self._batch_bytes = 0
        limit = self._max_buffer
        headroom = limit
        for subscriber in self._subscribers:
            if subscriber._own is not None:
                subscriber._flush_own()
                if subscriber._own is not None:
                    continue  # compressed: stays on frames of its own
                self._detached.discard(subscriber)
            elif data and subscriber._protocol.state is OPEN:
                subscriber._transport.write(data)
            if subscriber._protocol.state is OPEN:
                room = limit - subscriber._transport.get_write_buffer_size()
                if room < headroom:
                    headroom = room
        self._headroom = headroom
        if self._private_pending:
            for subscriber in self._private_pending:
                subscriber._flush_own()
            self._private_pending.clear()
        members = self._cohort_members
        if members is not None:  # after their own frames: those were queued before it began
            frames = self._cohort_frames
            data = frames[0] if len(frames) == 1 else b"".join(frames)
            self._cohort_members, self._cohort_frames, self._cohort_bytes = None, [], 0
            for subscriber in members:
                subscriber._cohort = False
                if data and subscriber._protocol.state is OPEN:
                    subscriber._transport.write(data)

    def _drop_slow(self, subscriber: Subscriber) -> None:
        self._dropped_slow += 1
        LOGGER.warning(
            "Disconnecting websocket client %s: too slow, %d bytes unsent (limit %d)",
            subscriber.peer,
            subscriber.buffered_bytes,
            self._max_buffer,
        )
        subscriber._close(*SLOW_CLIENT_CLOSE, self._close_timeout)
        if subscriber._own is None:
            self._detached.discard(subscriber)

    def _new_connection(self, *args: Any, **kwargs: Any) -> _MeteredConnection:
        connection = _MeteredConnection(*args, **kwargs)
        connection.registry = self._connections
        connection.max_connections = self._max_clients
        loop = asyncio.get_running_loop()
        connection.budget = FrameBudget(self._frame_rate, self._frame_burst, loop.time)
        return connection

    def _admit(
        self, connection: ServerConnection, request: Request
    ) -> Response | Awaitable[Response | None] | None:
        """Refuse the handshake past ``max_clients`` (503, logged once per episode), then
        check credentials when the server has them."""
        if len(self._connections) > self._max_clients:
            self._refused += 1
            if not self._refusing:
                self._refusing = True
                LOGGER.warning(
                    "Websocket full (%d connections): refusing new clients until some leave",
                    self._max_clients,
                )
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "Too many connections\n")
        if self._refusing:
            self._refusing = False
            LOGGER.info("Websocket accepting new clients again")
        if self._authenticate is None or urlsplit(request.path).path in self._endpoints:
            return None
        return self._check_credentials(connection, request)

    def _drop_flooding(self, subscriber: Subscriber) -> None:
        """A client sending frames far past its budget: close 1008, read nothing more."""
        if not subscriber.is_open:
            return
        self._dropped_flooding += 1
        LOGGER.warning("Closing websocket client %s: too many frames", subscriber.peer)
        subscriber._transport.pause_reading()
        subscriber._close(*FLOOD_CLOSE, self._close_timeout)

    async def _check_credentials(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        assert self._authenticate is not None
        allowed = self._authenticate(request)
        if inspect.isawaitable(allowed):
            allowed = await allowed
        if allowed:
            return None
        LOGGER.info("Rejected websocket client %s", _format_peer(connection.remote_address))
        return connection.respond(self._refusal, f"{self._refusal.phrase}\n")

    async def _serve_connection(self, connection: ServerConnection) -> None:
        # websockets (14-17.4) calls this right after writing the 101 response, without
        # yielding in between. Registering before our first await means no event published
        # after the handshake can miss this client (deconz-rest-plugin #37/#50 lost the first
        # one); tests/gateway/test_ws.py races it.
        subscriber = Subscriber(connection, self)
        if isinstance(connection, _MeteredConnection):
            connection.on_flood = lambda: self._drop_flooding(subscriber)
        if self._endpoints:
            endpoint = self._endpoints.get(urlsplit(connection.request.path).path)
            if endpoint is not None:
                await self._serve_endpoint(endpoint, subscriber)
                return
        if subscriber._extensions or self._batch:
            # Compressed: frames of its own, always. Otherwise it takes only the events
            # published from now on: the batch so far predates it.
            self._detach(subscriber, [], 0)
        self._subscribers.add(subscriber)
        self._accepted += 1
        LOGGER.debug("Websocket client %s connected", subscriber.peer)
        try:
            # Reading keeps pings answered and notices the close; text goes to the hook.
            async for message in connection:
                if isinstance(message, str) and self._on_message is not None:
                    await self._dispatch(subscriber, message)
        except ConnectionClosedError:
            pass
        finally:
            self._subscribers.discard(subscriber)
            self._detached.discard(subscriber)
            subscriber._release()
            LOGGER.debug("Websocket client %s disconnected", subscriber.peer)

    async def _serve_endpoint(self, endpoint: Endpoint, subscriber: Subscriber) -> None:
        connection = subscriber.connection
        # websockets 16+ reads max_message_size, earlier releases max_size
        connection.protocol.max_message_size = endpoint.max_message_size  # type: ignore[attr-defined]
        connection.protocol.max_size = endpoint.max_message_size  # type: ignore[attr-defined]
        subscriber._private = True
        subscriber._own = []
        self._private.add(subscriber)
        self._accepted += 1
        try:
            endpoint.opened(subscriber)
            async for message in connection:
                endpoint.received(subscriber, message)
        except ConnectionClosedError:
            pass
        except Exception:
            LOGGER.exception("Websocket endpoint failed for client %s", subscriber.peer)
            self.close_client(subscriber, CloseCode.INTERNAL_ERROR, "internal error")
        finally:
            self._private.discard(subscriber)
            self._private_pending.discard(subscriber)
            subscriber._release()
            endpoint.closed(subscriber)

    async def _dispatch(self, subscriber: Subscriber, text: str) -> None:
        assert self._on_message is not None
        try:
            result = self._on_message(subscriber, text)
            if inspect.isawaitable(result):
                await result
        except Exception:
            LOGGER.exception("on_message failed for websocket client %s", subscriber.peer)
