"""Retained state on a real Mosquitto: every resource as REST shows it, kept current."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.brokers import MqttWatcher
from tests.gateway.conftest import stop_daemon, until

from .conftest import connected_daemon, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gw(mosquitto, tmp_path_factory):
    running = await connected_daemon(tmp_path_factory.mktemp("state"), mosquitto)
    yield running
    await stop_daemon(running)


async def test_bridge_state_is_online_and_retained(gw, mosquitto):
    async with MqttWatcher(mosquitto.url, f"{root(gw)}/bridge/#") as watcher:
        state = await watcher.wait(lambda m: m.topic.endswith("/bridge/state"))
        assert state.retain and state.json() == {"state": "online"}
        info = (await watcher.wait(lambda m: m.topic.endswith("/bridge/info"))).json()
    config = await gw.get("/config")
    assert info["bridgeid"] == config["bridgeid"]
    assert info["gateway_id"] == config["bridgeid"]  # the default topic level
    assert info["channel"] == config["zigbeechannel"] and info["pan_id"] == config["panid"]
    assert info["network_up"] is True and info["radio_type"] == "sim"
    assert info["device_count"] > 0


async def test_every_resource_is_retained_as_rest_shows_it(gw, mosquitto):
    for kind in ("lights", "sensors", "groups"):
        rest = await gw.get(f"/{kind}")
        async with MqttWatcher(mosquitto.url, f"{root(gw)}/{kind}/+") as watcher:
            wanted = len(rest)
            await until(lambda w=watcher, n=wanted: len(w.latest()) >= n, what=f"retained {kind}")
            retained = {m.topic.rsplit("/", 1)[1]: m for m in watcher.messages}
        for rid in rest:
            assert retained[rid].retain
            assert retained[rid].json() == await gw.get(f"/{kind}/{rid}")
