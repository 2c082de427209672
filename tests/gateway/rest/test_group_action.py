"""`PUT /groups/<id>/action` on the running daemon: what each member's state shows at once
(before any device reports) is what the command does to that light, not the group's
cached action value."""

from __future__ import annotations

import asyncio

from tests.gateway.conftest import Running, WsClient, until


async def test_a_brightness_step_moves_each_on_member_from_its_own_level(gw: Running, ws: WsClient):
    lights = await gw.get("/lights")
    # lamps with a level (a covering's legacy `bri` is its position, not a brightness)
    dimmable = [i for i, x in lights.items() if "bri" in x["state"] and "lift" not in x["state"]]
    on, off = dimmable[:2]
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Desk"})
    gid = r.json()[0]["success"]["id"]
    assert (await gw.put(f"/groups/{gid}", {"lights": [on, off]})).status_code == 200
    await gw.put(f"/lights/{on}/state", {"on": True, "bri": 100})
    await gw.put(f"/lights/{off}/state", {"on": True, "bri": 50})
    await gw.put(f"/lights/{off}/state", {"on": False})
    states = {}

    async def settled() -> bool:
        for lid in (on, off):
            states[lid] = (await gw.get(f"/lights/{lid}"))["state"]
        return states[on]["bri"] == 100 and states[off] | {"bri": 50, "on": False} == states[off]

    await until_async(settled)
    action_bri = (await gw.get(f"/groups/{gid}"))["action"]["bri"]
    assert action_bri not in (100, 50)  # else the old mistake would not show
    seen = len(ws.events)

    r = await gw.put(f"/groups/{gid}/action", {"bri_inc": 20})
    assert r.json() == [{"success": {f"/groups/{gid}/action/bri_inc": 20}}]
    first = await until(
        lambda: next(
            (e for e in ws.events[seen:] if e.get("id") == on and "bri" in e.get("state", {})),
            None,
        ),
        what="the member's state event",
    )
    assert first["state"]["bri"] == 120  # its own 100 + 20, not the group's action value
    pushed = [e["state"]["bri"] for e in ws.events[seen:] if "bri" in e.get("state", {})]
    assert action_bri + 20 not in pushed
    assert (await gw.get(f"/lights/{on}"))["state"]["bri"] == 120


async def until_async(check) -> None:
    async with asyncio.timeout(10):
        while not await check():
            await asyncio.sleep(0.02)
