"""Renames, deletes and device search over REST, with the websocket events they cause."""

from __future__ import annotations

from radio.sim import catalogue
from tests.gateway.conftest import Running, WsClient


async def test_rename_light_and_sensor_push_attr_events(gw: Running, ws: WsClient):
    lid, light = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    r = await gw.put(f"/lights/{lid}", {"name": "Bedside"})
    assert r.json() == [{"success": {f"/lights/{lid}/name": "Bedside"}}]
    event = await ws.wait(lambda e: e.get("id") == lid and e.get("r") == "lights" and "attr" in e)
    assert event["attr"]["name"] == "Bedside" and event["uniqueid"] == light["uniqueid"]

    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    r = await gw.put(f"/sensors/{sid}", {"name": "Nursery"})
    assert r.json() == [{"success": {f"/sensors/{sid}/name": "Nursery"}}]
    assert (await gw.get(f"/sensors/{sid}"))["name"] == "Nursery"


async def test_delete_light_sensor_and_group(gw: Running, ws: WsClient):
    lid, light = await gw.find("lights", lambda light: light["type"] == "Color temperature light")
    r = await gw.http.delete(f"/api/{gw.key}/lights/{lid}")
    assert r.json() == [{"success": {"id": lid}}]
    event = await ws.wait(lambda e: e.get("e") == "deleted" and e.get("r") == "lights")
    assert (event["id"], event["uniqueid"]) == (lid, light["uniqueid"])
    assert (await gw.http.get(f"/api/{gw.key}/lights/{lid}")).status_code == 404

    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHAWater")
    r = await gw.http.delete(f"/api/{gw.key}/sensors/{sid}")
    assert r.json() == [{"success": {"id": sid}}]
    await ws.wait(lambda e: e.get("e") == "deleted" and e.get("r") == "sensors")
    assert sid not in await gw.get("/sensors")

    gid = (await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Tmp"})).json()
    gid = gid[0]["success"]["id"]
    r = await gw.http.delete(f"/api/{gw.key}/groups/{gid}")
    assert r.json() == [{"success": {"id": gid}}]
    event = await ws.wait(lambda e: e.get("e") == "deleted" and e.get("r") == "groups")
    assert event == {"e": "deleted", "id": gid, "r": "groups", "t": "event"}


async def test_search_opens_the_network(gw: Running):
    r = await gw.http.post(f"/api/{gw.key}/lights")
    assert r.json() == [
        {"success": {"/lights": "Searching for new devices", "/lights/duration": 60}}
    ]
    assert gw.daemon.radio.app.permitting_joins
    assert (await gw.get("/lights/new"))["lastscan"]
    r = await gw.put("/config", {"permitjoin": 0})
    assert r.json() == [{"success": {"/config/permitjoin": 0}}]
    assert not gw.daemon.radio.app.permitting_joins


async def test_a_device_joining_appears_with_an_added_event(gw: Running, ws: WsClient):
    await gw.http.post(f"/api/{gw.key}/sensors")
    sensor = catalogue.door_contact("00:5a:49:47:00:00:99:01", 0x9901, name="Garage door")
    gw.network.join(sensor)
    event = await ws.wait(lambda e: e.get("e") == "added" and e.get("r") == "sensors")
    assert event["sensor"]["type"] == "ZHAOpenClose"
    assert event["uniqueid"].startswith("00:5a:49:47:00:00:99:01-01-0500")
    assert event["id"] in await gw.get("/sensors")
