"""Lights and sensors: the collections, one resource, its state and config, renames,
deletes and the device search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from gateway.api import device_state, lights, sensor_config
from gateway.api.errors import ApiError
from gateway.api.plan import Plan
from gateway.app.config_view import DEFAULT_NETWORK_OPEN_DURATION
from gateway.app.reply import Rejected, Reply
from gateway.app.views import resource_view

from .call import Call, router


def _register_collection(kind: str) -> None:
    async def listing(call: Call) -> Reply:
        store = call.gw.store
        return Reply(200, getattr(store, f"{kind}_json")(), store.collection_etag(kind))

    async def new(call: Call) -> Reply:
        return Reply(200, {"lastscan": "none"})

    async def one(call: Call) -> Reply:
        resource = call.find(kind)
        return Reply(200, resource_view(kind, resource), resource.etag)

    router.add("GET", kind, listing)
    if kind != "groups":
        router.add("GET", f"{kind}/new", new)  # before {id}: the first match wins
        router.add("GET", f"{kind}/{{id}}", one)


for _kind in ("lights", "sensors", "groups"):
    _register_collection(_kind)


def _put(kind: str, suffix: str, planner: Callable[[str, Any, Any], Plan]) -> None:
    """`PUT /<kind>/<id><suffix>`: the resource's planner on its JSON and the body."""

    async def handler(call: Call) -> Reply:
        resource = call.find(kind)
        address = f"/{kind}/{resource.id}{suffix}"
        plan = planner(resource.id, resource.to_json(), call.body(address))
        return await call.carry_out(plan, address)

    router.add("PUT", f"{kind}/{{id}}{suffix}", handler)


_put("lights", "", lights.plan_light_attributes)
_put("sensors", "", sensor_config.plan_sensor_put)
_put("sensors", "/config", sensor_config.plan_sensor_config)
_put("sensors", "/state", sensor_config.plan_sensor_state)


async def _search(call: Call, resource: Literal["lights", "sensors"]) -> Reply:
    duration = int(call.gw.config.get("networkopenduration", DEFAULT_NETWORK_OPEN_DURATION))
    return await call.carry_out(lights.plan_search(resource, duration), f"/{resource}")


# ---- lights ---------------------------------------------------------------------------


@router.route("POST", "lights")
async def search_lights(call: Call) -> Reply:
    call.body("/lights", allow_empty=True)  # none is needed, but a bad one is answered
    return await _search(call, "lights")


@router.route("PUT", "lights/{id}/state")
async def put_light_state(call: Call) -> Reply:
    light = call.find("lights")
    address = f"/lights/{light.id}/state"
    call.require_network(address)
    plan = device_state.plan_state(light.id, light.to_json(), call.body(address))
    return await call.carry_out(plan, address)


@router.route("DELETE", "lights/{id}")
async def delete_light(call: Call) -> Reply:
    light = call.find("lights")
    address = f"/lights/{light.id}"
    body = call.body(address, allow_empty=True)
    return await call.carry_out(lights.plan_light_delete(light.id, light.to_json(), body), address)


# ---- sensors --------------------------------------------------------------------------


@router.route("POST", "sensors")
async def search_sensors(call: Call) -> Reply:
    body = call.body("/sensors", allow_empty=True)
    if isinstance(body, dict) and body:
        raise Rejected(ApiError.sensor_type_not_creatable("/sensors"))
    return await _search(call, "sensors")


@router.route("DELETE", "sensors/{id}")
async def delete_sensor(call: Call) -> Reply:
    sensor = call.find("sensors")
    address = f"/sensors/{sensor.id}"
    plan = sensor_config.plan_sensor_delete(sensor.id, call.body(address, allow_empty=True))
    return await call.carry_out(plan, address)
