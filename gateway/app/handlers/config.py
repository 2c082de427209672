"""The whole state, `/config` and its whitelist, and the resources zigbridge keeps empty."""

from __future__ import annotations

import logging

from gateway.api import config as config_api
from gateway.api.errors import ApiError
from gateway.api.keys import READ
from gateway.app import config_view
from gateway.app.reply import Rejected, Reply
from radio.commands import PermitJoin

from .call import Call, router

LOGGER = logging.getLogger("gateway.api")


@router.route("GET", "")
async def full_state(call: Call) -> Reply:
    store = call.gw.store
    body = {
        "alarmsystems": {},
        "config": config_view.full_config(call.gw.config_context(call.host_ip, call.key)),
        "groups": store.groups_json(),
        "lights": store.lights_json(),
        "resourcelinks": {},
        "rules": {},
        "scenes": {},
        "schedules": {},
        "sensors": store.sensors_json(),
    }
    return Reply(200, body, store.collection_etag("all"))


@router.route("GET", "config")
async def get_config(call: Call) -> Reply:
    return Reply(200, config_view.full_config(call.gw.config_context(call.host_ip, call.key)))


@router.route("PUT", "config")
async def put_config(call: Call) -> Reply:
    gw = call.gw
    body = call.body("/config")
    current = config_view.full_config(gw.config_context(call.host_ip, call.key))
    plan = config_api.plan_config_put(
        body, current, api_key=call.key, permit_join_owner=gw.permit_join_owner
    )
    for action in plan.actions:
        match action:
            case config_api.Unlock(seconds=seconds):
                gw.auth.unlock(seconds)
            case config_api.ChangeChannel(channel=channel):
                LOGGER.warning("Changing to channel %d is not supported yet; ignored", channel)
            case config_api.SetNetworkState(connected=connected):
                LOGGER.info("rfconnected=%s requested; the radio stays as it is", connected)
    if any(isinstance(command, PermitJoin) for command in plan.commands):
        gw.permit_join_owner = call.key
    return await call.carry_out(plan, "/config")


@router.route("GET", "config/zigbee/backup")
async def zigbee_backup(call: Call) -> Reply:
    """zigbridge's extension, not in deCONZ: a fresh network backup as Open Coordinator
    Backup JSON (network key included: keep it private), for `zigbridge backup`. Not for
    a read key: with the network key a radio can command every device directly."""
    if call.scope == READ:
        raise Rejected(ApiError.unauthorized("/config/zigbee/backup"))
    call.require_network("/config/zigbee/backup")
    return Reply(200, await call.gw.network_backup())


@router.route("DELETE", "config/whitelist/{key2}")
async def delete_key(call: Call) -> Reply:
    key2 = call.params["key2"]
    if call.gw.auth.delete_key(key2):
        return Reply(200, [{"success": f"/config/whitelist/{key2} deleted."}])
    return Reply(200, [])


async def _empty(call: Call) -> Reply:
    return Reply(200, {})


for _path in ("scenes", "rules", "schedules", "resourcelinks", "alarmsystems"):
    router.add("GET", _path, _empty)
