"""One deCONZ request in, its answer out: the dispatcher every transport calls.

deCONZ's API is a method, a path and a JSON body, so REST, websocket commands and an MQTT
bridge all hand the gateway a `Request` and send back the `Reply`: everything deCONZ
decides happens here (the key check and errors 1, 3 and 4, a read key's error 1 on
anything but GET, `POST /api`'s rules and the link button, `If-None-Match` → 304, the
internal error for anything unexpected).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from gateway.api.errors import ApiError, parse_json_body, success
from gateway.api.keys import plan_key_create
from gateway.app import config_view
from gateway.app.auth import ScopeConflict
from gateway.app.gateway import Gateway
from gateway.app.handlers import Call, router
from gateway.app.outcomes import OnOutcome, OutcomeWatch
from gateway.app.reply import Rejected, Reply

LOGGER = logging.getLogger("gateway.api")

__all__ = ["Reply", "Request", "dispatch"]


@dataclass(frozen=True, slots=True)
class Request:
    """`api_key` None is `/api` itself (key creation, the public config); `path` is the
    resource path below the key (`/lights/3/state`); `body` the raw bytes as received.
    `host_ip` is the address the client reached us at (config's `ipaddress`);
    `authorization` the HTTP `Authorization` value (`POST /api` takes basic auth);
    `if_none_match` the ETag the client holds, quoted as HTTP sends it; `query` the URL's
    query parameters as (name, value) pairs, in order (a sensor's history reads them)."""

    method: str
    api_key: str | None
    path: str = "/"
    body: bytes = b""
    host_ip: str = "127.0.0.1"
    authorization: str | None = None
    if_none_match: str | None = None
    on_outcome: OnOutcome | None = None  # set: its commands' outcome comes later (outcomes.py)
    query: tuple[tuple[str, str], ...] = ()

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    @property
    def address(self) -> str:
        """The path as deCONZ's error items name it."""
        return "/" + "/".join(self.segments)

    @classmethod
    def from_api_path(cls, method: str, api_path: str, **fields: Any) -> Request:
        """`/api`, `/api/config` and `/api/<key>/...` (given without `/api`) as deCONZ
        reads them: the first segment is the key, except for `GET /api/config`."""
        segments = [s for s in api_path.split("/") if s]
        if not segments:
            return cls(method, None, "/", **fields)
        if segments == ["config"] and method == "GET":
            return cls(method, None, "/config", **fields)
        return cls(method, segments[0], "/" + "/".join(segments[1:]), **fields)


async def dispatch(gw: Gateway, request: Request) -> Reply:
    """The deCONZ answer to `request`; never raises for a bad (or unlucky) request.

    A request that may have written is answered once its writes are on disk: acknowledged
    means durable (a write that failed there is answered with the internal error)."""
    watch = None if request.on_outcome is None else OutcomeWatch(request.on_outcome)
    try:
        return await _durable_answer(gw, request, watch)
    finally:
        if watch is not None:
            watch.answered.set()  # the outcome, if any, may follow the reply now


async def _durable_answer(gw: Gateway, request: Request, watch: OutcomeWatch | None) -> Reply:
    written = gw.persistence.handed_over
    try:
        reply = await _answer(gw, request, watch)
    except Rejected as rejected:
        reply = Reply.error(rejected.error)
    except Exception:
        # Never a traceback to a client: log it, answer deCONZ's internal error.
        LOGGER.exception("%s %s failed", request.method, request.address)
        return Reply.error(ApiError.internal_error(request.address))
    wrote = gw.persistence.handed_over > written  # most writes (a light's state) store nothing
    if wrote and not await gw.durable(written):
        return Reply.error(ApiError.internal_error(request.address))
    if reply.etag is not None and request.if_none_match == f'"{reply.etag}"':
        return Reply(304, None, reply.etag)
    return reply


async def _answer(gw: Gateway, request: Request, watch: OutcomeWatch | None) -> Reply:
    method, address = request.method, request.address
    if request.api_key is None:
        return _unauthenticated(gw, request)
    record = gw.auth.lookup(request.api_key)
    if record is None:
        if request.segments == ["config"] and method == "GET":
            return _basic_config(gw, request)
        raise Rejected(ApiError.unauthorized(address))
    gw.auth.touch(record)
    if record.read_only and method != "GET":
        raise Rejected(ApiError.unauthorized(address))  # before routing: nothing is planned
    if request.segments[:1] != ["config"]:
        await gw.wait_restored()  # never an empty gateway that is not empty
    match = router.match(method, request.segments)
    if match.handler is None:
        if method == "GET" and not match.path_known:
            raise Rejected(ApiError.not_found(address))
        raise Rejected(ApiError.method_not_available(method, address))
    call = Call(
        gw,
        request.api_key,
        match.params,
        request.body,
        request.host_ip,
        record.scope,
        watch,
        request.query,
    )
    return await match.handler(call)


def _unauthenticated(gw: Gateway, request: Request) -> Reply:
    if request.segments == ["config"] and request.method == "GET":
        return _basic_config(gw, request)
    if request.segments:
        raise Rejected(ApiError.unauthorized(request.address))
    if request.method != "POST":
        raise Rejected(ApiError.method_not_available(request.method, "/"))
    return _create_key(gw, request)


def _create_key(gw: Gateway, request: Request) -> Reply:
    """`POST /api`: a new key while the gateway is unlocked (or with basic auth)."""
    if not (gw.auth.unlocked or gw.auth.basic_auth_ok(request.authorization)):
        raise Rejected(ApiError.link_button_not_pressed())
    body = parse_json_body(request.body, address="/")
    if isinstance(body, ApiError):
        raise Rejected(body)
    new = plan_key_create(body)
    if isinstance(new, ApiError):
        raise Rejected(new)
    try:
        key = gw.auth.create_key(new.devicetype, new.username, new.scope)
    except ScopeConflict:
        raise Rejected(ApiError.invalid_value("/scope", "scope", new.scope)) from None
    return Reply(200, [success("username", key)])


def _basic_config(gw: Gateway, request: Request) -> Reply:
    return Reply(200, config_view.basic_config(gw.config_context(request.host_ip)))
