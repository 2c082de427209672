"""`/api/config` and `/api/<key>/config` carry every key a real deCONZ gateway sends, so tools
that check for them take zigbridge for one."""

from __future__ import annotations

from tests.gateway.api.deconz_samples import CONFIG
from tests.gateway.conftest import Running

BASIC_KEYS = {
    "apiversion", "bridgeid", "datastoreversion", "devicename", "factorynew", "mac", "modelid",
    "name", "replacesbridgeid", "starterkitid", "swversion",
}  # fmt: skip
"""What deCONZ answers without a key (its REST API docs, and what discovery tools read)."""


async def test_the_unauthenticated_config_has_every_key_deconz_sends(gw: Running):
    for path in ("/api/config", "/api/not-a-key/config"):
        basic = (await gw.http.get(path)).json()
        assert set(basic) == BASIC_KEYS, path
        assert basic["devicename"] == "ConBee II"
        assert basic["modelid"] == "deCONZ"


async def test_the_full_config_has_every_key_of_a_real_gateways(gw: Running):
    full = await gw.get("/config")
    assert set(CONFIG) <= set(full), sorted(set(CONFIG) - set(full))
    assert set(full) >= BASIC_KEYS
    assert {key: type(full[key]) for key in CONFIG} == {
        key: type(value) for key, value in CONFIG.items()
    }
