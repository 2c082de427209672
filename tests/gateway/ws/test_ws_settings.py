"""`websocket.auth = required` on a real daemon: the deCONZ stream needs a valid key in
the URL (HTTP 401 at the handshake otherwise), and gets the same events as before."""

from __future__ import annotations

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
