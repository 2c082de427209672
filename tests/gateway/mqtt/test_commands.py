"""Commands from the broker: `/set` topics and `bridge/request` change lights, groups and
sensor config exactly as REST does, and anything malformed is answered, never obeyed."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio
from zigpy.zcl.clusters.general import LevelControl, OnOff
from zigpy.zcl.clusters.measurement import OccupancySensing

from tests.brokers import MqttWatcher
from tests.gateway.conftest import until

from .conftest import module_gateway, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


gw = module_gateway("commands")


@pytest_asyncio.fixture(loop_scope="module")
async def responses(gw, mosquitto):
    async with MqttWatcher(mosquitto.url, f"{root(gw)}/bridge/response") as watcher:
        yield watcher


async def command(watcher: MqttWatcher, topic: str, payload, match) -> dict:
    """Publish a command and return its answer (`match` picks it out of the responses)."""
    seen = len(watcher.messages)
    await watcher.publish(topic, payload)
    answer = await watcher.wait(lambda m: m in watcher.messages[seen:] and match(m.json()))
    return answer.json()


def for_topic(topic: str):
    return lambda answer: answer.get("topic") == topic


async def dimmable(gw) -> str:
    lid, _ = await gw.find("lights", lambda light: light["modelid"] == "SIM-DL1")
    return lid


async def test_light_set_reaches_the_device_and_answers_as_rest(gw, responses):
    lid = await dimmable(gw)
    topic = f"{root(gw)}/lights/{lid}/set"
    answer = await command(responses, topic, {"on": True, "bri": 90}, for_topic(topic))
    sim = gw.sim("SIM-DL1")
    await until(lambda: sim.get(None, LevelControl, "current_level") == 90, what="the level")
    assert (await gw.get(f"/lights/{lid}"))["state"]["bri"] == 90
    rest = await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 90})
    assert answer == {
        "transaction": None,
        "topic": topic,
        "status": rest.status_code,
        "body": rest.json(),
    }


async def test_group_set_switches_its_lights(gw, responses):
    lid = await dimmable(gw)
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "MQTT group"})
    gid = r.json()[0]["success"]["id"]
    assert (await gw.put(f"/groups/{gid}", {"lights": [lid]})).status_code == 200
    topic = f"{root(gw)}/groups/{gid}/set"
    answer = await command(responses, topic, {"on": False}, for_topic(topic))
    assert answer["status"] == 200
    assert answer["body"] == [{"success": {f"/groups/{gid}/action/on": False}}]
    sim = gw.sim("SIM-DL1")
    await until(lambda: not sim.get(None, OnOff, "on_off"), what="the light off")


async def test_sensor_config_set_reaches_the_device(gw, responses):
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHAPresence")
    topic = f"{root(gw)}/sensors/{sid}/config/set"
    answer = await command(responses, topic, {"delay": 50}, for_topic(topic))
    assert answer["status"] == 200
    assert answer["body"] == [{"success": {f"/sensors/{sid}/config/delay": 50}}]
    sim = gw.sim("SIM-MS1")
    await until(lambda: sim.get(None, OccupancySensing, "pir_o_to_u_delay") == 50, what="delay")
    assert (await gw.get(f"/sensors/{sid}"))["config"]["delay"] == 50


async def test_bridge_request_does_what_rest_does_and_echoes_the_transaction(gw, responses):
    request = f"{root(gw)}/bridge/request"
    lid = await dimmable(gw)
    answer = await command(
        responses,
        request,
        {
            "method": "PUT",
            "path": f"/lights/{lid}/state",
            "body": {"on": True, "bri": 33},
            "transaction": "t1",
        },
        lambda a: a["transaction"] == "t1",
    )
    assert answer["status"] == 200
    assert {"success": {f"/lights/{lid}/state/bri": 33}} in answer["body"]
    sim = gw.sim("SIM-DL1")
    await until(lambda: sim.get(None, LevelControl, "current_level") == 33, what="the level")

    answer = await command(
        responses,
        request,
        {"method": "GET", "path": f"/lights/{lid}", "transaction": 2},
        lambda a: a["transaction"] == 2,
    )
    assert answer["status"] == 200 and answer["body"] == await gw.get(f"/lights/{lid}")

    answer = await command(
        responses,
        request,
        {"method": "POST", "path": "/groups", "body": {"name": "Made by MQTT"}, "transaction": 3},
        lambda a: a["transaction"] == 3,
    )
    gid = answer["body"][0]["success"]["id"]
    assert (await gw.get(f"/groups/{gid}"))["name"] == "Made by MQTT"


async def test_bridge_request_takes_a_query_string_as_rest_does(gw, responses):
    """`path` is what follows /api/<key> in a URL, a query string included: a sensor's
    history, its parameters and their errors answer as REST answers them."""
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    request = f"{root(gw)}/bridge/request"
    for n, query in enumerate(("keys=temperature&limit=2", "limit=abc"), start=1):
        path = f"/sensors/{sid}/history?{query}"
        answer = await command(
            responses,
            request,
            {"method": "GET", "path": path, "transaction": f"h{n}"},
            lambda a, n=n: a["transaction"] == f"h{n}",
        )
        rest = await gw.http.get(f"/api/{gw.key}{path}")
        assert (answer["status"], answer["body"]) == (rest.status_code, rest.json()), query


MALFORMED_REQUESTS = [
    (b"{not json", None),
    (b"[1, 2]", None),
    (json.dumps({"path": "/lights", "transaction": "m1"}).encode(), "m1"),
    (json.dumps({"method": "PATCH", "path": "/lights", "transaction": "m2"}).encode(), "m2"),
    (json.dumps({"method": "GET", "path": 7, "transaction": "m3"}).encode(), "m3"),
    (json.dumps({"method": "GET", "path": "/nothing/here", "transaction": "m4"}).encode(), "m4"),
    (json.dumps({"method": "PUT", "path": "/lights/999/state", "body": {"on": True},
                 "transaction": "m5"}).encode(), "m5"),
    (json.dumps({"method": "PUT", "path": "/lights/1/state", "body": {"bri": "much"},
                 "transaction": "m6"}).encode(), "m6"),
]  # fmt: skip


@pytest.mark.parametrize(("payload", "transaction"), MALFORMED_REQUESTS)
async def test_a_malformed_request_is_answered_with_an_error_and_changes_nothing(
    gw, responses, payload, transaction
):
    before = {k: await gw.get(f"/{k}") for k in ("lights", "groups")}
    seen = len(responses.messages)
    await responses.publish(f"{root(gw)}/bridge/request", payload)
    answer = (await responses.wait(lambda m: m in responses.messages[seen:])).json()
    assert answer["transaction"] == transaction
    assert answer["body"] and all("error" in item for item in answer["body"])
    assert answer["body"][0]["error"]["type"] in (2, 3, 4, 7)
    assert {k: await gw.get(f"/{k}") for k in ("lights", "groups")} == before


@pytest.mark.parametrize("payload", [b"", b"{", b"\xff\xfe", b'"on"', b'{"on": "yes"}'])
async def test_a_malformed_set_is_answered_as_rest_answers_it(gw, responses, payload):
    lid = await dimmable(gw)
    before = await gw.get(f"/lights/{lid}")
    topic = f"{root(gw)}/lights/{lid}/set"
    answer = await command(responses, topic, payload, for_topic(topic))
    rest = await gw.http.put(f"/api/{gw.key}/lights/{lid}/state", content=payload)
    assert answer["status"] == rest.status_code
    assert answer["body"] == rest.json() and all("error" in item for item in answer["body"])
    assert await gw.get(f"/lights/{lid}") == before


async def test_a_set_for_a_missing_light_is_error_3(gw, responses):
    topic = f"{root(gw)}/lights/4242/set"
    answer = await command(responses, topic, {"on": True}, for_topic(topic))
    assert answer["status"] == 404 and answer["body"][0]["error"]["type"] == 3
    # and the bridge goes on answering
    lid = await dimmable(gw)
    topic = f"{root(gw)}/lights/{lid}/set"
    assert (await command(responses, topic, {"on": True}, for_topic(topic)))["status"] == 200


async def test_commands_use_the_bridges_own_key(gw):
    whitelist = (await gw.get("/config"))["whitelist"]
    mine = [v for v in whitelist.values() if v["name"] == "zigbridge#mqtt"]
    assert len(mine) == 1 and mine[0]["scope"] == "control"  # commands write


async def test_answers_carry_no_other_key_and_no_network_key(gw, responses):
    """Everyone subscribed to bridge/response reads every answer: no whitelist entry but
    the bridge's own, and no network backup (REST and `zigbridge backup` keep it)."""
    request = f"{root(gw)}/bridge/request"
    ours = {
        k
        for k, v in (await gw.get("/config"))["whitelist"].items()
        if v["name"] == "zigbridge#mqtt"
    }
    assert gw.key not in ours
    for n, path in enumerate(("/config", "/")):
        answer = await command(
            responses,
            request,
            {"method": "GET", "path": path, "transaction": f"w{n}"},
            lambda a, n=n: a["transaction"] == f"w{n}",
        )
        body = answer["body"] if path == "/config" else answer["body"]["config"]
        assert answer["status"] == 200 and set(body["whitelist"]) == ours, path
    answer = await command(
        responses,
        request,
        {"method": "GET", "path": "/config/zigbee/backup", "transaction": "b"},
        lambda a: a["transaction"] == "b",
    )
    assert answer["status"] == 403
    assert answer["body"][0]["error"]["type"] == 1
    assert "network_key" not in json.dumps(answer)
