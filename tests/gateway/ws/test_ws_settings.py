"""The websocket settings on a real daemon: `websocket.auth = required` makes the deCONZ
stream need a valid key in the URL (HTTP 401 at the handshake otherwise) and changes
nothing else; `websocket.journal_events` is how far back a v1 client can resume."""

from __future__ import annotations

import json

import pytest
import websockets

from tests.gateway.conftest import WsClient, daemon_settings, run_daemon, stop_daemon


async def test_required_refuses_legacy_clients_without_a_valid_key(tmp_path):
    gw = await run_daemon(daemon_settings(tmp_path, ws_auth="required"))
    try:
        for url in (gw.ws_url, f"{gw.ws_url}/?apikey=wrong", f"{gw.ws_url}/anything?x=1"):
            with pytest.raises(websockets.InvalidStatus) as refused:
                await websockets.connect(url)
            assert refused.value.response.status_code == 401, url
        legacy = WsClient(await websockets.connect(f"{gw.ws_url}/?apikey={gw.key}"))
        lid, _ = await gw.find("lights", lambda light: True)
        assert (await gw.put(f"/lights/{lid}", {"name": "Seen"})).status_code == 200
        event = await legacy.wait(lambda e: e.get("attr", {}).get("name") == "Seen")
        assert set(event) == {"attr", "e", "id", "r", "t", "uniqueid"}  # the deCONZ event
        await legacy.close()
        # v1 does its own authentication, whatever websocket.auth says
        async with websockets.connect(f"{gw.ws_url}/v1") as v1:
            assert '"type":"hello"' in await v1.recv()
    finally:
        await stop_daemon(gw)


async def test_off_lets_anyone_read_the_stream(tmp_path):
    gw = await run_daemon(daemon_settings(tmp_path))
    try:
        legacy = WsClient(await websockets.connect(f"{gw.ws_url}/whatever"))
        lid, _ = await gw.find("lights", lambda light: True)
        assert (await gw.put(f"/lights/{lid}", {"name": "Open"})).status_code == 200
        await legacy.wait(lambda e: e.get("attr", {}).get("name") == "Open")
        await legacy.close()
    finally:
        await stop_daemon(gw)


async def test_journal_events_bounds_what_a_v1_client_can_resume(tmp_path):
    gw = await run_daemon(daemon_settings(tmp_path, ws_journal_events=20))
    try:
        async with websockets.connect(f"{gw.ws_url}/v1?apikey={gw.key}") as v1:
            hello = json.loads(await v1.recv())
            lid, _ = await gw.find("lights", lambda light: True)
            for i in range(30):
                assert (await gw.put(f"/lights/{lid}", {"name": f"n{i}"})).status_code == 200
            await v1.send(json.dumps({"id": 1, "type": "info"}))
            info = json.loads(await v1.recv())["result"]
            assert info["seq"] - info["oldest_seq"] + 1 == 20  # the last 20 are held
            since = {"epoch": hello["epoch"], "seq": hello["seq"]}
            await v1.send(json.dumps({"id": 2, "type": "subscribe", "since": since}))
            assert json.loads(await v1.recv())["result"]["resumed"] is False
            assert json.loads(await v1.recv())["type"] == "snapshot"
    finally:
        await stop_daemon(gw)
