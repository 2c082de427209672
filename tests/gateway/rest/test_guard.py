"""The REST server's connection limits, on real sockets: idle and half-sent connections cannot
lock clients out, and a request that never completes is closed. No timing assertions: the
short timeouts only keep the tests quick."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from gateway.rest.guard import ConnectionGuard
from gateway.rest.server import RestServer
from tests.gateway.conftest import until


def app(release: asyncio.Event | None = None) -> Starlette:
    async def hello(request):
        if release is not None and request.query_params.get("wait"):
            await release.wait()
        return JSONResponse({"hello": "world"})

    return Starlette(routes=[Route("/", hello)])


@pytest.fixture
async def servers() -> AsyncIterator[list[RestServer]]:
    started: list[RestServer] = []
    yield started
    for server in started:
        await server.stop()


async def serve(servers: list[RestServer], guard: ConnectionGuard, **kw) -> RestServer:
    server = RestServer(app(**kw), "127.0.0.1", 0, guard=guard)
    await server.start()
    servers.append(server)
    return server


async def open_idle(port: int, n: int, first_bytes: bytes = b"") -> list[socket.socket]:
    loop = asyncio.get_running_loop()
    socks = []
    for _ in range(n):
        sock = socket.socket()
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        if first_bytes:
            await loop.sock_sendall(sock, first_bytes)
        socks.append(sock)
    return socks


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has closed: whatever it answered first has been read, then EOF."""
    try:
        while chunk := sock.recv(1 << 16):
            del chunk
        return True
    except BlockingIOError:
        return False
    except OSError:
        return True


async def test_more_idle_connections_than_the_cap_and_a_fresh_client_is_still_served(servers):
    guard = ConnectionGuard(max_connections=20, request_timeout=60)
    server = await serve(servers, guard)
    idle = await open_idle(server.port, 30)  # no key, nothing sent
    half = await open_idle(server.port, 10, b"GET / HTTP/1.1\r\nHost: x\r\n")  # never finished
    await until(lambda: guard.open <= 20 and guard.evicted >= 20)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        for _ in range(3):
            r = await client.get("/")
            assert (r.status_code, r.json()) == (200, {"hello": "world"})
    assert sum(closed_by_server(s) for s in idle + half) >= 20  # the oldest went first
    for sock in idle + half:
        sock.close()


async def test_a_request_that_is_never_completed_is_closed(servers):
    guard = ConnectionGuard(max_connections=50, request_timeout=0.3)
    server = await serve(servers, guard)
    (silent,) = await open_idle(server.port, 1)
    (headers,) = await open_idle(server.port, 1, b"GET / HTTP/1.1\r\nHost: x\r\n")
    (body,) = await open_idle(
        server.port, 1, b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nx"
    )
    await until(lambda: all(closed_by_server(s) for s in (silent, headers, body)))
    assert guard.timed_out == 3
    await until(lambda: guard.open == 0)
    for sock in (silent, headers, body):
        sock.close()


async def test_a_slow_handler_is_not_cut_off_and_keep_alive_requests_each_get_their_time(servers):
    release = asyncio.Event()
    guard = ConnectionGuard(max_connections=50, request_timeout=0.3)
    server = await serve(servers, guard, release=release)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
        waiting = asyncio.create_task(client.get("/", params={"wait": "1"}))
        await asyncio.sleep(0.6)  # longer than the request timeout: the request is complete
        release.set()
        assert (await waiting).status_code == 200
        await asyncio.sleep(0.2)
        assert (await client.get("/")).status_code == 200  # same connection, kept alive


async def test_when_every_connection_is_busy_a_new_one_gets_a_json_503(servers):
    release = asyncio.Event()
    guard = ConnectionGuard(max_connections=2, request_timeout=60)
    server = await serve(servers, guard, release=release)
    base = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=base) as a, httpx.AsyncClient(base_url=base) as b:
        busy = [asyncio.create_task(c.get("/", params={"wait": "1"})) for c in (a, b)]
        await until(lambda: guard.open == 2 and not guard._waiting)
        async with httpx.AsyncClient(base_url=base) as c:
            r = await c.get("/")
        assert r.status_code == 503
        assert r.json()[0]["error"]["type"] == 951  # deCONZ's "bridge busy"
        release.set()
        assert [(await t).status_code for t in busy] == [200, 200]
    assert guard.refused == 1
