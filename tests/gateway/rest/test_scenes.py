"""Scenes over REST on the running daemon: per-light scene states reach the light as a
Scenes add with extension fields, and GET shows the stored values."""

from __future__ import annotations

from tests.gateway.conftest import Running


async def test_scene_light_state_edit_reaches_the_light(gw: Running):
    lid, _ = await gw.find("lights", lambda light: light["type"] == "Extended color light")
    gid = (await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Lounge"})).json()
    gid = gid[0]["success"]["id"]
    await gw.put(f"/groups/{gid}", {"lights": [lid]})
    r = await gw.http.post(f"/api/{gw.key}/groups/{gid}/scenes", json={"name": "Film"})
    sid = r.json()[0]["success"]["id"]
    listing = await gw.get(f"/groups/{gid}/scenes")
    assert listing[sid]["name"] == "Film" and listing[sid]["lights"] == [lid]

    ieee = (await gw.get(f"/lights/{lid}"))["uniqueid"].split("-")[0]
    sim = gw.network.get(ieee)
    before = len(sim.received)
    r = await gw.put(
        f"/groups/{gid}/scenes/{sid}/lights/{lid}/state",
        {"on": True, "bri": 50, "xy": [0.3, 0.3], "transitiontime": 20},
    )
    assert r.status_code == 200, r.text
    assert all("success" in item for item in r.json()), r.json()
    scene = await gw.get(f"/groups/{gid}/scenes/{sid}")
    (entry,) = scene["lights"]
    assert (entry["id"], entry["on"], entry["bri"]) == (lid, True, 50)
    assert (entry["x"], entry["y"]) == (0.3, 0.3)
    sent = [c for c in sim.received[before:] if c.cluster == 0x0005]
    assert sent and sent[-1].command_name in ("add", "enhanced_add"), sim.received[before:]
    assert sent[-1].args["group_id"] == int(gid) and sent[-1].args["scene_id"] == int(sid)

    r = await gw.http.delete(f"/api/{gw.key}/groups/{gid}/scenes/{sid}")
    assert r.json() == [{"success": {"id": sid}}]
    assert (await gw.http.get(f"/api/{gw.key}/groups/{gid}/scenes/{sid}")).status_code == 404


async def test_storing_a_scene_with_a_transition_keeps_it_in_the_scene(gw: Running):
    lid, _ = await gw.find("lights", lambda light: light["type"] == "Extended color light")
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Hall"})
    gid = r.json()[0]["success"]["id"]
    await gw.put(f"/groups/{gid}", {"lights": [lid]})
    r = await gw.http.post(f"/api/{gw.key}/groups/{gid}/scenes", json={"name": "Dusk"})
    sid = r.json()[0]["success"]["id"]
    assert (await gw.get(f"/groups/{gid}/scenes"))[sid]["transitiontime"] == 10
    r = await gw.put(f"/groups/{gid}/scenes/{sid}/store", {"transitiontime": 50})
    assert r.json() == [{"success": {"id": sid}}]
    assert (await gw.get(f"/groups/{gid}/scenes"))[sid]["transitiontime"] == 50
    (entry,) = (await gw.get(f"/groups/{gid}/scenes/{sid}"))["lights"]
    assert entry["transitiontime"] == 50
    r = await gw.put(f"/groups/{gid}/scenes/{sid}/store", {})  # no transition: kept
    assert (await gw.get(f"/groups/{gid}/scenes"))[sid]["transitiontime"] == 50
