"""Retained state on a real Mosquitto: every resource as REST shows it, kept current."""

from __future__ import annotations

import pytest

from tests.brokers import MqttWatcher, retained
from tests.gateway.conftest import until

from .conftest import complete, eventually, module_gateway, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


gw = module_gateway("state")


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
    await eventually(lambda: complete(gw, mosquitto), 15, "every resource retained")
    kept = await retained(mosquitto.url, f"{root(gw)}/lights/+")
    assert len(kept) == len(await gw.get("/lights"))


async def test_a_rest_change_updates_the_retained_state(gw, mosquitto):
    lid, _ = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    topic = f"{root(gw)}/lights/{lid}"
    async with MqttWatcher(mosquitto.url, topic) as watcher:
        r = await gw.put(f"/lights/{lid}/state", {"on": True, "bri": 77})
        assert r.status_code == 200, r.text
        changed = await watcher.wait(lambda m: m.json()["state"]["bri"] == 77)
    assert changed.json() == await gw.get(f"/lights/{lid}")


async def test_a_radio_report_updates_the_retained_state_and_the_event_stream(gw, mosquitto):
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    async with MqttWatcher(mosquitto.url, f"{root(gw)}/sensors/{sid}", f"{root(gw)}/events") as w:
        gw.network.emit(gw.sim("SIM-TH1").report(None, "temperature", {"measured_value": 2345}))
        state = await w.wait(
            lambda m: not m.topic.endswith("/events") and m.json()["state"]["temperature"] == 2345
        )
        event = await w.wait(
            lambda m: (
                m.topic.endswith("/events") and m.json().get("state", {}).get("temperature") == 2345
            )
        )
    assert not event.retain
    event = event.json()
    assert event["r"] == "sensors" and event["id"] == sid and event["e"] == "changed"
    assert isinstance(event["seq"], int) and event["seq"] > 0
    assert state.json() == await gw.get(f"/sensors/{sid}")
    kept = await retained(mosquitto.url, f"{root(gw)}/sensors/{sid}")
    assert kept[f"{root(gw)}/sensors/{sid}"].json() == state.json()


async def test_a_button_press_is_an_event_not_a_retained_state(gw, mosquitto):
    sid, _ = await gw.find(
        "sensors", lambda s: s["modelid"] == "SIM-RC4" and s["type"] == "ZHASwitch"
    )
    async with MqttWatcher(mosquitto.url, f"{root(gw)}/sensors/{sid}/event") as watcher:
        gw.network.emit(gw.sim("SIM-RC4").press(1))
        press = await watcher.wait(lambda m: True)
        gw.network.emit(gw.sim("SIM-RC4").press(1))
        await until(lambda: len(watcher.messages) == 2, what="the second, identical press")
    assert not press.retain and press.json()["buttonevent"] == 1002
    # a new subscriber gets no press: nothing fires again from a retained message
    assert await retained(mosquitto.url, f"{root(gw)}/sensors/{sid}/event") == {}


async def test_a_deleted_resource_leaves_an_empty_retained_message(gw, mosquitto):
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Short-lived"})
    gid = r.json()[0]["success"]["id"]
    topic = f"{root(gw)}/groups/{gid}"
    async with MqttWatcher(mosquitto.url, topic) as watcher:
        await watcher.wait(lambda m: m.payload and m.json()["name"] == "Short-lived")
        r = await gw.http.delete(f"/api/{gw.key}/groups/{gid}")
        assert r.status_code == 200, r.text
        await watcher.wait(lambda m: m.payload == b"")
    assert await retained(mosquitto.url, topic) == {}  # the broker keeps nothing for it


async def test_bridge_info_follows_permit_join(gw, mosquitto):
    async with MqttWatcher(mosquitto.url, f"{root(gw)}/bridge/info") as watcher:
        r = await gw.put("/config", {"permitjoin": 60})
        assert r.status_code == 200, r.text
        opened = await watcher.wait(lambda m: m.json()["permit_join_remaining"] > 0)
        assert 50 <= opened.json()["permit_join_remaining"] <= 60
        r = await gw.put("/config", {"permitjoin": 0})
        await watcher.wait(lambda m: m.json()["permit_join_remaining"] == 0)
