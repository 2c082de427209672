"""The dispatcher without sockets: a real Gateway (SQLite in tmp_path) on a fake radio.

Every transport hands `dispatch` a `Request`; these tests check the deCONZ answers it
decides and what reaches the radio and the event stream.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import pytest

from gateway.app.requests import Reply, Request, dispatch
from radio import commands as cmd
from radio import events as ev
from tests.gateway.app.conftest import Client, error_of, light_id

ON_OFF = 0x0006


async def test_a_light_put_sends_the_command_and_answers_the_success_list(client: Client):
    lid = light_id(client)
    reply = await client("PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply == Reply(200, [{"success": {f"/lights/{lid}/state/on": False}}])
    [command] = client.radio.commands
    assert isinstance(command, cmd.ZclCommand)
    assert (command.cluster, command.command) == (ON_OFF, "off")
    assert client.gw.store.lights[lid].to_json()["state"]["on"] is False
    pushed = [m for m in client.published if m.get("id") == lid and "state" in m]
    assert pushed[-1]["state"]["on"] is False


async def test_a_bad_key_is_error_1(client: Client):
    reply = await dispatch(client.gw, Request("GET", "0123456789", "/lights"))
    assert reply.status == 403 and error_of(reply) == (1, "/lights")


async def test_the_public_config_needs_no_key(client: Client):
    for request in (
        Request.from_api_path("GET", "/config"),
        Request("GET", "0123456789", "/config"),
    ):
        reply = await dispatch(client.gw, request)
        assert reply.status == 200 and "whitelist" not in reply.body
        assert reply.body["bridgeid"] == "00212EFFFF001122"


async def test_unknown_resources_and_paths_are_error_3(client: Client):
    reply = await client("GET", "/lights/99")
    assert reply.status == 404 and error_of(reply) == (3, "/lights/99")
    reply = await client("PUT", "/groups/77/action", b'{"on": true}')
    assert error_of(reply) == (3, "/groups/77")
    reply = await client("GET", "/nothing/here/")
    assert reply.status == 404 and error_of(reply) == (3, "/nothing/here")


async def test_methods_a_resource_lacks_are_error_4(client: Client):
    reply = await client("DELETE", "/config")
    assert reply.status == 404 and error_of(reply) == (4, "/config")
    assert reply.body[0]["error"]["description"] == (
        "method, DELETE, not available for resource, /config"
    )
    reply = await client("POST", "/nothing")
    assert error_of(reply) == (4, "/nothing")
    reply = await dispatch(client.gw, Request("GET", None, "/"))
    assert error_of(reply) == (4, "/")


async def test_a_light_put_with_the_network_down_is_950_and_sends_nothing(client: Client):
    await client.radio.stop()
    lid = light_id(client)
    reply = await client("PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply.status == 503 and error_of(reply) == (950, f"/lights/{lid}/state")
    assert client.radio.commands == []
    assert client.gw.store.lights[lid].to_json()["state"]["on"] is True


async def test_post_api_is_locked_until_unlock_or_basic_auth(client: Client, tmp_path: Path):
    new_key = Request("POST", None, "/", b'{"devicetype": "dashboard"}')
    reply = await dispatch(client.gw, new_key)
    assert reply.status == 403 and error_of(reply) == (101, "/")

    password = (tmp_path / "password").read_text().strip()
    basic = "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()
    with_auth = Request("POST", None, "/", b'{"devicetype": "dashboard"}', authorization=basic)
    reply = await dispatch(client.gw, with_auth)
    assert reply.status == 200
    key = reply.body[0]["success"]["username"]
    assert client.gw.auth.keys[key].name == "dashboard"

    assert (await client("PUT", "/config", b'{"unlock": 30}')).status == 200
    assert (await dispatch(client.gw, new_key)).status == 200


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"nope", (2, "/")),
        (b'{"username": "abcdefghijk"}', (5, "/")),
        (b'{"devicetype": "  "}', (5, "/")),
        (b'{"devicetype": "' + b"x" * 41 + b'"}', (7, "/devicetype")),
        (b'{"devicetype": "x", "username": 12}', (7, "/username")),
        (b'{"devicetype": "x", "username": "short"}', (7, "/username")),
        (b'{"devicetype": "x", "username": "not-alpha-num"}', (7, "/username")),
    ],
)
async def test_key_creation_rules(client: Client, body: bytes, error: tuple[int, str]):
    await client("PUT", "/config", b'{"unlock": 30}')
    reply = await dispatch(client.gw, Request("POST", None, "/", body))
    assert reply.status == 400 and error_of(reply) == error


async def test_a_client_may_choose_its_username(client: Client):
    await client("PUT", "/config", b'{"unlock": 30}')
    body = b'{"devicetype": " app ", "username": "MyOwnKey0123"}'
    reply = await dispatch(client.gw, Request("POST", None, "/", body))
    assert reply == Reply(200, [{"success": {"username": "MyOwnKey0123"}}])
    assert client.gw.auth.keys["MyOwnKey0123"].name == "app"


async def test_if_none_match_is_304_until_the_resource_changes(client: Client):
    lid = light_id(client)
    first = await client("GET", f"/lights/{lid}")
    assert first.status == 200 and first.etag == first.body["etag"]
    quoted = f'"{first.etag}"'
    assert await client("GET", f"/lights/{lid}", if_none_match=quoted) == Reply(
        304, None, first.etag
    )
    await client("PUT", f"/lights/{lid}", b'{"name": "Reading lamp"}')
    again = await client("GET", f"/lights/{lid}", if_none_match=quoted)
    assert again.status == 200 and again.body["name"] == "Reading lamp"


async def test_an_unexpected_failure_is_logged_once_and_answered_901(
    client: Client, caplog: pytest.LogCaptureFixture
):
    client.radio.fail = RuntimeError("boom")
    lid = light_id(client)
    with caplog.at_level(logging.ERROR, logger="gateway.api"):
        reply = await client("PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply.status == 503 and error_of(reply) == (901, f"/lights/{lid}/state")
    assert len([r for r in caplog.records if r.name == "gateway.api"]) == 1


async def test_groups_and_scenes_are_carried_out_by_the_plan(client: Client):
    lid = light_id(client)
    reply = await client("POST", "/groups", b'{"name": "Desk"}')
    gid = reply.body[0]["success"]["id"]
    assert cmd.SubscribeGroup(int(gid)) in client.radio.commands
    members = f'{{"lights": ["{lid}"]}}'.encode()
    assert (await client("PUT", f"/groups/{gid}", members)).status == 200
    reply = await client("POST", f"/groups/{gid}/scenes", b'{"name": "Bright"}')
    sid = reply.body[0]["success"]["id"]
    assert client.gw.store.groups[gid].scenes[sid].name == "Bright"

    await client("PUT", f"/lights/{lid}/state", b'{"on": false}')
    reply = await client("PUT", f"/groups/{gid}/scenes/{sid}/recall")
    assert reply == Reply(200, [{"success": {"id": sid}}])
    assert client.gw.store.lights[lid].to_json()["state"]["on"] is True  # the stored scene
    assert client.gw.store.groups[gid].to_json()["action"]["scene"] == sid

    reply = await client("DELETE", f"/groups/{gid}")
    assert reply == Reply(200, [{"success": {"id": gid}}])
    assert gid not in client.gw.store.groups
    assert client.radio.commands[-1] == cmd.SubscribeGroup(int(gid), subscribe=False)
    assert {"e": "deleted", "id": gid, "r": "groups", "t": "event"} in client.published


async def test_deleting_a_sensor_echoes_reset(client: Client):
    from tests.gateway.core.core_zoo import door_contact

    client.gw.on_radio_event(ev.DeviceInitialized(door_contact(), restored=False))
    [sid] = client.gw.store.sensors
    reply = await client("DELETE", f"/sensors/{sid}", b'{"reset": true}')
    assert reply == Reply(200, [{"success": {f"/sensors/{sid}/reset": True}}])
    assert sid not in client.gw.store.sensors
    assert (await client("DELETE", f"/sensors/{sid}")).status == 404


@pytest.mark.parametrize(
    ("method", "api_path", "key", "path"),
    [
        ("POST", "", None, "/"),
        ("GET", "/config", None, "/config"),
        ("PUT", "/config", "config", "/"),  # only GET /api/config is public
        ("GET", "/KEY", "KEY", "/"),
        ("PUT", "/KEY/lights/1/state/", "KEY", "/lights/1/state"),
    ],
)
def test_url_paths_under_api_name_the_key_first(method, api_path, key, path):
    request = Request.from_api_path(method, api_path)
    assert (request.api_key, request.path) == (key, path)


async def test_a_delete_that_needs_the_radio_is_950_and_changes_nothing(client: Client):
    lid = light_id(client)
    gid = (await client("POST", "/groups", b'{"name": "Desk"}')).body[0]["success"]["id"]
    await client("PUT", f"/groups/{gid}", f'{{"lights": ["{lid}"]}}'.encode())
    await client.radio.stop()
    reply = await client("DELETE", f"/lights/{lid}")
    assert reply.status == 503 and error_of(reply) == (950, f"/lights/{lid}")
    assert lid in client.gw.store.lights
    assert not any(m.get("e") == "deleted" for m in client.published)


async def test_an_internal_error_names_neither_the_key_nor_a_traceback_to_the_client(
    client: Client, caplog, monkeypatch
):
    lid = light_id(client)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("gateway.api.light_state.plan_light_state", broken)
    with caplog.at_level(logging.ERROR):
        reply = await client("PUT", f"/lights/{lid}/state", b'{"on": true}')
    assert reply.status == 503 and error_of(reply) == (901, f"/lights/{lid}/state")
    assert client.key not in str(reply.body)
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert client.key not in record.getMessage()
    assert f"PUT /lights/{lid}/state failed" in record.getMessage()
