"""Commands from the broker as deCONZ requests, and their answers as MQTT payloads.

A `/set` topic is the PUT its REST path names, its payload the body as received;
`bridge/request` carries `{"method", "path", "body", "transaction"}` for anything REST can
do. Either way the dispatcher answers exactly as it answers REST, and the answer goes to
`bridge/response` as `{"transaction", "status", "body"}` (plus the `topic` of a `/set`).
What cannot even be read as a request is answered with deCONZ's own error, here.

`bridge/response` is one topic that every subscriber reads, so answers carry no secret of
the gateway: a whitelist shows only the bridge's own key (as a read key sees it), and the
network backup (the network key) is refused, error 1; `zigbridge backup` and REST have it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from gateway.api.errors import ApiError, parse_json_body
from gateway.app.requests import Reply, Request
from gateway.core.resources import deconz_json

METHODS = ("GET", "PUT", "POST", "DELETE")
SECRET_PATHS = frozenset({"/config/zigbee/backup"})


@dataclass(frozen=True, slots=True)
class Inbound:
    """One command: the request to dispatch (None when it is refused here, then `refusal`
    is the answer) and what its answer echoes."""

    request: Request | None
    transaction: Any = None
    topic: str | None = None
    refusal: Reply | None = None


def from_set(topic: str, path: str, payload: bytes, api_key: str) -> Inbound:
    return Inbound(Request("PUT", api_key, path, payload), topic=topic)


def from_request(payload: bytes, api_key: str) -> Inbound:
    """`bridge/request`: every field checked before anything is dispatched."""
    parsed = parse_json_body(payload, address="/")
    if isinstance(parsed, ApiError):
        return _refused(None, parsed)
    transaction = parsed.get("transaction")
    method, path = parsed.get("method"), parsed.get("path")
    if not isinstance(method, str) or method.upper() not in METHODS:
        shown = method if method is not None else "(none)"
        return _refused(transaction, ApiError.invalid_value("/", "method", shown))
    if not isinstance(path, str) or not path.startswith("/"):
        shown = path if path is not None else "(none)"
        return _refused(transaction, ApiError.invalid_value("/", "path", shown))
    body = parsed.get("body")
    raw = b"" if body is None else json.dumps(body).encode()
    path, _, query = path.partition("?")  # as in a REST URL: /sensors/5/history?keys=…
    pairs = tuple(parse_qsl(query, keep_blank_values=True))
    request = Request(method.upper(), api_key, path, raw, query=pairs)
    if request.address in SECRET_PATHS:
        return _refused(transaction, ApiError.unauthorized(request.address))
    return Inbound(request, transaction)


def _refused(transaction: Any, error: ApiError) -> Inbound:
    return Inbound(None, transaction, refusal=Reply.error(error))


def answer(inbound: Inbound, reply: Reply) -> str:
    body = reply.body
    if inbound.request is not None:
        body = _own_key_only(body, inbound.request.api_key)
    out: dict[str, Any] = {"transaction": inbound.transaction, "status": reply.status, "body": body}
    if inbound.topic is not None:
        out["topic"] = inbound.topic
    return deconz_json(out)


def _own_key_only(body: Any, key: str | None) -> Any:
    """`GET /config` and `GET /` with the whitelist cut to the bridge's own entry."""
    if not isinstance(body, dict):
        return body
    if isinstance(body.get("whitelist"), dict):
        body = {**body, "whitelist": {k: v for k, v in body["whitelist"].items() if k == key}}
    if isinstance(body.get("config"), dict):
        body = {**body, "config": _own_key_only(body["config"], key)}
    return body
