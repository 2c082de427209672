"""Fixtures for the REST tests: a pydeconz session (what Home Assistant runs) on a daemon."""

from __future__ import annotations

import aiohttp
import pytest
from pydeconz import DeconzSession
from pydeconz.websocket import State

from tests.gateway.conftest import Running, until


@pytest.fixture
async def session(gw: Running):
    async with aiohttp.ClientSession() as http:
        # Phoscon's "authenticate app" = unlock; then the client asks for its own key, the
        # way Home Assistant's config flow does.
        r = await gw.put("/config", {"unlock": 60})
        assert r.json() == [{"success": {"/config/unlock": 60}}]
        anonymous = DeconzSession(http, "127.0.0.1", gw.daemon.rest.port)
        key = await anonymous.get_api_key()
        api = DeconzSession(http, "127.0.0.1", gw.daemon.rest.port, api_key=key)
        await api.refresh_state()
        api.start()
        await until(lambda: api.websocket is not None and api.websocket.state == State.RUNNING)
        # the client is registered on the server once the handshake is through
        await until(lambda: gw.daemon.ws.client_count >= 1, what="ws client")
        yield api
        api.close()
