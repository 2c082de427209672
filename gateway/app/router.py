"""A tiny path router with deCONZ's answers for paths and methods it doesn't know.

Starlette's router would answer unknown paths with its own 404/405 pages; deCONZ clients
expect error type 3 (GET of an unknown resource) or type 4 (any other method), always as a
JSON error array. So everything under `/api/<key>/` is dispatched here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    parts: tuple[str, ...]  # literal segments, or "{name}" placeholders
    handler: Handler


@dataclass(frozen=True, slots=True)
class Match:
    handler: Handler | None
    params: dict[str, str]
    path_known: bool  # some route has this path (with another method)


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, method: str, path: str, handler: Handler) -> None:
        parts = tuple(p for p in path.strip("/").split("/") if p)
        self._routes.append(Route(method.upper(), parts, handler))

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            self.add(method, path, handler)
            return handler

        return decorator

    def match(self, method: str, segments: list[str]) -> Match:
        method = "PUT" if method == "PATCH" else method  # deCONZ: PATCH is PUT
        path_known = False
        for route in self._routes:
            params = _match_parts(route.parts, segments)
            if params is None:
                continue
            if route.method == method:
                return Match(route.handler, params, True)
            path_known = True
        return Match(None, {}, path_known)


def _match_parts(parts: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(parts) != len(segments):
        return None
    params: dict[str, str] = {}
    for part, segment in zip(parts, segments, strict=True):
        if part.startswith("{"):
            if not segment:
                return None
            params[part[1:-1]] = segment
        elif part != segment:
            return None
    return params
