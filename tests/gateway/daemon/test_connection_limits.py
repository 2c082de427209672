"""A daemon with few file descriptors (as under systemd's default soft limit) stays reachable
while idle connections pile up on both ports, and says so once instead of flooding the log."""

from __future__ import annotations

import asyncio
import resource
import socket

import httpx
from websockets.asyncio.client import connect

from tests.gateway.cli.test_main import READY, DaemonProcess


def limited(n: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, n))

    return apply


async def hold_idle(port: int, n: int) -> list[socket.socket]:
    loop = asyncio.get_running_loop()
    held = []
    for _ in range(n):
        sock = socket.socket()
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), 5)
        except (TimeoutError, OSError):
            sock.close()
            continue
        held.append(sock)
    return held


async def test_idle_connections_beyond_the_caps_do_not_lock_clients_out(tmp_path):
    limits = ["--max-connections", "40", "--ws-max-clients", "40", "--request-timeout", "60"]
    daemon = DaemonProcess(tmp_path, "--sim-quiet", *limits, preexec_fn=limited(300))
    held: list[socket.socket] = []
    try:
        await asyncio.to_thread(daemon.wait_for, READY)
        # more idle connections than the process has file descriptors
        held += await hold_idle(daemon.http_port, 400)
        held += await hold_idle(daemon.ws_port, 200)
        async with httpx.AsyncClient(timeout=10) as client:
            r = await client.get(f"http://127.0.0.1:{daemon.http_port}/api/config")
        assert r.status_code == 200 and r.json()["bridgeid"]
        async with connect(f"ws://127.0.0.1:{daemon.ws_port}/", open_timeout=10) as fresh:
            await fresh.ping()
    finally:
        for sock in held:
            sock.close()
        code = daemon.stop()
    output = daemon.output
    assert code == 0, output
    assert "Traceback" not in output
    assert output.count("REST server full") == 1
    assert len(output.splitlines()) < 100, output  # no line per refused connection
