"""A real Gateway (SQLite in tmp_path) on a fake radio, for tests of the app layer without
sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from gateway.app.gateway import Gateway
from gateway.app.requests import Reply, Request, dispatch
from gateway.core.store import ALL_LIGHTS_ADDRESS
from radio import commands as cmd
from radio import events as ev
from radio.controller import RadioSettings
from tests.gateway.core.core_zoo import dimmable_light


class FakeRadio:
    """What Gateway needs of `radio.controller.Radio`: up/down, and commands recorded.
    `answers` scripts what the next commands get (a result, or an exception raised);
    while `hold` is set to an unset event, every command waits for it."""

    def __init__(self, settings: RadioSettings, sink: Callable[[ev.RadioEvent], None]):
        self.sink = sink
        self.commands: list[cmd.RadioCommand] = []
        self.up = False
        self.fail: Exception | None = None
        self.answers: list[cmd.CommandResult | Exception] = []
        self.hold: asyncio.Event | None = None

    @property
    def is_up(self) -> bool:
        return self.up

    async def start(self) -> None:
        self.up = True
        self.sink(ev.NetworkUp("00:21:2e:ff:ff:00:11:22", 0x1A62, "dd:dd", 15, "fake"))

    async def stop(self) -> None:
        self.up = False
        self.sink(ev.NetworkDown("stopped"))

    async def execute(self, command: cmd.RadioCommand) -> cmd.CommandResult:
        if self.fail is not None:
            raise self.fail
        self.commands.append(command)
        if self.hold is not None:
            await self.hold.wait()
        answer = self.answers.pop(0) if self.answers else cmd.CommandResult(ok=True)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Client:
    """A gateway, its fake radio, the messages it published and one API key."""

    def __init__(self, gw: Gateway, published: list[dict[str, Any]]):
        self.gw = gw
        self.radio: FakeRadio = gw.radio  # type: ignore[assignment]
        self.published = published
        self.key = gw.auth.create_key("tests")

    async def __call__(self, method: str, path: str, body: bytes = b"", **fields: Any) -> Reply:
        return await dispatch(self.gw, Request(method, self.key, path, body, **fields))


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    published: list[dict[str, Any]] = []
    settings = RadioSettings(radio_type="fake", device_path=None, data_dir=tmp_path)
    gw = Gateway(settings, make_radio=FakeRadio)
    gw.bus.add_sink(lambda event: published.append(event.message))
    await gw.radio.start()
    await asyncio.sleep(0)  # the network-up subscriptions run in the background
    assert gw.radio.commands == [cmd.SubscribeGroup(ALL_LIGHTS_ADDRESS)]
    gw.radio.commands.clear()
    gw.on_radio_event(ev.DeviceInitialized(dimmable_light(), restored=False))
    yield Client(gw, published)
    await gw.close()


def error_of(reply: Reply) -> tuple[int, str]:
    [item] = reply.body
    return item["error"]["type"], item["error"]["address"]


def light_id(client: Client) -> str:
    [lid] = client.gw.store.lights
    return lid


async def state_of(client: Client) -> Any:
    """`GET /` without what changes on its own: the clock and the keys' last use."""
    full = await client("GET", "/")
    return full.body | {
        "config": {
            k: v
            for k, v in full.body["config"].items()
            if k not in ("UTC", "localtime", "whitelist")
        }
    }
