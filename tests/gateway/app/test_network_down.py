"""With the Zigbee network down every write either needs the radio, and then answers 950
(HTTP 503) and changes nothing, in memory or in the database, or does not, and succeeds."""

from __future__ import annotations

import json

import pytest

from gateway.core.persistence import Persistence
from tests.gateway.app.conftest import Client, light_id

WRITES = [
    ("PUT", "/lights/{lid}/state", {"on": True}),
    ("PUT", "/groups/{gid}/action", {"on": True}),
    ("POST", "/groups/{gid}/scenes", {"name": "Evening"}),
    ("PUT", "/groups/{gid}/scenes/{sid}/store", {}),
    ("PUT", "/groups/{gid}/scenes/{sid}/recall", {}),
    ("PUT", "/groups/{gid}/scenes/{sid}/lights/{lid}/state", {"bri": 20}),
    ("DELETE", "/groups/{gid}/scenes/{sid}", None),
    ("DELETE", "/groups/{gid}", None),
    ("DELETE", "/lights/{lid}", None),
    ("PUT", "/lights/{lid}", {"name": "Still named"}),
    ("PUT", "/groups/{gid}", {"name": "Renamed"}),
    ("PUT", "/groups/{gid}/scenes/{sid}", {"name": "Renamed"}),
    ("POST", "/groups", {"name": "New"}),
    ("PUT", "/config", {"name": "Attic"}),
    ("POST", "/lights", None),
]


def stored(client: Client) -> tuple:
    """What the database holds, read through a second connection."""
    db = Persistence.open_data_dir(client.gw.data_dir)
    try:
        return (
            sorted(map(repr, db.resources())),
            sorted(map(repr, db.groups())),
            sorted(map(repr, db.scenes())),
            db.config_items(),
        )
    finally:
        db.close()


@pytest.mark.parametrize(("method", "template", "body"), WRITES)
async def test_a_write_while_the_network_is_down(client: Client, method, template, body):
    lid = light_id(client)
    created = await client("POST", "/groups", json.dumps({"name": "Desk", "lights": []}).encode())
    gid = created.body[0]["success"]["id"]
    await client("PUT", f"/groups/{gid}", json.dumps({"lights": [lid]}).encode())
    scene = await client("POST", f"/groups/{gid}/scenes", b'{"name": "Relax"}')
    sid = scene.body[0]["success"]["id"]
    await client.radio.stop()
    path = template.format(lid=lid, gid=gid, sid=sid)
    memory = (await client("GET", "/")).body
    disk = stored(client)
    client.published.clear()
    client.radio.commands.clear()

    reply = await client(method, path, b"" if body is None else json.dumps(body).encode())

    assert client.radio.commands == []
    if reply.status == 503:
        [item] = reply.body
        assert item["error"]["type"] == 950
        after = (await client("GET", "/")).body
        assert {k: after[k] for k in ("lights", "groups", "sensors")} == {
            k: memory[k] for k in ("lights", "groups", "sensors")
        }
        assert stored(client) == disk
        assert client.published == []
    else:
        assert reply.status == 200, reply.body
        assert all("success" in item for item in reply.body)
