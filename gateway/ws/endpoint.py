"""Websocket protocol v1 on the push server: runs `v1.session.Session`s on `/v1`.

The thin adapter between the Sans-I/O core (`gateway/ws/v1/`) and the world: it feeds each
connection's frames to its session and carries out what comes back (frames in order through
the server, closes, requests through the same `dispatch` REST uses), and it is the one bus
sink for every v1 subscription, handing each event's frames to the server once per distinct
text. Everything but the dispatch runs synchronously in the server's and the bus's
callbacks, so a subscription's result, snapshot and first events stay in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gateway.app.bus import Event
from gateway.app.config_view import bridge_id
from gateway.app.gateway import Gateway
from gateway.app.outcomes import CommandReport
from gateway.app.requests import Request, dispatch
from gateway.app.version import version
from gateway.ws.server import Subscriber, WebsocketEventServer
from gateway.ws.v1.hub import Hub
from gateway.ws.v1.session import Call, Close, Host, Limits, Output, Send, Session

LOGGER = logging.getLogger("gateway.ws")

PATH = "/v1"
MAX_MESSAGE_SIZE = 256 * 1024
"""Frames websockets accepts at all (larger ones close 1009); the session answers those
over its own 64 KiB `too_large`, so a client learns the limit without losing the connection."""


class V1Endpoint:
    """Register it with the server (`endpoints={PATH: endpoint}`), then `attach()` it."""

    max_message_size = MAX_MESSAGE_SIZE

    def __init__(self, gw: Gateway, limits: Limits | None = None) -> None:
        self.gw = gw
        self.limits = limits or Limits()
        self.server: WebsocketEventServer | None = None
        self.hub = Hub(self._type_of, lambda: gw.store.websocketnotifyall)
        self.host = Host(
            bus=gw.bus,
            hub=self.hub,
            scope_of=self._scope_of,
            resources=self._resources,
            bridgeid=lambda: bridge_id(gw.network.ieee),
            version=version(),
        )
        self._sessions: dict[Subscriber, Session] = {}
        self._timers: dict[Subscriber, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._detach = None

    def attach(self, server: WebsocketEventServer) -> None:
        self.server = server
        self._detach = self.gw.bus.add_sink(self._on_event)

    async def close(self) -> None:
        if self._detach is not None:
            self._detach()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    # -- gateway lookups ----------------------------------------------------------------

    def _scope_of(self, key: str) -> str | None:
        record = self.gw.auth.lookup(key)
        if record is None:
            return None
        return record.scope

    def _type_of(self, r: str, rid: str) -> str | None:
        pool = {"lights": self.gw.store.lights, "sensors": self.gw.store.sensors}.get(r)
        if pool is not None:
            resource = pool.get(rid)
            return resource.type if resource is not None else None
        if r == "groups":
            group = self.gw.store.groups.get(rid)
            return group.type if group is not None else None
        return None

    def _resources(self) -> dict[str, dict[str, Any]]:
        store = self.gw.store
        return {
            "lights": store.lights_json(),
            "sensors": store.sensors_json(),
            "groups": store.groups_json(),
        }

    # -- the server's callbacks -----------------------------------------------------------

    def opened(self, client: Subscriber) -> None:
        request = client.request
        query = parse_qs(urlsplit(request.path).query) if request is not None else {}
        key = query.get("apikey", [None])[0]
        loop = asyncio.get_running_loop()
        session = Session(self.host, client, loop.time(), key, self.limits)
        self._sessions[client] = session
        self._run(client, session, session.start())
        if not session.closed and not session.authenticated:
            self._timers[client] = loop.call_at(
                session.auth_deadline, lambda: self._expire(client, session)
            )

    def received(self, client: Subscriber, message: str | bytes) -> None:
        session = self._sessions.get(client)
        if session is None:
            return
        if isinstance(message, bytes):
            outputs = session.receive_binary()
        else:
            outputs = session.receive(message, asyncio.get_running_loop().time())
        self._run(client, session, outputs)

    def closed(self, client: Subscriber) -> None:
        session = self._sessions.pop(client, None)
        timer = self._timers.pop(client, None)
        if timer is not None:
            timer.cancel()
        if session is not None:
            session.close()

    def _expire(self, client: Subscriber, session: Session) -> None:
        self._timers.pop(client, None)
        self._run(client, session, session.expire(asyncio.get_running_loop().time()))

    # -- carrying out a session's outputs -----------------------------------------------

    def _run(self, client: Subscriber, session: Session, outputs: list[Output]) -> None:
        server = self.server
        assert server is not None
        for out in outputs:
            if isinstance(out, Send):
                server.send(client, out.text)
            elif isinstance(out, Close):
                server.close_client(client, out.code, out.reason)
            elif isinstance(out, Call):
                task = asyncio.create_task(self._call(client, session, out))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _call(self, client: Subscriber, session: Session, call: Call) -> None:
        fields: dict[str, Any] = {}
        if call.wants_outcome:
            fields["on_outcome"] = lambda report: self._outcome(client, session, call.id, report)
        local = client.connection.local_address
        request = Request(
            call.method,
            session.apikey,
            call.path,
            call.body,
            host_ip=str(local[0]) if local else "127.0.0.1",
            query=call.query,
            **fields,
        )
        reply = await dispatch(self.gw, request)
        if call.history:
            outputs = session.history_answered(call.id, reply.status, reply.body)
        else:
            outputs = session.answered(call.id, reply.status, reply.body)
        self._run(client, session, outputs)

    def _outcome(
        self, client: Subscriber, session: Session, msg_id: int, report: CommandReport
    ) -> None:
        commands = [
            {
                "target": o.target,
                "command": o.command,
                "status": o.status,
                "detail": o.detail,
            }
            for o in report.outcomes
        ]
        self._run(client, session, session.outcome(msg_id, report.status, commands))

    # -- the bus sink ---------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        deliveries = self.hub.deliveries(event.seq, event.message, event.text)
        if deliveries:
            server = self.server
            assert server is not None
            for text, owners in deliveries:
                server.send_to(owners, text)
