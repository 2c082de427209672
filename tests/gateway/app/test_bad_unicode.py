"""Strings that are not valid Unicode (a lone surrogate, valid JSON) are refused as deCONZ's
error 7 on every endpoint, before anything is applied: the answer is an error and nothing
changes, nothing is sent. Through the dispatcher, as every transport reaches it."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app.requests import Request, dispatch
from radio import events as ev
from tests.gateway.app.conftest import Client, light_id, state_of
from tests.gateway.core.core_zoo import motion_sensor

SURROGATES = st.integers(0xD800, 0xDFFF).map(lambda c: f"\\u{c:04x}")

BODIES: dict[str, dict[str, Any]] = {
    "PUT /config": {"name": "x", "unlock": 30, "websocketnotifyall": False},
    "PUT /lights/{lid}/state": {"on": False, "bri": 10, "sat": 100},
    "PUT /lights/{lid}": {"name": "x"},
    "POST /groups": {"name": "x", "lights": []},
    "PUT /groups/{gid}": {"name": "x", "lights": ["{lid}"]},
    "PUT /groups/{gid}/action": {"on": False},
    "POST /groups/{gid}/scenes": {"name": "x"},
    "PUT /groups/{gid}/scenes/{sid}": {"name": "x"},
    "PUT /groups/{gid}/scenes/{sid}/lights/{lid}/state": {"on": False, "bri": 3},
    "DELETE /lights/{lid}": {"reset": True},
    "DELETE /groups/{gid}": {},
    "DELETE /groups/{gid}/scenes/{sid}": {},
    "PUT /groups/{gid}/scenes/{sid}/store": {"transitiontime": 5},
    "PUT /groups/{gid}/scenes/{sid}/recall": {},
    "POST /lights": {},
    "PUT /sensors/{snid}/config": {"offset": 10, "on": True},
    "PUT /sensors/{snid}": {"name": "x"},
    "DELETE /sensors/{snid}": {"reset": True},
}


MARK = "\x00spoiled"  # JSON-escaped as \u0000spoiled, then swapped for the bad escape


def body_with(template: dict[str, Any], bad: str, where: int, in_key: bool) -> bytes:
    """The template as JSON text with one string made invalid, in a key or a value."""
    items = list(template.items()) or [("name", "x")]
    key, value = items[where % len(items)]
    items[where % len(items)] = (key + MARK, value) if in_key else (key, f"{value}{MARK}")
    return json.dumps(dict(items)).replace(json.dumps(MARK)[1:-1], bad).encode()


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    endpoint=st.sampled_from(sorted(BODIES)),
    bad=SURROGATES,
    where=st.integers(0, 5),
    in_key=st.booleans(),
)
async def test_invalid_unicode_is_error_7_and_changes_nothing(
    client: Client,
    endpoint,
    bad,
    where,
    in_key,
):
    client.radio.up = True
    lid = light_id(client)
    if not client.gw.store.sensors:
        client.gw.on_radio_event(ev.DeviceInitialized(motion_sensor(), restored=False))
    snid = next(iter(client.gw.store.sensors))
    if not client.gw.store.groups.keys() - {"0"}:
        await client("POST", "/groups", json.dumps({"name": "g", "lights": [lid]}).encode())
        gid = max(client.gw.store.groups, key=int)
        await client("POST", f"/groups/{gid}/scenes", b'{"name": "s"}')
    gid = max(client.gw.store.groups, key=int)
    sid = next(iter(client.gw.store.groups[gid].scenes))
    method, template = endpoint.split(" ", 1)
    path = template.format(lid=lid, gid=gid, sid=sid, snid=snid)
    body_template = json.loads(json.dumps(BODIES[endpoint]).replace("{lid}", lid))
    before = await state_of(client)
    client.radio.commands.clear()
    client.published.clear()

    reply = await client(method, path, body_with(body_template, bad, where, in_key))

    assert reply.status == 400, reply.body
    [item] = reply.body
    assert item["error"]["type"] == 7
    json.dumps(reply.body, ensure_ascii=False).encode("utf-8")  # every answer is encodable
    assert client.radio.commands == []
    assert client.published == []
    assert await state_of(client) == before


async def test_a_key_request_with_invalid_unicode_is_error_7_and_creates_no_key(client: Client):
    client.gw.auth.unlock(60)
    keys = set(client.gw.auth.keys)
    reply = await dispatch(client.gw, Request("POST", None, "/", b'{"devicetype": "x\\udfff"}'))
    assert reply.status == 400 and reply.body[0]["error"]["type"] == 7
    assert set(client.gw.auth.keys) == keys
