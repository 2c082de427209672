"""Two gateways on one Mosquitto never collide: topics, client ids, discovery topics and
unique ids are their own, commands reach only the gateway they name, and stopping one
marks only its own things offline. A third, publish-only, takes no commands."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
import pytest_asyncio

from tests.brokers import MqttWatcher, retained
from tests.gateway.conftest import stop_daemon

from .conftest import complete, connected_daemon, eventually, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def pair(mosquitto, tmp_path_factory):
    # the demo home and a generated network: two coordinators, two sets of devices
    first = await connected_daemon(tmp_path_factory.mktemp("first"), mosquitto)
    second = await connected_daemon(tmp_path_factory.mktemp("second"), mosquitto, sim_devices=3)
    yield first, second
    for running in (first, second):
        if running.daemon.gateway is not None:
            await stop_daemon(running)


async def test_both_publish_their_own_tree_under_their_own_id(pair, mosquitto):
    first, second = pair
    assert root(first) != root(second)
    assert first.daemon.mqtt._client_id != second.daemon.mqtt._client_id
    for running in pair:
        await eventually(lambda r=running: complete(r, mosquitto), 15, "its retained state")
    kept = await retained(mosquitto.url, "zigbridge/#")
    for running in pair:
        bridgeid = (await running.get("/config"))["bridgeid"]
        assert root(running) == f"zigbridge/{bridgeid}"
        assert kept[f"{root(running)}/bridge/state"].json() == {"state": "online"}
        lights = await running.get("/lights")
        mine = {t for t in kept if t.startswith(f"{root(running)}/lights/")}
        assert mine == {f"{root(running)}/lights/{lid}" for lid in lights}
    # neither took the other's place on the broker (a shared client id would)
    assert first.daemon.mqtt.connections == second.daemon.mqtt.connections == 1
    log = mosquitto.log.read_text()
    for running in pair:
        assert f" as zigbridge-{running.daemon.mqtt.topics.gateway_id} (" in log
    assert "already connected, closing old connection" not in log


async def test_discovery_topics_and_unique_ids_never_collide(pair, mosquitto):
    configs = {
        topic: m.json() for topic, m in (await retained(mosquitto.url, "homeassistant/#")).items()
    }
    nodes = {running.daemon.mqtt.topics.gateway_id for running in pair}
    for gateway_id in nodes:
        assert any(gateway_id in topic for topic in configs)
    unique_ids = Counter(c["unique_id"] for c in configs.values() if "unique_id" in c)
    assert unique_ids and max(unique_ids.values()) == 1
    for config in configs.values():  # each entity's availability is its own gateway's state
        availability = [a["topic"] for a in config.get("availability", ())]
        assert sum(t.endswith("/bridge/state") for t in availability) <= 1


async def test_a_command_reaches_only_the_gateway_it_names(pair, mosquitto):
    first, second = pair
    lid, _ = await first.find("lights", lambda light: light["type"] == "Dimmable light")
    before = await second.get("/lights")
    async with MqttWatcher(mosquitto.url, "zigbridge/+/bridge/response") as watcher:
        await watcher.publish(f"{root(first)}/lights/{lid}/set", {"on": True, "bri": 12})
        answer = await watcher.wait(lambda m: True)
    assert answer.topic == f"{root(first)}/bridge/response"
    assert (await first.get(f"/lights/{lid}"))["state"]["bri"] == 12
    assert await second.get("/lights") == before


async def test_a_publish_only_gateway_without_discovery(mosquitto, tmp_path):
    """`mqtt.commands = false`: no command is heard; `mqtt.homeassistant = false`: no
    discovery config is published (the retained state still is)."""
    quiet = await connected_daemon(
        tmp_path,
        mosquitto,
        sim_devices=1,
        mqtt_commands=False,
        mqtt_homeassistant=False,
        mqtt_gateway_id="quiet",
    )
    try:
        lid = next(iter(await quiet.get("/lights")))
        before = await quiet.get(f"/lights/{lid}")
        async with MqttWatcher(mosquitto.url, "zigbridge/quiet/#") as watcher:
            await watcher.wait(lambda m: m.topic == f"zigbridge/quiet/lights/{lid}")
            await watcher.publish(
                f"zigbridge/quiet/lights/{lid}/set", {"on": not before["state"]["on"]}
            )
            await watcher.publish(
                "zigbridge/quiet/bridge/request", {"method": "DELETE", "path": f"/lights/{lid}"}
            )
            await asyncio.sleep(1.0)  # a bridge that listened answers within milliseconds
        assert watcher.last("zigbridge/quiet/bridge/response") is None
        assert await quiet.get(f"/lights/{lid}") == before
        configs = await retained(mosquitto.url, "homeassistant/#")
        assert not [t for t in configs if "zigbridge_quiet" in t]
    finally:
        await stop_daemon(quiet)


async def test_stopping_one_marks_only_its_own_state_offline(pair, mosquitto):
    first, second = pair
    first_state, second_state = f"{root(first)}/bridge/state", f"{root(second)}/bridge/state"
    await stop_daemon(first)
    kept = await retained(mosquitto.url, "zigbridge/+/bridge/state")
    assert kept[first_state].json() == {"state": "offline"}
    assert kept[second_state].json() == {"state": "online"}
