"""API keys through the dispatcher: creating read keys with `POST /api`, what a read key may
do (every GET) and may not (anything else, error 1, nothing changed), and what it sees of
the other keys. A real Gateway on SQLite in tmp_path, on the fake radio."""

from __future__ import annotations

import json

import pytest

from gateway.app.gateway import Gateway
from gateway.app.requests import Reply, Request, dispatch
from radio.controller import RadioSettings
from tests.gateway.app.conftest import Client, FakeRadio, error_of, light_id, state_of


async def post_api(client: Client, body: dict) -> Reply:
    client.gw.auth.unlock(60)
    return await dispatch(client.gw, Request("POST", None, "/", json.dumps(body).encode()))


async def read_key(client: Client, name: str = "dashboard") -> str:
    reply = await post_api(client, {"devicetype": name, "scope": "read"})
    assert reply.status == 200, reply
    client.gw.auth.unlock(0)
    return reply.body[0]["success"]["username"]


async def as_key(client: Client, key: str, method: str, path: str, body: bytes = b"") -> Reply:
    return await dispatch(client.gw, Request(method, key, path, body))


def without_whitelist(body: dict) -> dict:
    """The body with the whitelist left out: what differs between scopes (below)."""
    if "config" in body:
        return {**body, "config": without_whitelist(body["config"])}
    return {k: v for k, v in body.items() if k != "whitelist"}


async def test_post_api_makes_a_read_key_when_asked(client: Client):
    key = await read_key(client)
    assert client.gw.auth.lookup(key).scope == "read"
    assert client.gw.auth.lookup(client.key).scope == "control"
    whitelist = (await client("GET", "/config")).body["whitelist"]
    assert whitelist[key]["scope"] == "read" and whitelist[key]["name"] == "dashboard"
    assert whitelist[client.key]["scope"] == "control"


@pytest.mark.parametrize("scope", ["admin", "Read", None, 0, ["read"]])
async def test_a_bad_scope_is_error_7_and_creates_nothing(client: Client, scope):
    keys = set(client.gw.auth.keys)
    reply = await post_api(client, {"devicetype": "dashboard", "scope": scope})
    assert reply.status == 400 and error_of(reply) == (7, "/scope")
    assert set(client.gw.auth.keys) == keys


async def test_a_key_never_changes_scope(client: Client):
    reply = await post_api(client, {"devicetype": "app", "username": client.key, "scope": "read"})
    assert reply.status == 400 and error_of(reply) == (7, "/scope")
    assert client.gw.auth.lookup(client.key).scope == "control"
    same = await post_api(client, {"devicetype": "app", "username": client.key})
    assert same == Reply(200, [{"success": {"username": client.key}}])
    # deCONZ hands a devicetype's new key back for 30 s; never across scopes
    first = await read_key(client, "tablet")
    assert await read_key(client, "tablet") == first
    control = (await post_api(client, {"devicetype": "tablet"})).body[0]["success"]["username"]
    assert control != first and client.gw.auth.lookup(control).scope == "control"


async def test_a_read_key_reads_everything(client: Client):
    key = await read_key(client)
    lid = light_id(client)
    for path in ("/", "/lights", f"/lights/{lid}", "/sensors", "/groups", "/config"):
        reply = await as_key(client, key, "GET", path)
        assert reply.status == 200
        assert without_whitelist(reply.body) == without_whitelist((await client("GET", path)).body)
    full = await as_key(client, key, "GET", "/")
    assert full.body["lights"][lid]["state"]["on"] is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/lights/{lid}/state", b'{"on": false}'),
        ("PUT", "/lights/{lid}", b'{"name": "Renamed"}'),
        ("DELETE", "/lights/{lid}", b""),
        ("POST", "/groups", b'{"name": "Kitchen"}'),
        ("PUT", "/groups/0/action", b'{"on": false}'),
        ("PUT", "/config", b'{"name": "Mine now", "unlock": 60}'),
        ("POST", "/lights", b""),
        ("DELETE", "/config/whitelist/{key}", b""),
        ("DELETE", "/config/whitelist/{control}", b""),
        ("POST", "/nothing/here", b""),
        ("PUT", "/lights/{lid}/state", b"not json"),
    ],
)
async def test_a_read_key_changes_nothing(client: Client, method: str, path: str, body: bytes):
    key = await read_key(client)
    path = path.format(lid=light_id(client), key=key, control=client.key)
    before = await state_of(client)
    published = len(client.published)
    reply = await as_key(client, key, method, path, body)
    assert reply.status == 403 and error_of(reply) == (1, "/" + path.strip("/"))
    assert reply.body[0]["error"]["description"] == "unauthorized user"
    assert await state_of(client) == before
    assert client.radio.commands == [] and len(client.published) == published
    assert {client.key, key} <= set(client.gw.auth.keys)
    assert not client.gw.auth.unlocked


async def test_a_read_key_sees_no_other_key(client: Client):
    key = await read_key(client)
    other = await read_key(client, "another-dashboard")
    for path in ("/config", "/"):
        body = (await as_key(client, key, "GET", path)).body
        whitelist = body["whitelist"] if path == "/config" else body["config"]["whitelist"]
        assert list(whitelist) == [key], path  # a listed control key would give it control
    seen = (await client("GET", "/config")).body["whitelist"]
    assert {client.key, key, other} <= set(seen)


async def test_a_read_key_gets_no_network_backup(client: Client):
    key = await read_key(client)
    reply = await as_key(client, key, "GET", "/config/zigbee/backup")
    assert reply.status == 403 and error_of(reply) == (1, "/config/zigbee/backup")


async def test_scopes_are_kept_across_a_restart(client: Client, tmp_path):
    key = await read_key(client)
    await client.gw.close()
    settings = RadioSettings(radio_type="fake", device_path=None, data_dir=tmp_path)
    again = Gateway(settings, make_radio=FakeRadio)
    try:
        assert again.auth.lookup(key).scope == "read"
        assert again.auth.lookup(client.key).scope == "control"
        reply = await dispatch(again, Request("PUT", key, "/config", b'{"name": "x"}'))
        assert reply.status == 403 and error_of(reply) == (1, "/config")
    finally:
        await again.close()
    client.gw = Gateway(settings, make_radio=FakeRadio)  # the fixture closes this one
