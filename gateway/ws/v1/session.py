"""One v1 connection as a state machine: text in, frames and actions out.

No sockets, no asyncio, no clock of its own: the transport passes `now`, sends every `Send`
in order, closes on `Close`, and carries out each `Call` (a deCONZ request) by handing it
to the dispatcher and giving the reply back with `answered()` (and a command report with
`outcome()`). A subscription is made inside `receive()`: its result, its snapshot or
replay, and its registration with the hub happen in one synchronous step, so no event can
fall between them (Home Assistant's "never await between sending the states and listening
for changes").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from gateway.app.bus import EventBus
from gateway.history.query import query_pairs

from . import frames
from .filters import SNAPSHOT_RESOURCES, Filter, FilterError
from .hub import Hub, Subscription

AUTH_TIMEOUT = 10.0
MAX_FRAME = 64 * 1024
MAX_SUBSCRIPTIONS = 32
REQUEST_RATE = 50.0
"""Client messages per second, on average and as the largest burst."""

METHODS = ("GET", "PUT", "POST", "DELETE")


@dataclass(frozen=True, slots=True)
class Send:
    text: str


@dataclass(frozen=True, slots=True)
class Close:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Call:
    """A deCONZ request to dispatch with this connection's key; `query` for `history`.
    `wants_outcome`: the client is told later whether its Zigbee commands arrived."""

    id: int
    method: str
    path: str
    body: bytes = b""
    query: tuple[tuple[str, str], ...] = ()
    wants_outcome: bool = False
    history: bool = False  # answered with the body itself, an error frame if it failed


Output = Send | Close | Call


@dataclass(slots=True)
class Host:
    """What a session needs from the gateway: the bus (epoch, seq, journal), the hub,
    key scopes, the resources as GET shows them (for snapshots), version and bridge id."""

    bus: EventBus
    hub: Hub
    scope_of: Callable[[str], str | None]
    resources: Callable[[], dict[str, dict[str, Any]]]
    bridgeid: Callable[[], str]
    version: str = "unknown"


@dataclass(frozen=True, slots=True)
class Limits:
    auth_timeout: float = AUTH_TIMEOUT
    max_frame: int = MAX_FRAME
    max_subscriptions: int = MAX_SUBSCRIPTIONS
    request_rate: float = REQUEST_RATE
    max_snapshot: int = 1 << 20

    def to_json(self) -> dict[str, Any]:
        return {
            "auth_timeout_s": self.auth_timeout,
            "max_frame_bytes": self.max_frame,
            "max_subscriptions": self.max_subscriptions,
            "requests_per_s": self.request_rate,
        }


class Refused(Exception):
    """A client message answered with an error frame (and nothing else done)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class Session:
    host: Host
    owner: Any
    """What the hub's deliveries name for this connection (the transport's handle)."""
    started: float
    url_apikey: str | None = None
    limits: Limits = field(default_factory=Limits)

    apikey: str | None = None
    scope: str | None = None
    closed: bool = False
    last_id: int = 0
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    _tokens: float = 0.0
    _tokens_at: float = 0.0

    def __post_init__(self) -> None:
        self._tokens = self.limits.request_rate
        self._tokens_at = self.started

    @property
    def authenticated(self) -> bool:
        return self.scope is not None

    @property
    def auth_deadline(self) -> float:
        return self.started + self.limits.auth_timeout

    # -- the transport calls these ------------------------------------------------------

    def start(self) -> list[Output]:
        """The first frames: `hello`, and the verdict on a key given in the URL."""
        bus = self.host.bus
        key = self.url_apikey
        scope = self.host.scope_of(key) if key else None
        hello = frames.hello(
            self.host.version,
            self.host.bridgeid(),
            bus.epoch,
            bus.seq,
            auth_required=scope is None,
        )
        if key is None:
            return [Send(hello)]
        if scope is None:
            return [Send(hello), *self._refuse_auth("invalid API key in the URL")]
        self.apikey, self.scope = key, scope
        return [Send(hello)]

    def expire(self, now: float) -> list[Output]:
        """Called once `auth_deadline` has passed: a client still not authenticated goes."""
        if self.closed or self.authenticated:
            return []
        self.closed = True
        return [Close(frames.CLOSE_UNAUTHORIZED, "authentication timed out")]

    def receive(self, text: str, now: float) -> list[Output]:
        """One text frame from the client."""
        if self.closed:
            return []
        limit = self.limits.max_frame
        if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
            return [Send(frames.error(None, "too_large", f"frames are {limit} bytes at most"))]
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            return [Send(frames.error(None, "bad_request", "not JSON"))]
        if not isinstance(message, dict):
            return [Send(frames.error(None, "bad_request", "a message is a JSON object"))]
        msg_id = message.get("id")
        readable_id = msg_id if _is_id(msg_id) else None
        if not self._take_token(now):
            return [Send(frames.error(readable_id, "rate_limited", "too many messages"))]
        try:
            return self._handle(message, msg_id)
        except Refused as refused:
            return [Send(frames.error(readable_id, refused.code, refused.message))]

    def receive_binary(self) -> list[Output]:
        if self.closed:
            return []
        return [Send(frames.error(None, "bad_request", "binary frames are not understood"))]

    def answered(self, msg_id: int, status: int, body: Any) -> list[Output]:
        """The dispatcher's reply to the `Call` numbered `msg_id`."""
        if self.closed:
            return []
        return [Send(frames.result(msg_id, {"status": status, "body": body}))]

    def history_answered(self, msg_id: int, status: int, body: Any) -> list[Output]:
        if self.closed:
            return []
        if status == 200:
            return [Send(frames.result(msg_id, body))]
        return [Send(frames.error(msg_id, _code_of_status(status), _description(body)))]

    def outcome(self, msg_id: int, status: str, commands: list[dict[str, Any]]) -> list[Output]:
        """The radio's word on the commands of request `msg_id`."""
        if self.closed:
            return []
        return [Send(frames.command_update(msg_id, status, commands))]

    def close(self) -> None:
        """The connection is gone: its subscriptions stop."""
        self.closed = True
        for sub in self.subscriptions.values():
            self.host.hub.remove(sub)
        self.subscriptions.clear()

    def _take_token(self, now: float) -> bool:
        """A token bucket: `request_rate` messages a second, bursts as large."""
        rate = self.limits.request_rate
        self._tokens = min(rate, self._tokens + (now - self._tokens_at) * rate)
        self._tokens_at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True

    # -- messages -----------------------------------------------------------------------

    def _handle(self, message: dict[str, Any], msg_id: Any) -> list[Output]:
        kind = message.get("type")
        if kind == "auth":
            return self._auth(message)
        if kind == "info" and not self.authenticated:
            return [Send(frames.result(msg_id if _is_id(msg_id) else None, self._info()))]
        if not self.authenticated:
            raise Refused("unauthorized", 'authenticate first: {"type":"auth","apikey":…}')
        if not _is_id(msg_id):
            raise Refused("bad_request", "every message has an integer id")
        if msg_id <= self.last_id:
            raise Refused("id_reuse", f"ids increase: {msg_id} after {self.last_id}")
        self.last_id = msg_id
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise Refused("bad_request", f"unknown message type {kind!r}")
        return handler(self, msg_id, message)

    def _auth(self, message: dict[str, Any]) -> list[Output]:
        if self.authenticated:
            raise Refused("bad_request", "already authenticated")
        key = message.get("apikey")
        scope = self.host.scope_of(key) if isinstance(key, str) and key else None
        if scope is None:
            return self._refuse_auth("invalid API key")
        self.apikey, self.scope = key, scope
        return [Send(frames.auth_ok(scope))]

    def _refuse_auth(self, reason: str) -> list[Output]:
        self.closed = True
        return [Send(frames.auth_invalid(reason)), Close(frames.CLOSE_UNAUTHORIZED, reason)]

    def _info(self) -> dict[str, Any]:
        bus = self.host.bus
        return {
            "version": self.host.version,
            "bridgeid": self.host.bridgeid(),
            "epoch": bus.epoch,
            "seq": bus.seq,
            "oldest_seq": bus.journal.first_seq,
            "limits": self.limits.to_json(),
            "scope": self.scope,
        }

    def _on_info(self, msg_id: int, message: dict[str, Any]) -> list[Output]:
        return [Send(frames.result(msg_id, self._info()))]

    def _on_ping(self, msg_id: int, message: dict[str, Any]) -> list[Output]:
        return [Send(frames.pong(msg_id))]

    def _on_subscribe(self, msg_id: int, message: dict[str, Any]) -> list[Output]:
        if len(self.subscriptions) >= self.limits.max_subscriptions:
            raise Refused("bad_request", f"at most {self.limits.max_subscriptions} subscriptions")
        try:
            flt = Filter.parse(message.get("filter"))
        except FilterError as exc:
            raise Refused("bad_request", str(exc)) from None
        notify_all = _optional_bool(message, "notifyall")
        snapshot = _optional_bool(message, "snapshot") or False
        since = _since(message.get("since"))
        bus = self.host.bus
        sub = Subscription(self.owner, msg_id, flt, notify_all)
        seq = bus.seq
        backlog = None
        if since is not None and since[0] == bus.epoch:
            backlog = bus.journal.since(since[1])
        resumed = backlog is not None
        out: list[Output] = []
        if snapshot or (since is not None and not resumed):
            taken = frames.snapshot(msg_id, seq, self._snapshot(flt))
            if len(taken) > self.limits.max_snapshot:
                raise Refused("too_large", "the snapshot is too large: narrow the filter")
            out.append(Send(taken))
        result = {"subscription": msg_id, "epoch": bus.epoch, "seq": seq, "resumed": resumed}
        out.insert(0, Send(frames.result(msg_id, result)))
        if backlog:
            out.extend(Send(text) for text in self.host.hub.replay(sub, backlog))
        self.subscriptions[msg_id] = sub
        self.host.hub.add(sub)
        return out

    def _snapshot(self, flt: Filter) -> dict[str, dict[str, Any]]:
        wanted = [r for r in SNAPSHOT_RESOURCES if flt.r is None or r in flt.r]
        resources = self.host.resources()
        return {
            r: {
                rid: obj
                for rid, obj in resources.get(r, {}).items()
                if flt.matches_resource(r, rid, obj)
            }
            for r in wanted
        }

    def _on_unsubscribe(self, msg_id: int, message: dict[str, Any]) -> list[Output]:
        target = message.get("subscription")
        sub = self.subscriptions.pop(target, None) if _is_id(target) else None
        if sub is None:
            raise Refused("not_found", f"no subscription {target!r}")
        self.host.hub.remove(sub)
        return [Send(frames.result(msg_id, None))]

    def _on_request(self, msg_id: int, message: dict[str, Any]) -> list[Output]:
        method = message.get("method")
        path = message.get("path")
        if method not in METHODS:
            raise Refused("bad_request", f"method is one of {', '.join(METHODS)}")
        if not isinstance(path, str) or not path.startswith("/"):
            raise Refused("bad_request", "path is a string starting with / (e.g. /lights/1)")
        if method != "GET" and self.scope != "control":
            raise Refused("forbidden", "this API key may only read")
        # ASCII JSON: a lone surrogate stays an escape, refused by the dispatcher as REST does
        body = b"" if "body" not in message else json.dumps(message["body"]).encode()
        path, _, query = path.partition("?")  # as in a REST URL: /sensors/5/history?keys=…
        pairs = tuple(parse_qsl(query, keep_blank_values=True))
        return [Call(msg_id, method, path, body, pairs, wants_outcome=method != "GET")]

    def _on_history(self, msg_id: int, message: dict[str, Any]) -> list[Output]:
        path = message.get("path")
        parts = path.strip("/").split("/") if isinstance(path, str) else []
        if len(parts) != 3 or parts[0] != "sensors" or parts[2] != "state":
            raise Refused("bad_request", "path is /sensors/<id>/state")
        # the other fields are REST's parameters, checked (defaults, errors) by its handler
        fields = {k: v for k, v in message.items() if k not in ("id", "type", "path")}
        query = query_pairs(fields)
        path = f"/sensors/{parts[1]}/history"
        return [Call(msg_id, "GET", path, query=query, history=True)]


_HANDLERS: dict[str, Callable[[Session, int, dict[str, Any]], list[Output]]] = {
    "info": Session._on_info,
    "ping": Session._on_ping,
    "subscribe": Session._on_subscribe,
    "unsubscribe": Session._on_unsubscribe,
    "request": Session._on_request,
    "history": Session._on_history,
}


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1 << 53


def _optional_bool(message: dict[str, Any], key: str) -> bool | None:
    value = message.get(key)
    if value is not None and not isinstance(value, bool):
        raise Refused("bad_request", f"{key} is true or false")
    return value


def _since(raw: Any) -> tuple[str, int] | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("epoch"), str)
        or isinstance(raw.get("seq"), bool)
        or not isinstance(raw.get("seq"), int)
        or raw["seq"] < 0
    ):
        raise Refused("bad_request", 'since is {"epoch": "…", "seq": <int ≥ 0>}')
    return raw["epoch"], raw["seq"]


def _code_of_status(status: int) -> str:
    return {400: "bad_request", 401: "forbidden", 403: "forbidden", 404: "not_found"}.get(
        status, "internal" if status >= 500 else "bad_request"
    )


def _description(body: Any) -> str:
    if isinstance(body, list) and body and isinstance(body[0], dict):
        error = body[0].get("error")
        if isinstance(error, dict) and isinstance(error.get("description"), str):
            return error["description"]
    return "request failed"
