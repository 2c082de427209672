"""Websocket client processes that read with raw sockets, so they are cheap per frame.

Each worker process multiplexes any number of connections with ``selectors`` (epoll),
does the RFC 6455 handshake itself, parses server frames (unmasked), answers pings, and
records when each benchmark event arrived. A benchmark event is a TEXT frame carrying
``"temperature":<seq>``: the sequence number is the reported temperature, so the same
client code measures our gateway and the bare ``websockets`` baseline.

Workers are started with the ``spawn`` method and import only the standard library.
The parent drives them through a ``multiprocessing`` pipe: ``("session", params)`` →
``("ready", n)`` once connected → ``("result", data)``; ``("stop",)`` ends a session
early, ``("exit",)`` ends the worker.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import multiprocessing as mp
import os
import re
import resource
import selectors
import signal
import socket
import time
from array import array
from dataclasses import dataclass
from typing import Any

MARK = re.compile(rb'"temperature":(-?\d+)')
RECV_SIZE = 1 << 18


@dataclass
class Session:
    """What one worker does for one measurement session."""

    port: int
    connections: int
    total: int  # events 0..total-1 each connection must receive; 0 = until stopped
    ranges: list[tuple[str, int, int]]  # ("last"|"times", first seq, end seq)
    timeout: float
    base: int = 0  # event seq = reported temperature - base
    host: str = "127.0.0.1"
    path: str = "/"


class _Conn:
    __slots__ = ("buf", "count", "frames", "sock", "times")

    def __init__(self, sock: socket.socket, leftover: bytes, total: int) -> None:
        self.sock = sock
        self.buf = bytearray(leftover)
        self.times = array("d", bytes(8 * total))
        self.count = 0  # distinct benchmark events received
        self.frames = 0  # every text frame


def _handshake(host: str, port: int, path: str, timeout: float) -> tuple[socket.socket, bytes]:
    sock = socket.create_connection((host, port), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("websocket handshake: connection closed")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise ConnectionError(f"websocket handshake refused: {head[:80]!r}")
    sock.setblocking(False)
    return sock, rest


def _pong(payload: bytes) -> bytes:
    # Client frames must be masked; an all-zero masking key leaves the payload as is.
    return bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


def _consume(conn: _Conn, t: float, total: int, base: int) -> bool:
    """Parse the complete frames in ``conn.buf``; returns False once the server closed."""
    buf = conn.buf
    end_buf = len(buf)
    off = 0
    open_ = True
    times = conn.times
    while end_buf - off >= 2:
        b0 = buf[off]
        ln = buf[off + 1] & 0x7F
        if ln < 126:
            hl = 2
        elif ln == 126:
            if end_buf - off < 4:
                break
            ln = (buf[off + 2] << 8) | buf[off + 3]
            hl = 4
        else:
            if end_buf - off < 10:
                break
            ln = int.from_bytes(buf[off + 2 : off + 10], "big")
            hl = 10
        end = off + hl + ln
        if end > end_buf:
            break
        opcode = b0 & 0x0F
        if opcode == 1:
            conn.frames += 1
            if total:
                m = MARK.search(buf, off + hl, end)
                if m is not None:
                    seq = int(m.group(1)) - base
                    if 0 <= seq < total and not times[seq]:
                        times[seq] = t
                        conn.count += 1
        elif opcode == 9:
            with contextlib.suppress(OSError):
                conn.sock.send(_pong(bytes(buf[off + hl : end])))
        elif opcode == 8:
            open_ = False
        off = end
    if off:
        del buf[:off]
    return open_


def run_session(ctrl: Any, s: Session) -> dict[str, Any]:
    conns: list[_Conn] = []
    sel = selectors.DefaultSelector()
    try:
        for _ in range(s.connections):
            sock, rest = _handshake(s.host, s.port, s.path, s.timeout)
            conn = _Conn(sock, rest, s.total)
            conns.append(conn)
            sel.register(sock, selectors.EVENT_READ, conn)
        sel.register(ctrl.fileno(), selectors.EVENT_READ, None)
        ctrl.send(("ready", len(conns)))
        r0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        deadline = t0 + s.timeout
        pending = len(conns) if s.total else -1
        alive = len(conns)
        stopped = False
        perf = time.perf_counter
        while pending != 0 and alive and not stopped:
            remaining = deadline - perf()
            if remaining <= 0:
                break
            for key, _ in sel.select(min(remaining, 1.0)):
                conn = key.data
                if conn is None:
                    if ctrl.poll():
                        stopped = ctrl.recv()[0] == "stop"
                    continue
                try:
                    data = conn.sock.recv(RECV_SIZE)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                t = perf()
                if data:
                    conn.buf += data
                    before = conn.count
                    ok = _consume(conn, t, s.total, s.base)
                    if s.total and before < s.total <= conn.count:
                        pending -= 1
                else:
                    ok = False
                if not ok:
                    sel.unregister(conn.sock)
                    alive -= 1
        wall = perf() - t0
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        per_conn = []
        for conn in conns:
            out: dict[str, Any] = {"count": conn.count, "frames": conn.frames, "ranges": []}
            for kind, a, b in s.ranges:
                part = conn.times[a:b]
                if kind == "times":
                    out["ranges"].append(part.tobytes())
                else:
                    got = [x for x in part if x]
                    out["ranges"].append((len(got), max(got) if got else 0.0))
            per_conn.append(out)
        return {"conns": per_conn, "cpu": cpu, "wall": wall, "stopped": stopped}
    finally:
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.sock.close()
        sel.close()


def worker_main(ctrl: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops us
    while True:
        try:
            msg = ctrl.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if msg[0] == "exit":
            return
        if msg[0] == "session":
            try:
                result: Any = ("result", run_session(ctrl, msg[1]))
            except Exception as exc:  # report, don't die: the parent decides
                result = ("error", f"{type(exc).__name__}: {exc}")
            ctrl.send(result)


class ClientPool:
    """A fixed set of client worker processes, reused for every server and N."""

    def __init__(self, processes: int) -> None:
        ctx = mp.get_context("spawn")
        self.pipes = []
        self.procs = []
        for i in range(processes):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=worker_main, args=(child,), name=f"ws-client-{i}")
            proc.daemon = True
            proc.start()
            child.close()
            self.pipes.append(parent)
            self.procs.append(proc)

    def __len__(self) -> int:
        return len(self.procs)

    def close(self) -> None:
        for pipe in self.pipes:
            with contextlib.suppress(Exception):
                pipe.send(("exit",))
        for proc in self.procs:
            proc.join(2)
            if proc.is_alive():
                proc.kill()
                proc.join(2)

    async def _recv(self, i: int, timeout: float) -> Any:
        pipe = self.pipes[i]
        if not pipe.poll():
            loop = asyncio.get_running_loop()
            ready = loop.create_future()
            loop.add_reader(pipe.fileno(), lambda: ready.done() or ready.set_result(None))
            try:
                await asyncio.wait_for(ready, timeout)
            finally:
                loop.remove_reader(pipe.fileno())
        msg = pipe.recv()
        if msg[0] == "error":
            raise RuntimeError(f"client worker {i}: {msg[1]}")
        return msg

    async def start(self, session: Session) -> list[int]:
        """Spread ``session.connections`` over the workers; returns the workers used, once
        every connection completed its handshake."""
        n = session.connections
        used = min(n, len(self.procs))
        shares = [n // used + (1 if i < n % used else 0) for i in range(used)]
        for i, share in enumerate(shares):
            part = Session(**{**session.__dict__, "connections": share})
            self.pipes[i].send(("session", part))
        for i in range(used):
            msg = await self._recv(i, 30.0)
            assert msg[0] == "ready", msg
        self._active = list(range(used))
        return self._active

    async def results(self, timeout: float) -> list[dict[str, Any]]:
        out = []
        for i in self._active:
            msg = await self._recv(i, timeout)
            out.append(msg[1])
        return out

    def stop(self) -> None:
        for i in self._active:
            self.pipes[i].send(("stop",))
