"""More than one gateway (docs/scale-out.md), on real brokers started from the very
configuration blocks that page shows: a site Mosquitto bridged to a central one, two
gateways on one broker, and a NATS leaf node per site with its MQTT listener and JetStream."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import nats
import pytest
import pytest_asyncio
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig

from gateway.mqtt.discovery import Node, resource_configs
from tests.brokers import Mosquitto, MqttWatcher, NatsServer, free_port
from tests.gateway.conftest import Running, stop_daemon, until

from .conftest import connected_daemon

pytestmark = pytest.mark.asyncio(loop_scope="module")

DOC = Path(__file__).parents[3] / "docs" / "scale-out.md"
CENTRAL = "central.example.net"


def doc_block(name: str, **replace: str) -> str:
    """A configuration block of docs/scale-out.md by its name (the word after the fence's
    language), with the page's host names, ports and paths replaced; each must be there."""
    blocks = dict(re.findall(r"^```\w+ (\S+)\n(.*?)^```", DOC.read_text(), re.M | re.S))
    text = blocks[name]
    for old, new in replace.items():
        assert old in text, (name, old)
        text = text.replace(old, new)
    return text


def writable_dir(path: Path) -> str:
    """A directory a broker that dropped root for its own user can still write to."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o777)
    return f"{path}/"


def node_of(running: Running) -> Node:
    bridge = running.daemon.mqtt
    return Node(bridge.topics.root, bridge.topics.gateway_id, bridge.bridgeid, "x")


async def light_to_switch(gw: Running) -> tuple[str, bool]:
    """A light id and the `on` it does not have now."""
    rid, light = await gw.find("lights", lambda item: item["type"].endswith("light"))
    return rid, not light["state"]["on"]


# --- Mosquitto: a site broker bridged to a central one -----------------------------------


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    broker = Mosquitto(tmp_path_factory.mktemp("central")).start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def site(central, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("site")
    bridge = doc_block("site-bridge.conf", **{f"{CENTRAL}:1883": f"127.0.0.1:{central.port}"})
    persistence = doc_block(
        "persistence.conf", **{"/var/lib/mosquitto/": writable_dir(workdir / "db")}
    )
    broker = Mosquitto(workdir, extra=f"{bridge}\n{persistence}").start()
    yield broker
    broker.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site1(site, tmp_path_factory):
    running = await connected_daemon(
        tmp_path_factory.mktemp("gw-site1"), site, mqtt_gateway_id="site1"
    )
    yield running
    await stop_daemon(running)


async def test_central_broker_sees_site_state_and_discovery(site1, central):
    lights = await site1.get("/lights")
    node = node_of(site1)
    configs = {
        topic
        for rid, light in lights.items()
        for topic in resource_configs(node, "lights", rid, light)
    }
    async with MqttWatcher(central.url, "zigbridge/site1/#", "homeassistant/#") as watcher:
        wanted = {f"zigbridge/site1/lights/{rid}" for rid in lights} | configs
        await until(lambda: wanted <= set(watcher.latest()), what="site1 state at the centre")
        for rid in lights:
            topic = f"zigbridge/site1/lights/{rid}"
            assert any(m.retain for m in watcher.messages if m.topic == topic)  # kept there
            assert watcher.last(topic).json() == await site1.get(f"/lights/{rid}")
        assert watcher.last("zigbridge/site1/bridge/state").json() == {"state": "online"}
        # Home Assistant at the centre restarts: its birth message reaches the site, and
        # the gateway announces its entities again
        seen = len(watcher.messages)
        await watcher.publish("homeassistant/status", "online")
        await until(
            lambda: any(m.topic in configs for m in watcher.messages[seen:]),
            what="discovery configs again after Home Assistant's birth message",
        )


async def test_set_from_the_central_broker_reaches_the_site(site1, central):
    rid, on = await light_to_switch(site1)
    topic = f"zigbridge/site1/lights/{rid}"
    async with MqttWatcher(central.url, f"{topic}", "zigbridge/site1/bridge/response") as watcher:
        await watcher.publish(f"{topic}/set", {"on": on})
        answer = await watcher.wait(lambda m: m.topic.endswith("/bridge/response"))
        assert answer.json()["status"] == 200
        assert answer.json()["body"] == [{"success": {f"/lights/{rid}/state/on": on}}]
        await watcher.wait(lambda m: m.topic == topic and m.json()["state"]["on"] is on)
    assert (await site1.get(f"/lights/{rid}"))["state"]["on"] is on


async def test_a_command_for_another_site_never_reaches_this_one(site1, central, site):
    rid, on = await light_to_switch(site1)
    async with MqttWatcher(site.url, "zigbridge/#") as local:
        await asyncio.sleep(0.2)  # subscribed at the site before the centre publishes
        async with MqttWatcher(central.url, "zigbridge/site2/#") as centre:
            await centre.publish(f"zigbridge/site2/lights/{rid}/set", {"on": on})
            await centre.wait(lambda m: m.topic == f"zigbridge/site2/lights/{rid}/set")
        await asyncio.sleep(0.5)  # what the bridge would forward has had time to arrive
        assert not [m for m in local.messages if m.topic.startswith("zigbridge/site2/")]
    assert (await site1.get(f"/lights/{rid}"))["state"]["on"] is not on


async def test_a_direct_gateway_beside_a_bridged_one_stops_alone(site1, central, tmp_path_factory):
    """site2 publishes straight to the central broker, next to site1 behind its site's
    bridge (test_two_gateways has two on one broker). Stopping site2 turns its availability
    topic offline at the centre and leaves site1's online."""
    site2 = await connected_daemon(
        tmp_path_factory.mktemp("gw-site2"), central, mqtt_gateway_id="site2"
    )
    try:
        async with MqttWatcher(central.url, "+/+/bridge/state") as watcher:
            await until(
                lambda: (
                    {
                        t: json.loads(p)
                        for t, p in watcher.latest().items()
                        if t.startswith("zigbridge/")
                    }
                    == {
                        "zigbridge/site1/bridge/state": {"state": "online"},
                        "zigbridge/site2/bridge/state": {"state": "online"},
                    }
                ),
                what="both gateways online",
            )
            await stop_daemon(site2)
            site2 = None
            await watcher.wait(
                lambda m: (
                    m.topic == "zigbridge/site2/bridge/state" and m.json() == {"state": "offline"}
                )
            )
            assert watcher.last("zigbridge/site1/bridge/state").json() == {"state": "online"}
    finally:
        if site2 is not None:
            await stop_daemon(site2)


# --- NATS: a leaf node per site with MQTT and JetStream, a hub --------------------------


@pytest.fixture(scope="module")
def nats_sites(tmp_path_factory) -> Any:
    workdir = tmp_path_factory.mktemp("nats")
    hub_port, leaf_port, site_port, mqtt_port = (free_port() for _ in range(4))
    hub = NatsServer(
        workdir,
        "hub",
        doc_block(
            "nats-hub.conf",
            **{
                f"{CENTRAL}:4222": f"127.0.0.1:{hub_port}",
                f"{CENTRAL}:7422": f"127.0.0.1:{leaf_port}",
                "/var/lib/nats": str(workdir / "hub"),
            },
        ),
        (hub_port, leaf_port),
    ).start()
    site = NatsServer(
        workdir,
        "site1",
        doc_block(
            "nats-site1.conf",
            **{
                "127.0.0.1:4222": f"127.0.0.1:{site_port}",
                "127.0.0.1:1883": f"127.0.0.1:{mqtt_port}",
                f"{CENTRAL}:7422": f"127.0.0.1:{leaf_port}",
                "/var/lib/nats": str(workdir / "site1"),
            },
        ),
        (site_port, mqtt_port),
    ).start()
    yield {"hub": f"nats://127.0.0.1:{hub_port}", "mqtt": f"mqtt://127.0.0.1:{mqtt_port}"}
    site.stop()
    hub.stop()


class NatsMqtt:
    """What `bridged_daemon` needs of a broker: its URL."""

    def __init__(self, url: str):
        self.url = url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def hub(nats_sites):
    """A NATS client at the hub, the site's history stream made as the page says."""
    client = await nats.connect(nats_sites["hub"])
    js = client.jetstream(domain="site1")
    stream = json.loads(doc_block("zigbridge-site1.json"))
    for _ in range(100):  # the leaf connection to the hub comes up in the background
        try:
            await js.add_stream(StreamConfig.from_response(stream))
            break
        except Exception:
            await asyncio.sleep(0.1)
    else:
        raise AssertionError("the site's JetStream domain is not reachable from the hub")
    yield client
    await client.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nats_gw(nats_sites, hub, tmp_path_factory):
    running = await connected_daemon(
        tmp_path_factory.mktemp("gw-nats"), NatsMqtt(nats_sites["mqtt"]), mqtt_gateway_id="site1"
    )
    yield running
    await stop_daemon(running)


async def test_nats_hub_sees_light_subjects_and_switches_a_light(nats_gw, hub):
    rid, on = await light_to_switch(nats_gw)
    got: list[Any] = []
    subscription = await hub.subscribe("zigbridge.site1.lights.>", cb=_keep(got))
    try:
        await nats_gw.put(f"/lights/{rid}/state", {"alert": "none"})  # any change republishes
        await hub.publish(f"zigbridge.site1.lights.{rid}.set", json.dumps({"on": on}).encode())
        await until(
            lambda: any(
                m.subject == f"zigbridge.site1.lights.{rid}"
                and json.loads(m.data)["state"]["on"] is on
                for m in got
            ),
            what="the switched light's state at the hub",
        )
    finally:
        await subscription.unsubscribe()
    assert (await nats_gw.get(f"/lights/{rid}"))["state"]["on"] is on


async def test_nats_history_replays_each_lights_latest_state(nats_gw, hub):
    lights = await nats_gw.get("/lights")
    js = hub.jetstream(domain="site1")
    subscription = await js.subscribe(
        "zigbridge.site1.lights.*",
        stream="zigbridge-site1",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.LAST_PER_SUBJECT),
    )
    latest: dict[str, Any] = {}
    try:
        async with asyncio.timeout(15):
            while set(latest) != set(lights):
                message = await subscription.next_msg(timeout=10)
                latest[message.subject.rsplit(".", 1)[1]] = json.loads(message.data)
                await message.ack()
    finally:
        await subscription.unsubscribe()
    for rid, light in latest.items():
        now = await nats_gw.get(f"/lights/{rid}")
        assert light["state"] == now["state"]


def _keep(into: list[Any]) -> Any:
    async def callback(message: Any) -> None:
        into.append(message)

    return callback
