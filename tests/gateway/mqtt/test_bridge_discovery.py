"""How the bridge keeps Home Assistant's discovery configs on the broker: published with
every resync, again when Home Assistant says `online`, and cleared for a deleted resource."""

from __future__ import annotations

import pytest

from gateway.app.version import version
from gateway.mqtt.discovery import (
    Node,
    bridge_configs,
    device_name,
    ieee_of,
    resource_configs,
    trigger_config,
)
from tests.brokers import MqttWatcher, retained
from tests.gateway.conftest import until

from .conftest import module_gateway, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


gw = module_gateway("ha")


def node_of(running) -> Node:
    bridge = running.daemon.mqtt
    return Node(bridge.topics.root, bridge.topics.gateway_id, bridge.bridgeid, version())


async def every_config(gw) -> dict[str, dict]:
    node = node_of(gw)
    wanted = dict(bridge_configs(node))
    everything = {kind: await gw.get(f"/{kind}") for kind in ("lights", "sensors", "groups")}
    by_device: dict[str | None, list[tuple[str, str, str]]] = {}
    for kind in ("lights", "sensors"):
        for rid, resource in everything[kind].items():
            by_device.setdefault(ieee_of(resource), []).append((kind, rid, resource["name"]))
    for kind, resources in everything.items():  # in id order, as the bridge publishes them
        for rid, resource in sorted(resources.items(), key=lambda item: int(item[0])):
            name = device_name(by_device.get(ieee_of(resource), ()))
            wanted.update(resource_configs(node, kind, rid, resource, name))
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


async def test_a_state_change_republishes_no_config_and_a_rename_does(gw, mosquitto):
    lid, light = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    (topic,) = resource_configs(node_of(gw), "lights", lid, light)
    async with MqttWatcher(mosquitto.url, "homeassistant/#", f"{root(gw)}/lights/{lid}") as w:
        r = await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 140})
        assert r.status_code == 200
        await w.wait(lambda m: m.topic.endswith(f"/lights/{lid}") and not m.retain
                     and m.json()["state"]["bri"] == 140)  # fmt: skip
        assert [m.topic for m in w.messages if not m.retain and m.topic == topic] == []
        r = await gw.put(f"/lights/{lid}", {"name": "Renamed lamp"})
        assert r.status_code == 200
        renamed = await w.wait(lambda m: m.topic == topic and not m.retain)
    assert (
        renamed.json()["device"]["name"] == "Renamed lamp"
        or "Renamed lamp" in renamed.payload.decode()
    )


async def test_a_remotes_trigger_stays_until_the_remote_is_deleted(gw, mosquitto):
    sid, remote = await gw.find("sensors", lambda s: s["type"] == "ZHASwitch")
    trigger, _ = trigger_config(node_of(gw), sid, remote, 1002)
    async with MqttWatcher(mosquitto.url, trigger) as watcher:
        gw.network.emit(gw.sim("SIM-RC4").press(1))
        await watcher.wait(lambda m: m.payload != b"")
    gw.network.emit(gw.sim("SIM-RC4").press(2))  # another press and state change
    gw.network.emit(gw.sim("SIM-RC4").press(1))
    await until(lambda: gw.gateway.store.sensors[sid].state.get("buttonevent") == 1002)
    assert (await retained(mosquitto.url, trigger))[trigger].json()["subtype"]
    async with MqttWatcher(mosquitto.url, trigger) as watcher:
        r = await gw.http.delete(f"/api/{gw.key}/sensors/{sid}")
        assert r.status_code == 200
        await watcher.wait(lambda m: m.payload == b"")
    assert await retained(mosquitto.url, trigger) == {}
