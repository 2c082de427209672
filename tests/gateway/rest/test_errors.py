"""Bad input over real HTTP: every case gets deCONZ's documented error, as JSON."""

from __future__ import annotations

import re

import pytest

from tests.gateway.conftest import Running


def error(r, type_: int, address: str | None = None) -> dict:
    assert r.headers["content-type"].startswith("application/json"), r.headers
    body = r.json()
    assert isinstance(body, list) and "error" in body[0], body
    err = body[0]["error"]
    assert err["type"] == type_, body
    if address is not None:
        assert err["address"] == address, body
    assert set(err) == {"type", "address", "description"}
    return err


async def light_id(gw: Running, type_: str = "Dimmable light") -> str:
    lid, _ = await gw.find("lights", lambda light: light["type"] == type_)
    return lid


async def test_bad_key_is_403_type_1(gw: Running):
    r = await gw.http.get("/api/0123456789/lights")
    assert r.status_code == 403
    assert error(r, 1, "/lights")["description"] == "unauthorized user"
    r = await gw.http.put("/api/nope/lights/1/state", json={"on": True})
    assert r.status_code == 403
    error(r, 1, "/lights/1/state")


async def test_config_with_a_bad_key_is_the_public_subset(gw: Running):
    r = await gw.http.get("/api/0123456789/config")
    assert r.status_code == 200
    body = r.json()
    assert body["bridgeid"].startswith("00212EFFFF") and "whitelist" not in body
    assert (await gw.http.get("/api/config")).json() == body


async def test_invalid_json_is_400_type_2(gw: Running):
    lid = await light_id(gw)
    for raw in (b"{", b"[1,2]", b'"on"', b"\xff\xfe", b"", b'{"on": NaN}'):
        r = await gw.http.put(f"/api/{gw.key}/lights/{lid}/state", content=raw)
        assert r.status_code == 400, raw
        error(r, 2)


async def test_body_over_64_kib_is_refused_without_reading_it(gw: Running):
    lid = await light_id(gw)
    r = await gw.http.put(
        f"/api/{gw.key}/lights/{lid}/state", content=b'{"on":true,"x":"' + b"a" * 70000 + b'"}'
    )
    assert r.status_code == 413
    assert "too large" in error(r, 2)["description"]


async def test_wrong_types_and_out_of_range_values_are_type_7_and_others_still_run(
    gw: Running,
):
    lid = await light_id(gw)
    r = await gw.put(f"/lights/{lid}/state", {"bri": 300, "on": "yes", "alert": "none"})
    assert r.status_code == 200  # deCONZ: partial success on light state
    body = r.json()
    errors = [item["error"] for item in body if "error" in item]
    assert {e["type"] for e in errors} == {7}
    assert {e["address"] for e in errors} == {f"/lights/{lid}/state/bri", f"/lights/{lid}/state/on"}
    assert {"success": {f"/lights/{lid}/state/alert": "none"}} in body
    # errors come before successes (pydeconz only looks at item 0)
    assert "error" in body[0]

    r = await gw.put(f"/lights/{lid}/state", {"on": True, "bogus": 1})
    assert r.status_code == 200
    assert r.json()[0]["error"]["type"] == 6


async def test_unknown_ids_paths_and_methods(gw: Running):
    r = await gw.http.get(f"/api/{gw.key}/lights/999")
    assert r.status_code == 404
    error(r, 3, "/lights/999")
    r = await gw.put("/lights/999/state", {"on": True})
    assert r.status_code == 404
    error(r, 3, "/lights/999")
    r = await gw.http.get(f"/api/{gw.key}/groups/77/scenes/3")
    assert r.status_code == 404
    error(r, 3)
    r = await gw.http.get(f"/api/{gw.key}/nothing/here")
    assert r.status_code == 404
    error(r, 3, "/nothing/here")
    r = await gw.http.post(f"/api/{gw.key}/nothing")
    assert r.status_code == 404
    error(r, 4, "/nothing")
    r = await gw.http.delete(f"/api/{gw.key}/config")
    assert r.status_code == 404
    assert (
        error(r, 4, "/config")["description"]
        == "method, DELETE, not available for resource, /config"
    )
    r = await gw.http.get("/favicon.ico")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")


async def test_group_action_bad_value_is_400_and_sends_nothing(gw: Running):
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "G"})
    gid = r.json()[0]["success"]["id"]
    lid = await light_id(gw)
    assert (await gw.put(f"/groups/{gid}", {"lights": [lid]})).status_code == 200
    sim = gw.sim("SIM-DL1")
    before = len(sim.received)
    r = await gw.put(f"/groups/{gid}/action", {"on": False, "bri": "max"})
    assert r.status_code == 400
    error(r, 7)
    assert len(sim.received) == before


async def test_post_api_rules(gw: Running):
    r = await gw.http.post("/api", json={"devicetype": "x"})
    assert r.status_code == 403
    assert error(r, 101, "/")["description"] == "link button not pressed"
    await gw.put("/config", {"unlock": 30})
    r = await gw.http.post("/api", content=b"nope")
    assert r.status_code == 400
    error(r, 2)
    r = await gw.http.post("/api", json={"username": "abcdefghijk"})
    assert r.status_code == 400
    error(r, 5)
    r = await gw.http.post("/api", json={"devicetype": "x", "username": 12})
    assert r.status_code == 400
    error(r, 7)
    r = await gw.http.post("/api", json={"devicetype": "dashboard"})
    key = r.json()[0]["success"]["username"]
    assert re.fullmatch("[0-9A-F]{10}", key), key
    whitelist = (await gw.get("/config"))["whitelist"]
    assert whitelist[key]["name"] == "dashboard"
    r = await gw.http.delete(f"/api/{gw.key}/config/whitelist/{key}")
    assert r.json() == [{"success": f"/config/whitelist/{key} deleted."}]
    assert (await gw.http.get(f"/api/{key}/lights")).status_code == 403


async def test_etags_and_304(gw: Running):
    lid = await light_id(gw)
    r = await gw.http.get(f"/api/{gw.key}/lights/{lid}")
    etag = r.headers["etag"]
    assert etag.startswith('"') and etag.strip('"') == r.json()["etag"]
    r2 = await gw.http.get(f"/api/{gw.key}/lights/{lid}", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    await gw.put(f"/lights/{lid}", {"name": "Reading lamp"})
    r3 = await gw.http.get(f"/api/{gw.key}/lights/{lid}", headers={"If-None-Match": etag})
    assert r3.status_code == 200 and r3.json()["name"] == "Reading lamp"


@pytest.mark.parametrize("path", ["", "/config", "/lights", "/sensors", "/groups"])
async def test_every_reply_is_compact_json(gw: Running, path: str):
    r = await gw.http.get(f"/api/{gw.key}{path}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert b": " not in r.content[:200] and b", " not in r.content[:200]
    assert r.headers["access-control-allow-origin"] == "*"


async def test_network_down_is_503_type_950(gw: Running):
    lid = await light_id(gw)
    await gw.daemon.radio.stop()
    r = await gw.put(f"/lights/{lid}/state", {"on": True})
    assert r.status_code == 503
    error(r, 950)
    # reads keep working from the stored state
    assert (await gw.http.get(f"/api/{gw.key}/lights/{lid}")).status_code == 200
