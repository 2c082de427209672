"""Response and request plumbing shared by every REST handler.

deCONZ's wire details that clients depend on: compact JSON with sorted keys, a JSON content
type on *every* reply (pydeconz raises on anything else, errors included), a quoted `ETag`
header (the app layer answers `If-None-Match` with 304), and `Access-Control-Allow-Origin: *`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gateway.api.errors import MAX_BODY_BYTES
from gateway.core.resources import deconz_json

JSON_TYPE = "application/json; charset=utf-8"
BASE_HEADERS = {"Access-Control-Allow-Origin": "*"}


def json_response(body: Any, status: int = 200, *, etag: str | None = None) -> Response:
    """A JSON reply with its quoted `ETag`; a 304 carries the ETag and no body."""
    headers = dict(BASE_HEADERS)
    if etag is not None:
        headers["ETag"] = f'"{etag}"'
    if status == 304:
        return Response(status_code=304, headers=headers)
    return Response(
        deconz_json(body).encode(), status_code=status, media_type=JSON_TYPE, headers=headers
    )


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing more than `limit` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)
