"""Connection limits for the REST server, which uvicorn does not have.

uvicorn accepts every connection and waits for its request for as long as the client likes:
a few hundred idle or half-sent connections (no key needed) use up the process's file
descriptors and nobody is served any more. Here each connection must deliver a complete
request within `request_timeout`, and the server keeps at most `max_connections` open. A new
connection past the cap takes the place of the one that has waited longest without a request
in progress (idle, or still sending one): a real client sends its request in milliseconds, so
it is served while a flood of idle connections evicts itself. Only when every connection is
busy with a request is the new one answered 503.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.api.errors import ApiError
from gateway.app.limits import DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT

LOGGER = logging.getLogger("gateway.api")


_RECEIVED = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)


def _busy_response() -> bytes:
    body = json.dumps([ApiError.bridge_busy("/").to_dict()], separators=(",", ":")).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        "Access-Control-Allow-Origin: *\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


class ConnectionGuard:
    """What the connections of one server share: the cap and who may be evicted."""

    def __init__(
        self,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        if max_connections < 1:
            raise ValueError("max_connections must be at least 1")
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.open = 0
        self.evicted = 0
        self.refused = 0
        self.timed_out = 0
        self._waiting: dict[Any, None] = {}  # oldest first: connections without a request
        self._full = False

    def admit(self, connection: Any) -> bool:
        """Count a new connection; False when it must be refused (every other one is busy)."""
        self.open += 1
        if self.open <= self.max_connections:
            self._full = False
            return True
        self._log_full()
        victim = next((c for c in self._waiting if c is not connection), None)
        if victim is None:
            self.refused += 1
            return False
        self.evicted += 1
        self._waiting.pop(victim, None)
        victim.transport.abort()  # at once: close() would wait for the client to read
        return True

    def waiting(self, connection: Any) -> None:
        self._waiting.pop(connection, None)
        self._waiting[connection] = None

    def busy(self, connection: Any) -> None:
        self._waiting.pop(connection, None)

    def left(self, connection: Any) -> None:
        self._waiting.pop(connection, None)
        self.open -= 1

    def _log_full(self) -> None:
        if not self._full:
            self._full = True
            LOGGER.warning(
                "REST server full (%d connections): closing the longest idle ones",
                self.max_connections,
            )


def guarded_protocol(guard: ConnectionGuard) -> type[H11Protocol]:
    """uvicorn's h11 protocol with `guard`'s cap and request deadline."""

    class GuardedH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None
        _counted = False

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._counted = True
            if not guard.admit(self):
                transport.write(_busy_response())
                transport.close()
                return
            guard.waiting(self)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._counted:
                self._counted = False
                guard.left(self)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._deadline is None and self.conn.their_state is h11.IDLE:
                self._arm()  # the next request on a kept-alive connection starts its clock
            super().data_received(data)
            if self.conn.their_state in _RECEIVED:
                self._disarm()
                guard.busy(self)

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                guard.waiting(self)

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(guard.request_timeout, self._expire)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expire(self) -> None:
            self._deadline = None
            if not self.transport.is_closing() and self.conn.their_state not in _RECEIVED:
                guard.timed_out += 1
                LOGGER.debug("Closing a connection that sent no complete request in time")
                self.transport.close()

    return GuardedH11Protocol
