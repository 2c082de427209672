"""A running zigbridge daemon on the simulated network, on ephemeral 127.0.0.1 ports."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import websockets

from gateway.daemon.daemon import Daemon
from gateway.daemon.settings import Settings, build_settings, radio_settings
from radio.controller import RadioSettings


def daemon_settings(data_dir: Path, **options: Any) -> Settings:
    """A test daemon's settings: ephemeral 127.0.0.1 ports, the simulated radio with quiet
    devices, and `options` by option name (`radio="znp"`, `sim_join_on_permit=True`)."""
    values = {"host": "127.0.0.1", "http_port": 0, "ws_port": 0, "sim_quiet": True, **options}
    return build_settings({"data_dir": data_dir, **values})


class Running:
    """A started daemon plus the handles tests use: REST base URL, key, websocket URL."""

    def __init__(self, daemon: Daemon, data_dir: Path):
        self.daemon = daemon
        self.data_dir = data_dir
        self.base = f"http://127.0.0.1:{daemon.rest.port}"
        self.ws_url = f"ws://127.0.0.1:{daemon.ws.port}"
        self.http = httpx.AsyncClient(base_url=self.base, timeout=10)
        self.key = ""

    @property
    def gateway(self):
        return self.daemon.gateway

    @property
    def network(self):
        return self.daemon.radio.app.network

    def sim(self, model: str):
        return next(d for d in self.daemon.demo.devices if d.model == model)

    async def create_key(self, name: str = "tests") -> str:
        password = (self.data_dir / "password").read_text().strip()
        auth = base64.b64encode(f"admin:{password}".encode()).decode()
        r = await self.http.post(
            "/api", json={"devicetype": name}, headers={"Authorization": f"Basic {auth}"}
        )
        assert r.status_code == 200, r.text
        return r.json()[0]["success"]["username"]

    async def get(self, path: str) -> Any:
        r = await self.http.get(f"/api/{self.key}{path}")
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    async def put(self, path: str, body: Any) -> httpx.Response:
        return await self.http.put(f"/api/{self.key}{path}", json=body)

    async def find(self, kind: str, predicate: Callable[[dict], bool]) -> tuple[str, dict]:
        items = await self.get(f"/{kind}")
        return next((rid, item) for rid, item in items.items() if predicate(item))


async def run_daemon(
    settings: Settings, radio: RadioSettings | None = None, *, daemon: Daemon | None = None
) -> Running:
    """Start a daemon (stopping it again if start-up fails) and give it an API key;
    `daemon`: one built by the caller (with its own knobs) instead."""
    daemon = daemon or Daemon(settings, radio)
    try:
        await daemon.start()
    except BaseException:
        await daemon.stop()
        raise
    running = Running(daemon, settings.data_dir)
    running.key = await running.create_key()
    return running


async def start_daemon(data_dir: Path, **radio: Any) -> Running:
    """A daemon on the simulated network; `radio`: the radio's own knobs (`mains_timeout`)."""
    settings = daemon_settings(data_dir)
    return await run_daemon(settings, radio_settings(settings, **radio))


async def stop_daemon(running: Running) -> None:
    await running.http.aclose()
    await running.daemon.stop()


async def until(check: Callable[[], Any], timeout: float = 15.0, what: str = "") -> Any:
    """Poll a condition and return its truthy value; the timeout only turns a hang into a
    readable failure (no timing assertions: these machines are shared and noisy)."""
    try:
        async with asyncio.timeout(timeout):
            while not (result := check()):
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what or check}") from None
    return result


@pytest.fixture
async def gw(tmp_path: Path):
    running = await start_daemon(tmp_path)
    yield running
    await stop_daemon(running)


class WsClient:
    """A plain websockets client collecting decoded event frames."""

    def __init__(self, conn):
        self.conn = conn
        self.events: list[dict] = []
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.conn:
            self.events.append(json.loads(frame))

    async def wait(self, predicate: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            for event in self.events:
                if predicate(event):
                    return event
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no matching websocket event; got {self.events[-10:]}")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        await self.conn.close()
        self._task.cancel()


@pytest.fixture
async def ws(gw: Running):
    client = WsClient(await websockets.connect(gw.ws_url))
    yield client
    await client.close()


def module_daemon(name: str, **options: Any) -> Any:
    """A `gw` fixture with one daemon for the whole module (tests marked
    `pytest.mark.asyncio(loop_scope="module")`): `gw = module_daemon("covers")`."""

    @pytest_asyncio.fixture(scope="module", loop_scope="module")
    async def gw(tmp_path_factory):
        running = await run_daemon(daemon_settings(tmp_path_factory.mktemp(name), **options))
        yield running
        await stop_daemon(running)

    return gw


def module_ws() -> Any:
    """A `ws` fixture (a fresh client per test) on a `module_daemon`'s loop."""

    @pytest_asyncio.fixture(loop_scope="module")
    async def ws(gw: Running):
        client = WsClient(await websockets.connect(gw.ws_url))
        yield client
        await client.close()

    return ws
