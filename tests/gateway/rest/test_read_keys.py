"""Read-only API keys over real HTTP on a running daemon: a read key gets every GET and is
refused (deCONZ error 1, HTTP 403) on every route that writes, and nothing changes, neither
what REST shows nor what the simulated devices receive."""

from __future__ import annotations

import base64

import pytest
import pytest_asyncio

from gateway.app.handlers import router
from tests.gateway.conftest import Running, start_daemon, stop_daemon
from tests.gateway.rest.test_fuzz import scrub  # what a request may change by itself: dates

pytestmark = pytest.mark.asyncio(loop_scope="module")


class Home:
    """The daemon, a control key (`gw.key`), a read key, and one id of each kind."""

    def __init__(self, gw: Running, read: str, ids: dict[str, str]):
        self.gw, self.read, self.ids = gw, read, ids


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def home(tmp_path_factory):
    gw = await start_daemon(tmp_path_factory.mktemp("readkeys"))
    try:
        password = (gw.data_dir / "password").read_text().strip()
        auth = "Basic " + base64.b64encode(f"me:{password}".encode()).decode()
        r = await gw.http.post(
            "/api", json={"devicetype": "wall-tablet", "scope": "read"},
            headers={"Authorization": auth},
        )  # fmt: skip
        read = r.json()[0]["success"]["username"]
        lid, _ = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
        sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
        gid = (await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Den"})).json()
        gid = gid[0]["success"]["id"]
        await gw.put(f"/groups/{gid}", {"lights": [lid]})
        scene = await gw.http.post(f"/api/{gw.key}/groups/{gid}/scenes", json={"name": "S"})
        ids = {
            "lights": lid,
            "sensors": sid,
            "groups": gid,
            "sid": scene.json()[0]["success"]["id"],
        }
        yield Home(gw, read, ids)
    finally:
        await stop_daemon(gw)


def concrete(parts: tuple[str, ...], home: Home) -> str:
    """A route's path with real ids for its placeholders."""
    out: list[str] = []
    for part in parts:
        if part in ("{id}", "{gid}"):
            out.append(home.ids[out[-1]])
        elif part == "{sid}":
            out.append(home.ids["sid"])
        elif part == "{lid}":
            out.append(home.ids["lights"])
        elif part == "{key2}":
            out.append(home.read)  # not even itself
        else:
            out.append(part)
    return "/" + "/".join(out)


WRITES = sorted({(r.method, r.parts) for r in router._routes if r.method != "GET"})
BODIES = {"PUT": {"on": False, "name": "Taken", "bri": 1, "lights": [], "offset": 5}, "POST": {}}


def received(home: Home) -> int:
    return sum(len(d.received) + len(d.received_general) for d in home.gw.daemon.demo.devices)


@pytest.mark.parametrize(
    ("method", "parts"), WRITES, ids=[f"{m} /{'/'.join(p)}" for m, p in WRITES]
)
async def test_every_write_route_refuses_a_read_key(home: Home, method: str, parts):
    gw = home.gw
    path = concrete(parts, home)
    before, sent = scrub(await gw.get("")), received(home)
    r = await gw.http.request(method, f"/api/{home.read}{path}", json=BODIES.get(method))
    assert r.status_code == 403
    assert r.json() == [{"error": {"type": 1, "address": path, "description": "unauthorized user"}}]
    assert scrub(await gw.get("")) == before
    assert received(home) == sent
    assert home.read in gw.gateway.auth.keys


async def test_the_same_writes_work_with_a_control_key(home: Home):
    """The refusals above are the scope's doing: the control key may write there."""
    gw = home.gw
    lid = home.ids["lights"]
    sent = received(home)
    r = await gw.put(f"/lights/{lid}/state", {"on": False})
    assert r.json() == [{"success": {f"/lights/{lid}/state/on": False}}]
    assert (await gw.get(f"/lights/{lid}"))["state"]["on"] is False
    assert received(home) > sent  # so `received` would have seen a command get through


@pytest.mark.parametrize(
    "path", ["", "/lights", "/lights/{lights}", "/sensors", "/sensors/{sensors}", "/groups",
             "/groups/{groups}", "/groups/{groups}/scenes", "/groups/{groups}/scenes/{sid}",
             "/config", "/lights/new", "/scenes", "/rules"],
)  # fmt: skip
async def test_a_read_key_reads_what_a_control_key_reads(home: Home, path: str):
    gw = home.gw
    path = path.format(**home.ids)
    r = await gw.http.get(f"/api/{home.read}{path}")
    assert r.status_code == 200
    mine, theirs = scrub(r.json()), scrub(await gw.get(path))
    for body in (mine, theirs):  # the whitelist is the one difference, tested below
        (body.get("config") or body).pop("whitelist", None)
    assert mine == theirs


async def test_a_read_key_sees_only_itself_in_the_whitelist(home: Home):
    gw = home.gw
    r = await gw.http.get(f"/api/{home.read}/config")
    assert list(r.json()["whitelist"]) == [home.read]
    assert r.json()["whitelist"][home.read]["scope"] == "read"
    everyone = (await gw.get("/config"))["whitelist"]
    assert everyone[gw.key]["scope"] == "control" and home.read in everyone


async def test_post_api_scope_validation_over_http(home: Home):
    gw = home.gw
    keys = set((await gw.get("/config"))["whitelist"])
    password = (gw.data_dir / "password").read_text().strip()
    auth = "Basic " + base64.b64encode(f"me:{password}".encode()).decode()
    r = await gw.http.post(
        "/api", json={"devicetype": "x", "scope": "admin"}, headers={"Authorization": auth}
    )
    assert r.status_code == 400
    assert r.json() == [
        {
            "error": {
                "type": 7,
                "address": "/scope",
                "description": "invalid value, admin, for parameter, scope",
            }
        }
    ]
    assert set((await gw.get("/config"))["whitelist"]) == keys
