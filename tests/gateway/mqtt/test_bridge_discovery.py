"""How the bridge keeps Home Assistant's discovery configs on the broker: published with
every resync, again when Home Assistant says `online`, and cleared for a deleted resource."""

from __future__ import annotations

import pytest

from gateway.app.version import version
from gateway.mqtt.discovery import Node, bridge_configs, resource_configs
from tests.brokers import MqttWatcher, retained
from tests.gateway.conftest import until

from .conftest import module_gateway

pytestmark = pytest.mark.asyncio(loop_scope="module")


gw = module_gateway("ha")


def node_of(running) -> Node:
    bridge = running.daemon.mqtt
    return Node(bridge.topics.root, bridge.topics.gateway_id, bridge.bridgeid, version())


async def every_config(gw) -> dict[str, dict]:
    node = node_of(gw)
    wanted = dict(bridge_configs(node))
    for kind in ("lights", "sensors", "groups"):
        for rid, resource in (await gw.get(f"/{kind}")).items():
            wanted.update(resource_configs(node, kind, rid, resource))
    # the all-lights group is published too, as GET /groups/0 shows it (not listed in /groups)
    wanted.update(resource_configs(node, "groups", "0", await gw.get("/groups/0")))
    return wanted


async def configs_on_broker(gw, mosquitto) -> bool:
    wanted = await every_config(gw)
    kept = await retained(mosquitto.url, "homeassistant/#")
    return all(t in kept and kept[t].json() == config for t, config in wanted.items())


async def test_homeassistant_online_brings_every_config_back(gw, mosquitto):
    wanted = await every_config(gw)
    assert len(wanted) > 20
    async with MqttWatcher(mosquitto.url, "homeassistant/#") as watcher:
        await until(lambda: set(wanted) <= set(watcher.latest()), what="every config")
        for topic in wanted:  # the broker loses them (as one without persistence would)
            await watcher.publish(topic, b"", retain=True)
    assert await retained(mosquitto.url, "homeassistant/#") == {}
    async with MqttWatcher(mosquitto.url, "homeassistant/#") as watcher:
        await watcher.publish("homeassistant/status", b"online")
        await until(lambda: set(wanted) <= set(watcher.latest()), what="the configs again")
    assert await configs_on_broker(gw, mosquitto)


async def test_homeassistant_offline_changes_nothing(gw, mosquitto):
    async with MqttWatcher(mosquitto.url, "homeassistant/#") as watcher:
        await watcher.publish("homeassistant/status", b"offline")
        async with MqttWatcher(mosquitto.url, f"{gw.daemon.mqtt.topics.root}/bridge/state") as m:
            await m.wait(lambda _: True)
        # the retained configs came on subscribing; nothing was published anew
        assert all(x.topic == "homeassistant/status" for x in watcher.messages if not x.retain)


async def test_a_restarted_broker_gets_every_config_back(gw, mosquitto):
    mosquitto.restart()
    await until(lambda: not gw.daemon.mqtt.connected, what="the bridge to notice")
    await until(lambda: gw.daemon.mqtt.connected, what="the bridge to reconnect")
    async with MqttWatcher(mosquitto.url, "homeassistant/#") as watcher:
        wanted = await every_config(gw)
        await until(lambda: set(wanted) <= set(watcher.latest()), timeout=5, what="configs")
    assert await configs_on_broker(gw, mosquitto)


async def test_a_deleted_sensor_takes_its_configs_with_it(gw, mosquitto):
    sid, sensor = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    topics = set(resource_configs(node_of(gw), "sensors", sid, sensor))
    assert topics
    kept = await retained(mosquitto.url, "homeassistant/#")
    assert topics <= set(kept)
    async with MqttWatcher(mosquitto.url, "homeassistant/#") as watcher:
        r = await gw.http.delete(f"/api/{gw.key}/sensors/{sid}")
        assert r.status_code == 200, r.text
        await until(
            lambda: all(watcher.last(t) and watcher.last(t).payload == b"" for t in topics),
            what="the configs cleared",
        )
    assert not topics & set(await retained(mosquitto.url, "homeassistant/#"))
