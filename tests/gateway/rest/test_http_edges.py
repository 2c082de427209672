"""HTTP at the edges, on raw sockets as a hostile or careless client sends it: methods deCONZ
does not know, HEAD, and clients that go away in the middle of a request."""

from __future__ import annotations

import asyncio
import logging

from tests.gateway.conftest import Running, until


async def exchange(port: int, data: bytes, *, read: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10) if read else b""
    writer.close()
    return answer


def request(method: str, path: str, extra: str = "") -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n{extra}\r\n".encode()


async def test_unknown_methods_get_deconz_error_4_in_json(gw: Running):
    port = gw.daemon.rest.port
    for method in ("TRACE", "FOO"):
        answer = await exchange(port, request(method, f"/api/{gw.key}/lights"))
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"application/json" in head, answer
        assert b'"type":4' in body and method.encode() in body


async def test_head_answers_the_gets_status_and_headers_without_a_body(gw: Running):
    port = gw.daemon.rest.port
    answer = await exchange(port, request("HEAD", f"/api/{gw.key}/config"))
    get = await gw.http.get(f"/api/{gw.key}/config")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"content-type: application/json" in head.lower()
    assert f"content-length: {len(get.content)}".encode() in head.lower()
    assert body == b""


async def test_a_client_leaving_mid_body_is_no_server_error(gw: Running, caplog):
    port = gw.daemon.rest.port
    half = f"PUT /api/{gw.key}/config HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nx"
    with caplog.at_level(logging.DEBUG):
        for _ in range(20):
            await exchange(port, half.encode(), read=False)
        await until(lambda: sum(gw.daemon.metrics.requests.values()) >= 20)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert gw.daemon.metrics.requests[500] == 0
    assert gw.daemon.metrics.requests[499] == 20
    assert (await gw.get("/config"))["name"]  # still serving


async def test_stopping_with_half_sent_requests_logs_no_traceback(tmp_path, caplog):
    from tests.gateway.conftest import start_daemon

    running = await start_daemon(tmp_path)
    port = running.daemon.rest.port
    writers = []
    try:
        for i in range(20):
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            if i % 2:  # a body cut short
                writer.write(
                    f"PUT /api/{running.key}/config HTTP/1.1\r\nHost: gw\r\n"
                    "Content-Length: 100\r\n\r\n{".encode()
                )
            else:  # headers cut short
                writer.write(b"GET /api/config HTTP/1.1\r\nHost: gw\r\n")
            await writer.drain()
            writers.append(writer)
        await asyncio.sleep(0.2)
        with caplog.at_level(logging.DEBUG):
            await running.http.aclose()
            await running.daemon.stop()
    finally:
        for writer in writers:
            writer.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
