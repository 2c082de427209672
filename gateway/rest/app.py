"""The deCONZ REST API over starlette: HTTP in, `gateway.app.requests.dispatch`, HTTP out.

This module only speaks HTTP: CORS preflight, the body limit, turning the starlette
request into an app `Request` and the `Reply` into a response, `/description.xml`, and
JSON (never starlette's HTML pages) for paths outside `/api`. Every deCONZ decision is
the app layer's, so other transports give the same answer to the same request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.api.errors import ApiError
from gateway.app import requests
from gateway.app.gateway import Gateway
from gateway.app.reply import Reply
from gateway.rest.http import BASE_HEADERS, BodyTooLarge, json_response, read_body

LOGGER = logging.getLogger("gateway.api")

CLIENT_CLOSED = 499
"""What metrics count for a client that went away before its request was whole (nginx's
number): not a server error, and nobody reads the answer."""
CORS_PREFLIGHT = {
    **BASE_HEADERS,
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Access-Control-Allow-Origin, Content-Type",
}


class AnyMethod:
    """An endpoint for every HTTP method: starlette limits function endpoints to the
    methods listed (GET by default) and answers others itself, in plain text."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


def reply_response(reply: Reply) -> Response:
    return json_response(reply.body, reply.status, etag=reply.etag)


def _host_ip(request: Request) -> str:
    server = request.scope.get("server")
    return server[0] if server else "127.0.0.1"


def create_app(gw: Gateway) -> Starlette:
    async def api(request: Request) -> Response:
        method = request.method
        if method == "OPTIONS":
            return Response(status_code=200, headers=CORS_PREFLIGHT)
        try:
            body = await read_body(request)
        except BodyTooLarge:
            return reply_response(Reply.error(ApiError.body_too_large("/")))
        except ClientDisconnect:
            LOGGER.debug("%s %s: the client went away mid-request", method, request.url.path)
            return Response(status_code=CLIENT_CLOSED)
        call = requests.Request.from_api_path(
            "GET" if method == "HEAD" else method,  # HEAD: the GET's status and headers
            request.url.path.removeprefix("/api"),
            body=body,
            host_ip=_host_ip(request),
            authorization=request.headers.get("authorization"),
            if_none_match=request.headers.get("if-none-match"),
            query=tuple(request.query_params.multi_items()),
        )
        return reply_response(await requests.dispatch(gw, call))

    async def description(request: Request) -> Response:
        from gateway.rest.upnp import description_xml

        return Response(description_xml(gw, request), media_type="text/xml")

    async def not_api(request: Request) -> Response:
        return reply_response(Reply.error(ApiError.not_found(request.url.path)))

    return Starlette(
        routes=[
            # No method list: every method reaches the dispatcher, which answers unknown
            # ones with deCONZ's error 4 instead of starlette's plain-text 405.
            Route("/api", AnyMethod(api)),
            Route("/api/{rest:path}", AnyMethod(api)),
            Route("/description.xml", description, methods=["GET"]),
            Route("/{rest:path}", AnyMethod(not_api)),
        ],
    )
