"""What one client can take from the others, bounded: connections, frames it sends, and the
kernel memory it holds by not reading. Real sockets on 127.0.0.1; no timing assertions."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from gateway.ws.server import SEND_BUFFER, FrameBudget, WebsocketEventServer
from tests.gateway.conftest import until


@pytest.fixture
async def started() -> AsyncIterator[list[WebsocketEventServer]]:
    servers: list[WebsocketEventServer] = []
    yield servers
    for server in servers:
        await server.stop()


async def start(servers: list[WebsocketEventServer], **kwargs) -> WebsocketEventServer:
    server = WebsocketEventServer(**kwargs)
    await server.start("127.0.0.1", 0)
    servers.append(server)
    return server


def url(server: WebsocketEventServer) -> str:
    return f"ws://127.0.0.1:{server.port}/"


def test_frame_budget_allows_the_rate_and_bursts_and_refuses_beyond():
    now = [0.0]
    budget = FrameBudget(rate=10, burst=5, clock=lambda: now[0])
    assert all(budget.take() for _ in range(5))
    assert not budget.take()
    now[0] += 0.1  # one frame's worth of time
    assert budget.take() and not budget.take()
    now[0] += 100  # a long quiet spell refills only up to the burst
    assert sum(budget.take() for _ in range(20)) == 5


async def test_a_ping_flood_is_closed_1008_and_the_other_client_misses_nothing(started, caplog):
    server = await start(started, frame_rate=20, frame_burst=40)
    async with connect(url(server)) as calm, connect(url(server)) as flooder:
        await until(lambda: server.client_count == 2)
        with (
            caplog.at_level(logging.WARNING, logger="gateway.ws"),
            pytest.raises(ConnectionClosed) as closed,
        ):
            for _ in range(10_000):
                await flooder.ping()
                await asyncio.sleep(0)
            await flooder.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
        assert "too many frames" in closed.value.rcvd.reason
        assert server.stats.clients_dropped_flooding == 1
        assert any("too many frames" in r.getMessage() for r in caplog.records)

        for seq in range(50):
            server.publish({"t": "event", "e": "changed", "r": "lights", "id": str(seq)})
        got = [json.loads(await calm.recv())["id"] for _ in range(50)]
        assert got == [str(seq) for seq in range(50)]
        await calm.ping()  # the calm client, far below its budget, is still answered


async def test_a_text_flood_is_closed_too(started):
    server = await start(started, frame_rate=20, frame_burst=40)
    async with connect(url(server)) as flooder:
        with pytest.raises(ConnectionClosed) as closed:
            for _ in range(10_000):
                await flooder.send("x" * 100)
                await asyncio.sleep(0)
            await flooder.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_past_max_clients_the_handshake_is_refused_and_a_place_frees_up(started, caplog):
    server = await start(started, max_clients=3)
    held = [await connect(url(server)) for _ in range(3)]
    await until(lambda: server.client_count == 3)
    with caplog.at_level(logging.WARNING, logger="gateway.ws"):
        for _ in range(5):
            with pytest.raises(InvalidStatus) as refused:
                await connect(url(server))
            assert refused.value.response.status_code == 503
    assert server.stats.clients_refused == 5
    assert sum("refusing new clients" in r.getMessage() for r in caplog.records) == 1

    await held.pop().close()
    await until(lambda: server.client_count == 2)
    fresh = await connect(url(server))
    server.publish({"t": "event", "e": "changed", "r": "lights", "id": "1"})
    assert json.loads(await fresh.recv())["id"] == "1"
    for client in [*held, fresh]:
        await client.close()


async def test_idle_connections_past_the_cap_make_room_for_a_real_client(started):
    server = await start(started, max_clients=2)
    loop = asyncio.get_running_loop()
    idle = []
    for _ in range(6):  # TCP connected, no upgrade request ever sent
        sock = socket.socket()
        sock.setblocking(False)
        await loop.sock_connect(sock, ("127.0.0.1", server.port))
        idle.append(sock)
    await until(lambda: len(server._connections) <= 3 and server.client_count == 0)
    async with connect(url(server)) as fresh:  # evicts the oldest idle one
        server.publish({"t": "event", "e": "changed", "r": "lights", "id": "1"})
        assert json.loads(await fresh.recv())["id"] == "1"
        assert len(server._connections) <= 2
    for sock in idle:
        sock.close()


async def test_each_client_socket_has_a_small_kernel_send_buffer(started):
    server = await start(started)
    async with connect(url(server)):
        await until(lambda: server.client_count == 1)
        (subscriber,) = server.subscribers
        sock = subscriber._transport.get_extra_info("socket")
        # Linux doubles what is asked for its bookkeeping; the default would be ~2.5 MiB+.
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) <= 2 * SEND_BUFFER
