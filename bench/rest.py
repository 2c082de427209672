"""REST latency: ``GET /api/<key>`` (full state) and ``PUT /lights/<id>/state``.

The daemon runs in this process (so the moment a ZCL command leaves the radio layer can
be seen: zigpy handing the frame to the radio library's ``send_packet``); the HTTP client
runs in a separate process on one keep-alive connection, one request at a time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import multiprocessing as mp
import signal
from pathlib import Path
from typing import Any

from .common import HOST, Report, now, percentile

ON_OFF = 0x0006


# ---- the client process (standard library only) ---------------------------------------


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the parent stops us


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None):
    headers = {"Content-Type": "application/json"} if body is not None else {}
    t0 = now()
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    t1 = now()
    if resp.status != 200:
        raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
    return t0, t1, data


def client_get(port: int, path: str, count: int, warmup: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        size = 0
        for _ in range(warmup):
            _request(conn, "GET", path, None)
        times = []
        for _ in range(count):
            t0, t1, data = _request(conn, "GET", path, None)
            times.append((t1 - t0) * 1000.0)
            size = len(data)
        return {"ms": times, "bytes": size}
    finally:
        conn.close()


def client_put(port: int, key: str, light_ids: list[str], count: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        sent, replied = [], []
        for i in range(count):
            lid = light_ids[i % len(light_ids)]
            on = (i // len(light_ids)) % 2 == 1
            body = json.dumps({"on": on}).encode()
            t0, t1, data = _request(conn, "PUT", f"/api/{key}/lights/{lid}/state", body)
            if b"success" not in data:
                raise RuntimeError(f"PUT light {lid}: {data[:200]!r}")
            sent.append(t0)
            replied.append(t1)
        return {"sent": sent, "replied": replied}
    finally:
        conn.close()


# ---- the scenario ---------------------------------------------------------------------


async def run(
    report: Report,
    template: Path,
    workdir: Path,
    devices: int,
    key: str,
    gets: int,
    puts: int,
) -> None:
    from .inproc import start_daemon, stop_daemon

    section = "REST"
    daemon = await start_daemon(template, workdir / "rest-data", devices)
    app = daemon.radio.app
    left: list[float] = []
    send_packet = app.send_packet

    async def timed_send_packet(packet: Any) -> None:
        if packet.cluster_id == ON_OFF:
            left.append(now())
        await send_packet(packet)

    app.send_packet = timed_send_packet  # zigpy looks it up per frame on the instance
    pool = concurrent.futures.ProcessPoolExecutor(
        1, mp_context=mp.get_context("spawn"), initializer=ignore_sigint
    )
    loop = asyncio.get_running_loop()
    try:
        port = daemon.rest.port
        light_ids = sorted(daemon.gateway.store.lights, key=int)
        full = await loop.run_in_executor(pool, client_get, port, f"/api/{key}", gets, 20)
        one = await loop.run_in_executor(
            pool, client_get, port, f"/api/{key}/lights/{light_ids[0]}", gets, 20
        )
        await loop.run_in_executor(pool, client_put, port, key, light_ids, 20)  # warm-up
        left.clear()
        put = await loop.run_in_executor(pool, client_put, port, key, light_ids, puts)
    finally:
        app.send_packet = send_packet
        pool.shutdown()
        await stop_daemon(daemon)

    ms = sorted(full["ms"])
    report.add(
        f"rest_full_state_p50_ms_{devices}",
        percentile(ms, 50),
        unit="ms",
        section=section,
        label=f"GET /api/<key>, {devices} devices ({full['bytes'] // 1024} KiB)",
    )
    report.add(
        f"rest_full_state_p99_ms_{devices}",
        percentile(ms, 99),
        unit="ms",
        section=section,
        label=f"GET /api/<key>, {devices} devices, p99 of {len(ms)}",
        target="< 20",
    )
    one_ms = sorted(one["ms"])
    report.add(
        "rest_get_light_p99_ms",
        percentile(one_ms, 99),
        unit="ms",
        section=section,
        label="GET /lights/<id>, p99",
    )
    if len(left) != len(put["sent"]):
        report.note(
            f"PUT: {len(left)} On/Off frames left the radio layer for {len(put['sent'])} PUTs"
        )
    lat = sorted(
        (t_left - t_sent) * 1000.0 for t_sent, t_left in zip(put["sent"], left, strict=False)
    )
    rtt = sorted((b - a) * 1000.0 for a, b in zip(put["sent"], put["replied"], strict=True))
    report.add(
        "rest_put_light_p50_ms",
        percentile(lat, 50),
        unit="ms",
        section=section,
        label="PUT /lights/<id>/state → ZCL command leaves the radio layer, p50",
    )
    report.add(
        "rest_put_light_p99_ms",
        percentile(lat, 99),
        unit="ms",
        section=section,
        label=f"same, p99 of {len(lat)}",
    )
    report.add(
        "rest_put_light_reply_p99_ms",
        percentile(rtt, 99),
        unit="ms",
        section=section,
        label="PUT /lights/<id>/state → HTTP reply (device acknowledged), p99",
    )
