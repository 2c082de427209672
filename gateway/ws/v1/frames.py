"""The text of every frame v1 sends. Event frames are spliced onto the bus's encoded event
(`{"type":"event","sub":N,"seq":n,` + the deCONZ object's own keys), never re-encoded."""

from __future__ import annotations

from typing import Any

from gateway.core.resources import deconz_json

ERROR_CODES = (
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "id_reuse",
    "too_large",
    "rate_limited",
    "internal",
)

CLOSE_UNAUTHORIZED = 4401
"""Auth refused or not given in time (4000-4999: application codes; 401 as in HTTP)."""


def event(sub: int, seq: int, text: str) -> str:
    """The deCONZ event `text` (a JSON object) as subscription `sub`'s frame."""
    return f'{{"type":"event","sub":{sub},"seq":{seq},{text[1:]}'


def hello(version: str, bridgeid: str, epoch: str, seq: int, *, auth_required: bool) -> str:
    return deconz_json(
        {
            "type": "hello",
            "version": version,
            "bridgeid": bridgeid,
            "epoch": epoch,
            "seq": seq,
            "auth_required": auth_required,
        }
    )


def auth_ok(scope: str) -> str:
    return deconz_json({"type": "auth_ok", "scope": scope})


def auth_invalid(message: str) -> str:
    return deconz_json({"type": "auth_invalid", "message": message})


def result(msg_id: int | None, value: Any) -> str:
    frame: dict[str, Any] = {"type": "result", "success": True, "result": value}
    if msg_id is not None:
        frame["id"] = msg_id
    return deconz_json(frame)


def error(msg_id: int | None, code: str, message: str) -> str:
    assert code in ERROR_CODES, code
    frame: dict[str, Any] = {
        "type": "result",
        "success": False,
        "error": {"code": code, "message": message},
    }
    if msg_id is not None:
        frame["id"] = msg_id
    return deconz_json(frame)


def pong(msg_id: int) -> str:
    return deconz_json({"id": msg_id, "type": "pong"})


def snapshot(sub: int, seq: int, resources: dict[str, dict[str, Any]]) -> str:
    return deconz_json({"type": "snapshot", "sub": sub, "seq": seq, **resources})


def command_update(msg_id: int, status: str, commands: list[dict[str, Any]]) -> str:
    return deconz_json(
        {"type": "command_update", "id": msg_id, "status": status, "commands": commands}
    )
