"""The push websocket over real loopback sockets, with the clients Home Assistant and
dashboards use: websockets, aiohttp exactly as pydeconz calls it, pydeconz itself, and a raw
TCP socket that stops reading.

No assertion depends on timing: waits poll a condition, and pytest-timeout catches hangs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from pydeconz.websocket import Signal, WSClient
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK, InvalidStatus

from gateway.ws.server import Subscriber, WebsocketEventServer

Factory = Callable[..., Awaitable[WebsocketEventServer]]


def event(seq: int, pad: int = 0) -> dict:
    return {
        "t": "event",
        "e": "changed",
        "r": "sensors",
        "id": str(seq),
        "uniqueid": "90:fd:9f:ff:fe:66:24:3e-01-1000",
        "state": {"buttonevent": 1002, "seq": seq, "name": "Küche", "pad": "x" * pad},
    }


def wire(message: dict) -> str:
    """What deCONZ would put in the frame, computed independently of gateway.ws.server."""
    return json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


async def until(predicate: Callable[[], bool]) -> None:
    async with asyncio.timeout(60):  # diagnostics only; never a performance assertion
        while not predicate():
            await asyncio.sleep(0.005)


@pytest.fixture
async def make_server() -> AsyncIterator[Factory]:
    servers: list[WebsocketEventServer] = []

    async def factory(**kwargs) -> WebsocketEventServer:
        server = WebsocketEventServer(**kwargs)
        await server.start("127.0.0.1", 0)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        await server.stop()


@pytest.fixture
async def server(make_server: Factory) -> WebsocketEventServer:
    return await make_server()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def url(server: WebsocketEventServer, path: str = "/") -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def pydeconz_connect(session: aiohttp.ClientSession, server: WebsocketEventServer):
    """Exactly the call pydeconz.websocket.WSClient makes."""
    return session.ws_connect(f"http://127.0.0.1:{server.port}", heartbeat=60)


async def aiohttp_text(ws: aiohttp.ClientWebSocketResponse) -> str:
    msg = await ws.receive()
    assert msg.type is aiohttp.WSMsgType.TEXT, msg
    return msg.data


@asynccontextmanager
async def raw_client(server: WebsocketEventServer) -> AsyncIterator[socket.socket]:
    """A plain TCP socket that has sent a websocket upgrade request and read nothing yet."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # keep kernel buffering small
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    try:
        await loop.sock_connect(sock, ("127.0.0.1", server.port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            "GET / HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        await loop.sock_sendall(sock, request.encode())
        yield sock
    finally:
        sock.close()


async def recv_exactly(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = await asyncio.get_running_loop().sock_recv(sock, size - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data


async def recv_text_frame(sock: socket.socket) -> str:
    """Read one unfragmented, unmasked server TEXT frame."""
    opcode, length = await recv_exactly(sock, 2)
    assert opcode == 0x81  # FIN + TEXT
    assert length < 127  # 7-bit length, or 126 for a 16-bit one; events are never 64 KiB
    if length == 126:
        length = int.from_bytes(await recv_exactly(sock, 2))
    return (await recv_exactly(sock, length)).decode()


@asynccontextmanager
async def stalled_client(server: WebsocketEventServer) -> AsyncIterator[Subscriber]:
    """A raw client that completes the handshake and then never reads again."""
    async with raw_client(server) as sock:
        response = b""
        while b"\r\n\r\n" not in response:
            response += await recv_exactly(sock, 1)  # not one byte past the headers
        assert response.startswith(b"HTTP/1.1 101 ")
        peer = f"127.0.0.1:{sock.getsockname()[1]}"
        (subscriber,) = [s for s in server.subscribers if s.peer == peer]
        yield subscriber


class Reader:
    """Drains one client in the background and records every text frame in order."""

    def __init__(self, receive: Callable[[], Awaitable[str]]) -> None:
        self.texts: list[str] = []
        self._task = asyncio.create_task(self._run(receive))

    async def _run(self, receive: Callable[[], Awaitable[str]]) -> None:
        while True:
            self.texts.append(await receive())

    async def stop(self) -> None:
        self._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self._task


async def test_websockets_client_gets_one_compact_sorted_object_per_text_frame(server):
    async with connect(url(server)) as ws:
        server.publish(event(1))
        server.publish('{"e":"deleted","id":"9","r":"groups","t":"event"}')
        first, second = await ws.recv(), await ws.recv()
    assert isinstance(first, str)  # a TEXT frame
    assert first == wire(event(1))
    assert '"name":"Küche"' in first  # UTF-8, not \u escapes
    assert list(json.loads(first)) == sorted(event(1))
    assert second == '{"e":"deleted","id":"9","r":"groups","t":"event"}'


async def test_aiohttp_client_connecting_like_pydeconz_gets_text_frames(server, session):
    async with pydeconz_connect(session, server) as ws:
        for seq in range(3):
            server.publish(event(seq))
        assert [await aiohttp_text(ws) for _ in range(3)] == [wire(event(s)) for s in range(3)]


async def test_pydeconz_wsclient_receives_events(server, session):
    received: list[dict] = []

    async def callback(signal: Signal) -> None:
        if signal is Signal.DATA:
            received.append(client.data)

    client = WSClient(session, "127.0.0.1", server.port, callback)
    client.start()
    await until(lambda: server.client_count == 1)
    for seq in range(5):
        server.publish(event(seq))
    await until(lambda: len(received) == 5)
    assert received == [event(seq) for seq in range(5)]
    client.stop()
    await server.stop()
    await until(lambda: not client._background_tasks)


async def publish_sentinel(server: WebsocketEventServer, accepted: int) -> None:
    """Once the server has registered client number ``accepted``, publish one more event.

    If the event under test were lost, the client would get this one instead: a clear
    failure rather than a hang.
    """
    await until(lambda: server.stats.clients_accepted == accepted)
    server.publish({"t": "event", "e": "changed", "r": "groups", "id": "sentinel"})


async def test_first_event_after_handshake_is_delivered_websockets(server):
    for seq in range(200):
        async with connect(url(server)) as ws:
            server.publish(event(seq))
            await publish_sentinel(server, seq + 1)
            assert await ws.recv() == wire(event(seq))


async def test_first_event_after_handshake_is_delivered_aiohttp(server, session):
    for seq in range(100):
        async with pydeconz_connect(session, server) as ws:
            server.publish(event(seq))
            await publish_sentinel(server, seq + 1)
            assert await aiohttp_text(ws) == wire(event(seq))


async def test_first_event_is_delivered_when_published_the_instant_the_101_arrives(server):
    """The tightest race we can build: publish from the socket's own readable callback."""
    loop = asyncio.get_running_loop()
    for seq in range(100):
        async with raw_client(server) as sock:
            response: asyncio.Future[bytes] = loop.create_future()

            def on_101(sock=sock, response=response, seq=seq) -> None:
                loop.remove_reader(sock)
                response.set_result(sock.recv(65536))
                server.publish(event(seq))

            loop.add_reader(sock, on_101)
            assert (await response).startswith(b"HTTP/1.1 101 ")
            await publish_sentinel(server, seq + 1)
            assert await recv_text_frame(sock) == wire(event(seq))


async def test_burst_reaches_every_client_complete_and_in_order(server, session):
    events = 2000
    websockets_clients = [await connect(url(server)) for _ in range(10)]
    aiohttp_clients = [await pydeconz_connect(session, server) for _ in range(10)]
    readers = [Reader(ws.recv) for ws in websockets_clients]
    readers += [Reader(lambda ws=ws: aiohttp_text(ws)) for ws in aiohttp_clients]

    for seq in range(events):  # one synchronous burst: no yield between events
        server.publish(event(seq))
    await until(lambda: all(len(r.texts) >= events for r in readers))

    expected = [wire(event(seq)) for seq in range(events)]
    assert all(reader.texts == expected for reader in readers)
    assert server.stats.events_published == events
    assert server.stats.clients_dropped_slow == 0
    for reader in readers:
        await reader.stop()
    for ws in websockets_clients:
        await ws.close()
    for ws in aiohttp_clients:
        await ws.close()


async def test_stalled_client_is_dropped_without_delaying_the_others(make_server, session, caplog):
    limit = 256 * 1024
    server = await make_server(max_buffer=limit, close_timeout=0.2)
    fast = [await connect(url(server)) for _ in range(3)]
    fast_aiohttp = await pydeconz_connect(session, server)
    readers = [Reader(ws.recv) for ws in fast]
    readers.append(Reader(lambda: aiohttp_text(fast_aiohttp)))
    caplog.set_level(logging.WARNING, logger="gateway.ws")

    published = 0
    async with stalled_client(server) as stalled:
        while server.stats.clients_dropped_slow == 0:
            assert published < 100_000, "stalled client never dropped"
            for _ in range(64):
                server.publish(event(published, pad=1000))
                published += 1
                # The bound holds at every step, not just on average.
                assert stalled.buffered_bytes <= limit
            # Pace on the fast clients' progress (not on time) so only the stalled one lags.
            await until(lambda n=published: all(len(r.texts) == n for r in readers))
            assert stalled.connection.transport.get_write_buffer_size() <= limit
        assert not stalled.is_open
        await until(lambda: stalled not in server.subscribers)  # aborted after close_timeout

    server.publish(event(published))
    published += 1
    await until(lambda: all(len(r.texts) == published for r in readers))
    expected = [wire(event(seq, pad=1000)) for seq in range(published - 1)]
    expected.append(wire(event(published - 1)))
    assert all(reader.texts == expected for reader in readers)

    assert server.stats.clients_dropped_slow == 1
    assert server.client_count == len(readers)
    (record,) = [r for r in caplog.records if r.name == "gateway.ws"]
    assert record.levelno == logging.WARNING
    assert stalled.peer in record.getMessage()
    for reader in readers:
        await reader.stop()


async def test_keepalive_drops_a_stalled_client_below_the_buffer_limit(make_server):
    """A dead or stalled peer that stays under ``max_buffer`` still goes, via keepalive.

    The keepalive ping is queued behind the backlog; it must not wait for the transport to
    drain (websockets' default 32 KiB write limit would make it wait forever).
    """
    server = await make_server(ping_interval=0.5, ping_timeout=0.5, close_timeout=0.2)
    async with stalled_client(server) as stalled:
        seq = 0
        while stalled.is_open and stalled.buffered_bytes < 128 * 1024:
            server.publish(event(seq, pad=1000))
            seq += 1
            await asyncio.sleep(0)
        await until(lambda: server.client_count == 0)
    assert server.stats.clients_dropped_slow == 0


async def test_slow_client_is_told_why_with_close_1008(make_server):
    server = await make_server(max_buffer=64 * 1024, close_timeout=30)
    async with connect(url(server)) as slow:
        slow.transport.pause_reading()
        published = 0
        while server.stats.clients_dropped_slow == 0:
            server.publish(event(published, pad=500))
            published += 1
            await asyncio.sleep(0)
        slow.transport.resume_reading()
        received = []
        with pytest.raises(ConnectionClosedError) as closed:
            async for text in slow:
                received.append(text)
    assert closed.value.rcvd.code == 1008
    assert closed.value.rcvd.reason == "client too slow: outgoing buffer full"
    assert received == [wire(event(seq, pad=500)) for seq in range(len(received))]


async def test_pings_are_answered(server, session):
    async with connect(url(server), ping_interval=None) as ws:
        pong = await ws.ping()
        await pong
    async with session.ws_connect(f"http://127.0.0.1:{server.port}", autoping=False) as ws:
        await ws.ping(b"hello")
        msg = await ws.receive()
        assert msg.type is aiohttp.WSMsgType.PONG
        assert msg.data == b"hello"


@pytest.mark.parametrize("path", ["/", "/ws", "/api/0123456789/anything?x=1"])
async def test_any_path_is_accepted(server, path):
    async with connect(url(server, path)) as ws:
        server.publish(event(1))
        assert await ws.recv() == wire(event(1))


async def test_stop_flushes_then_closes_every_client(server, session):
    ws = await connect(url(server))
    aio = await pydeconz_connect(session, server)
    async with stalled_client(server):
        server.publish(event(1))
        await server.stop()
        assert server.client_count == 0
        assert server.port is None

    assert await ws.recv() == wire(event(1))
    with pytest.raises(ConnectionClosedOK):
        await ws.recv()
    assert ws.close_code == 1001
    assert await aiohttp_text(aio) == wire(event(1))
    closing = await aio.receive()
    assert closing.type is aiohttp.WSMsgType.CLOSE
    assert closing.data == 1001
    await server.stop()  # idempotent


async def test_client_messages_are_ignored_without_a_hook(server):
    async with connect(url(server)) as ws:
        await ws.send('{"command": "ignored"}')
        await ws.send(b"\x00binary")
        server.publish(event(1))
        assert await ws.recv() == wire(event(1))


async def test_on_message_hook_sees_text_and_can_reply_in_order(make_server, caplog):
    seen: list[tuple[Subscriber, str]] = []

    async def on_message(subscriber: Subscriber, text: str) -> None:
        seen.append((subscriber, text))
        if text == "boom":
            raise RuntimeError("handler bug")
        server.send(subscriber, {"reply": text})

    server = await make_server(on_message=on_message)
    async with connect(url(server, "/cmd")) as ws:
        server.publish(event(1))
        await ws.send(b"binary is not passed on")
        await ws.send("boom")
        await ws.send("hello")
        assert await ws.recv() == wire(event(1))
        assert await ws.recv() == '{"reply":"hello"}'
    assert [text for _, text in seen] == ["boom", "hello"]
    assert seen[0][0].request.path == "/cmd"
    assert "handler bug" in caplog.text


async def test_authenticate_hook_rejects_with_403(make_server, session):
    async def authenticate(request) -> bool:
        return request.headers.get("X-Api-Key") == "secret"

    server = await make_server(authenticate=authenticate)
    with pytest.raises(InvalidStatus) as rejected:
        await connect(url(server))
    assert rejected.value.response.status_code == 403
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await pydeconz_connect(session, server)
    async with connect(url(server), additional_headers={"X-Api-Key": "secret"}) as ws:
        server.publish(event(1))
        assert await ws.recv() == wire(event(1))
    assert server.stats.clients_accepted == 1


def count_received_bytes(ws: ClientConnection) -> list[int]:
    """Wrap the client's asyncio protocol callback to count bytes as they come off the wire."""
    total = [0]
    data_received = ws.data_received

    def counting(data: bytes) -> None:
        total[0] += len(data)
        data_received(data)

    ws.data_received = counting  # type: ignore[method-assign]
    return total


async def test_compression_is_opt_in_and_per_connection(make_server, server):
    async with connect(url(server)) as ws:
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None

    deflating = await make_server(compression="deflate")
    async with (
        connect(url(deflating)) as compressed,
        connect(url(deflating), compression=None) as plain,
    ):
        assert "permessage-deflate" in compressed.response.headers["Sec-WebSocket-Extensions"]
        wire_bytes = count_received_bytes(compressed), count_received_bytes(plain)
        expected = [wire(event(seq, pad=200)) for seq in range(50)]
        for seq in range(50):
            deflating.publish(event(seq, pad=200))
        assert [await compressed.recv() for _ in range(50)] == expected
        assert [await plain.recv() for _ in range(50)] == expected
    payload = sum(len(text.encode()) for text in expected)
    compressed_bytes, plain_bytes = (count[0] for count in wire_bytes)
    assert plain_bytes >= payload
    assert compressed_bytes < payload // 4


async def test_counters_and_publish_without_clients():
    server = WebsocketEventServer()
    server.publish(event(1))  # not started: nothing to do, nothing raised
    assert server.port is None
    await server.start("127.0.0.1", 0)
    try:
        async with connect(url(server)) as ws:
            assert server.client_count == 1
            server.publish(event(2))
            await ws.recv()
        await until(lambda: server.client_count == 0)
        assert server.stats.events_published == 2
        assert server.stats.clients_accepted == 1
        assert server.stats.clients_dropped_slow == 0
    finally:
        await server.stop()


async def test_event_larger_than_the_buffer_is_refused(make_server):
    server = await make_server(max_buffer=4096)
    async with connect(url(server)) as ws:
        with pytest.raises(ValueError, match="exceeds max_buffer"):
            server.publish(event(1, pad=5000))
        server.publish(event(2))
        assert await ws.recv() == wire(event(2))
    assert server.stats.clients_dropped_slow == 0
    assert server.stats.events_published == 1


async def test_a_lone_event_goes_at_once_and_a_close_follower_waits_for_the_interval(make_server):
    """Events closer together than ``flush_interval`` share one write per client; an event
    after a quiet spell is not held back, and stop() writes what is held."""
    server = await make_server(flush_interval=3600)
    async with raw_client(server) as sock:
        response = b""
        while b"\r\n\r\n" not in response:
            response += await recv_exactly(sock, 1)
        await until(lambda: server.client_count == 1)
        server.publish(event(1))
        assert await recv_text_frame(sock) == wire(event(1))

        server.publish(event(2))
        server.publish(event(3))
        await asyncio.sleep(0.2)
        with pytest.raises(BlockingIOError):
            sock.recv(1)  # held: the last write was under an hour ago

        await server.stop()
        assert await recv_text_frame(sock) == wire(event(2))
        assert await recv_text_frame(sock) == wire(event(3))
        assert (await recv_exactly(sock, 1))[0] == 0x88  # then the close frame


class Echo:
    """A minimal endpoint: keeps its clients; what they send is ignored."""

    max_message_size = 1 << 16

    def __init__(self) -> None:
        self.clients: list[Subscriber] = []

    def opened(self, client: Subscriber) -> None:
        self.clients.append(client)

    def received(self, client: Subscriber, message: str | bytes) -> None:
        pass

    def closed(self, client: Subscriber) -> None:
        self.clients.remove(client)


async def test_endpoint_clients_keep_their_order_through_shared_batches(make_server):
    """Clients of one `send_to` list share a batch; a frame for one of them in between
    (a reply, another list) must not overtake or fall behind what the batch holds."""
    echo = Echo()
    server = await make_server(endpoints={"/v1": echo})
    clients = [await connect(url(server, "/v1")) for _ in range(3)]
    legacy = await connect(url(server, "/"))
    await until(lambda: len(echo.clients) == 3)
    everyone = list(echo.clients)
    first = everyone[0]
    expected: dict[Subscriber, list[int]] = {c: [] for c in everyone}
    n = 0

    def to(members: list[Subscriber]) -> None:
        nonlocal n
        n += 1
        server.send_to(members, json.dumps({"n": n}))
        for member in members:
            expected[member].append(n)

    for round_ in range(20):
        to(everyone)
        to(everyone)
        if round_ % 3 == 0:
            n += 1
            server.send(first, json.dumps({"n": n}))  # a reply to one of them
            expected[first].append(n)
        if round_ % 4 == 1:
            to(everyone[1:])  # another subscription's list
        if round_ % 5 == 2:
            await asyncio.sleep(0.01)  # a flush in between
    server.publish(event(1))  # the deCONZ stream is not theirs
    for conn, client in zip(clients, everyone, strict=True):
        got = [json.loads(await conn.recv())["n"] for _ in expected[client]]
        assert got == expected[client]
    assert await legacy.recv() == wire(event(1))  # and nothing of the endpoint's
    for conn in (*clients, legacy):
        await conn.close()
