"""The deCONZ REST API over starlette.

Each handler is thin: look the resource up (error 3 when missing), parse the body, ask a
`gateway.api` planner what to answer and do, and let `Gateway.carry_out` apply it. Routing
under `/api/<key>/` goes through our own `Router` so unknown paths and methods get deCONZ's
error 3/4 answers instead of starlette's HTML pages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.api import config as config_api
from gateway.api import group_action, groups, light_state, lights, scenes, sensor_config
from gateway.api.errors import ApiError, parse_json_body, success
from gateway.api.plan import Plan
from gateway.app import config_view
from gateway.app.gateway import Gateway, group_address
from gateway.app.router import Router
from gateway.core.errors import Conflict, NotFound, NotModifiable, TableFull
from gateway.rest.http import BASE_HEADERS, BodyTooLarge, json_response, read_body

LOGGER = logging.getLogger("gateway.api")

ALL_METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]
CORS_PREFLIGHT = {
    **BASE_HEADERS,
    "Access-Control-Allow-Methods": "POST, GET, OPTIONS, PUT, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Access-Control-Allow-Origin, Content-Type",
}


@dataclass(slots=True)
class Call:
    """One authenticated request: the gateway, the key used and the path parameters."""

    request: Request
    gw: Gateway
    key: str
    params: dict[str, str]
    raw: bytes

    def body(self, address: str, *, allow_empty: bool = False) -> dict[str, Any] | ApiError:
        return parse_json_body(self.raw, address=address, allow_empty=allow_empty)


class Reply(Exception):
    """Raised by handlers to answer with a deCONZ error at once."""

    def __init__(self, error: ApiError):
        self.error = error


def error_response(error: ApiError, request: Request | None = None) -> Response:
    return json_response([error.to_dict()], error.http_status)


def _not_found(address: str) -> Reply:
    return Reply(ApiError.not_found(address))


def _store_error(exc: Exception, address: str) -> ApiError:
    """Store exceptions → deCONZ errors (they mean the request raced a change)."""
    match exc:
        case NotFound():
            return ApiError.not_found(address)
        case Conflict():
            return ApiError.already_exists(address, address)
        case TableFull():
            return ApiError.group_table_full(address)
        case NotModifiable():
            return ApiError.attribute_not_modifiable(address, address.rsplit("/", 1)[-1])
    raise exc


router = Router()


# ---- lookups --------------------------------------------------------------------------


def _find(call: Call, kind: str) -> Any:
    """A light or sensor by id or uniqueid, or error 3."""
    store = call.gw.store
    find = store.find_light if kind == "lights" else store.find_sensor
    resource = find(call.params["id"])
    if resource is None:
        raise _not_found(f"/{kind}/{call.params['id']}")
    return resource


def _light(call: Call) -> tuple[str, dict[str, Any]]:
    light = _find(call, "lights")
    return light.id, light.to_json()


def _sensor(call: Call) -> tuple[str, dict[str, Any]]:
    sensor = _find(call, "sensors")
    return sensor.id, sensor.to_json()


def _group(call: Call, param: str = "id") -> tuple[str, Any]:
    gid = call.params[param]
    group = call.gw.store.groups.get(gid)
    if group is None:
        raise _not_found(f"/groups/{gid}")
    return gid, group


def _members(call: Call, group: Any) -> dict[str, dict[str, Any]]:
    lights_ = call.gw.store.lights
    return {lid: lights_[lid].to_json() for lid in group.lights if lid in lights_}


def _scenes(group: Any) -> dict[str, dict[str, Any]]:
    return {sid: scene.to_json() for sid, scene in group.scenes.items()}


def _scene(call: Call) -> tuple[str, Any, str]:
    gid, group = _group(call, "gid")
    sid = call.params["sid"]
    if sid not in group.scenes:
        raise _not_found(f"/groups/{gid}/scenes/{sid}")
    return gid, group, sid


def _require_network(call: Call, address: str) -> None:
    """Writes that only make sense with the radio answer 950 (HTTP 503) while it is down,
    before any per-light check (deCONZ: "Not connected")."""
    if not call.gw.radio.is_up:
        raise Reply(ApiError.not_connected(address))


async def _plan_reply(call: Call, plan: Plan, address: str) -> Response:
    try:
        status, body = await call.gw.carry_out(plan, address)
    except (NotFound, Conflict, TableFull, NotModifiable) as exc:
        return error_response(_store_error(exc, address))
    return json_response(body, status)


def _body_or_reply(call: Call, address: str, *, allow_empty: bool = False) -> dict[str, Any]:
    body = call.body(address, allow_empty=allow_empty)
    if isinstance(body, ApiError):
        raise Reply(body)
    return body


# ---- gateway and config ----------------------------------------------------------------


@router.route("GET", "")
async def full_state(call: Call) -> Response:
    store = call.gw.store
    body = {
        "alarmsystems": {},
        "config": config_view.full_config(call.gw.config_context(_host_ip(call.request))),
        "groups": store.groups_json(),
        "lights": store.lights_json(),
        "resourcelinks": {},
        "rules": {},
        "scenes": {},
        "schedules": {},
        "sensors": store.sensors_json(),
    }
    return json_response(body, etag=store.collection_etag("all"), request=call.request)


@router.route("GET", "config")
async def get_config(call: Call) -> Response:
    ctx = call.gw.config_context(_host_ip(call.request))
    return json_response(config_view.full_config(ctx))


@router.route("PUT", "config")
async def put_config(call: Call) -> Response:
    gw = call.gw
    body = _body_or_reply(call, "/config")
    current = config_view.full_config(gw.config_context(_host_ip(call.request)))
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
    if any(type(c).__name__ == "PermitJoin" for c in plan.commands):
        gw.permit_join_owner = call.key
    return await _plan_reply(call, plan, "/config")


@router.route("GET", "config/zigbee/backup")
async def zigbee_backup(call: Call) -> Response:
    """zigbridge's extension, not in deCONZ: a fresh network backup as Open Coordinator
    Backup JSON (network key included: keep it private), for `zigbridge backup`."""
    radio = call.gw.radio
    if not radio.is_up:
        raise Reply(ApiError.not_connected("/config/zigbee/backup"))
    from radio.backup import create_backup  # zigpy's backup code: only when asked

    return json_response(await create_backup(radio.app))


@router.route("DELETE", "config/whitelist/{key2}")
async def delete_key(call: Call) -> Response:
    key2 = call.params["key2"]
    if call.gw.auth.delete_key(key2):
        return json_response([{"success": f"/config/whitelist/{key2} deleted."}])
    return json_response([])


for _path in ("scenes", "rules", "schedules", "resourcelinks", "alarmsystems"):

    async def _empty(call: Call) -> Response:
        return json_response({})

    router.add("GET", _path, _empty)


# ---- collections: GET /lights, /sensors, /groups, /lights/new, /lights/<id>, ... --------


def _register_collection(kind: str) -> None:
    async def listing(call: Call) -> Response:
        store = call.gw.store
        body = getattr(store, f"{kind}_json")()
        return json_response(body, etag=store.collection_etag(kind), request=call.request)

    async def new(call: Call) -> Response:
        return json_response({"lastscan": "none"})

    async def one(call: Call) -> Response:
        resource = _find(call, kind)
        body = resource.view() if kind != "groups" else resource.to_json()
        return json_response(body, etag=resource.etag, request=call.request)

    router.add("GET", kind, listing)
    if kind != "groups":
        router.add("GET", f"{kind}/new", new)  # before {id}: the first match wins
        router.add("GET", f"{kind}/{{id}}", one)


for _kind in ("lights", "sensors", "groups"):
    _register_collection(_kind)


# ---- lights ---------------------------------------------------------------------------


async def _search(call: Call, resource: str) -> Response:
    duration = int(call.gw.config.get("networkopenduration", 60))
    plan = lights.plan_search(resource, duration)  # type: ignore[arg-type]
    return await _plan_reply(call, plan, f"/{resource}")


@router.route("POST", "lights")
async def search_lights(call: Call) -> Response:
    return await _search(call, "lights")


@router.route("PUT", "lights/{id}/state")
async def put_light_state(call: Call) -> Response:
    lid, light = _light(call)
    address = f"/lights/{lid}/state"
    _require_network(call, address)
    body = call.body(address)
    plan = light_state.plan_light_state(lid, light, body)
    return await _plan_reply(call, plan, address)


@router.route("PUT", "lights/{id}")
async def put_light(call: Call) -> Response:
    lid, light = _light(call)
    plan = lights.plan_light_attributes(lid, light, call.body(f"/lights/{lid}"))
    return await _plan_reply(call, plan, f"/lights/{lid}")


@router.route("DELETE", "lights/{id}")
async def delete_light(call: Call) -> Response:
    lid, light = _light(call)
    plan = lights.plan_light_delete(lid, light, call.body(f"/lights/{lid}", allow_empty=True))
    return await _plan_reply(call, plan, f"/lights/{lid}")


# ---- sensors --------------------------------------------------------------------------


@router.route("POST", "sensors")
async def search_sensors(call: Call) -> Response:
    body = call.body("/sensors", allow_empty=True)
    if isinstance(body, dict) and body:
        # Creating CLIP (virtual) sensors is not supported.
        return error_response(
            ApiError(501, "/sensors", "not allowed to create sensor type", status=400)
        )  # deCONZ's answer for sensor types it cannot create
    return await _search(call, "sensors")


@router.route("PUT", "sensors/{id}/config")
async def put_sensor_config(call: Call) -> Response:
    sid, sensor = _sensor(call)
    address = f"/sensors/{sid}/config"
    plan = sensor_config.plan_sensor_config(sid, sensor, call.body(address))
    return await _plan_reply(call, plan, address)


@router.route("PUT", "sensors/{id}/state")
async def put_sensor_state(call: Call) -> Response:
    sid, sensor = _sensor(call)
    address = f"/sensors/{sid}/state"
    plan = sensor_config.plan_sensor_state(sid, sensor, call.body(address))
    return await _plan_reply(call, plan, address)


@router.route("PUT", "sensors/{id}")
async def put_sensor(call: Call) -> Response:
    sid, sensor = _sensor(call)
    address = f"/sensors/{sid}"
    plan = sensor_config.plan_sensor_put(sid, sensor, call.body(address))
    return await _plan_reply(call, plan, address)


@router.route("DELETE", "sensors/{id}")
async def delete_sensor(call: Call) -> Response:
    sid, _ = _sensor(call)
    address = f"/sensors/{sid}"
    plan = sensor_config.plan_sensor_delete(sid, call.body(address, allow_empty=True))
    return await _plan_reply(call, plan, address)


# ---- groups ---------------------------------------------------------------------------


@router.route("POST", "groups")
async def create_group(call: Call) -> Response:
    plan = groups.plan_group_create(call.body("/groups"), call.gw.store.groups.keys())
    if not plan.succeeded or plan.group is None:
        return json_response(plan.responses, plan.status)
    g = plan.group
    try:
        gid = call.gw.store.create_group(g["name"], g["type"], g.get("class"), g.get("uniqueid"))
    except (Conflict, TableFull) as exc:
        return error_response(_store_error(exc, "/groups"))
    if call.gw.radio.is_up:
        await call.gw.subscribe_groups([gid])
    return json_response([success("id", gid)])


@router.route("GET", "groups/{id}")
async def get_group(call: Call) -> Response:
    _, group = _group(call)
    return json_response(group.to_json())


@router.route("PUT", "groups/{id}/action")
async def put_group_action(call: Call) -> Response:
    gid, group = _group(call)
    address = f"/groups/{gid}/action"
    _require_network(call, address)
    plan = group_action.plan_group_action(
        gid, group.to_json(), _members(call, group), call.body(address), address=group_address(gid)
    )
    return await _plan_reply(call, plan, address)


@router.route("PUT", "groups/{id}")
async def put_group(call: Call) -> Response:
    gid, group = _group(call)
    address = f"/groups/{gid}"
    all_lights = {lid: light.to_json() for lid, light in call.gw.store.lights.items()}
    plan = groups.plan_group_attributes(
        gid, group.to_json(), call.body(address), all_lights, address=group_address(gid)
    )
    return await _plan_reply(call, plan, address)


@router.route("DELETE", "groups/{id}")
async def delete_group(call: Call) -> Response:
    gid, group = _group(call)
    address = f"/groups/{gid}"
    plan = groups.plan_group_delete(
        gid, group.to_json(), _members(call, group), address=group_address(gid)
    )
    reply = await _plan_reply(call, plan, address)
    if reply.status_code == 200 and call.gw.radio.is_up:
        await call.gw.subscribe_groups([gid], subscribe=False)
    return reply


# ---- scenes ---------------------------------------------------------------------------


@router.route("GET", "groups/{gid}/scenes")
async def list_scenes(call: Call) -> Response:
    _, group = _group(call, "gid")
    return json_response({sid: s.listing_json() for sid, s in group.scenes.items()})


@router.route("POST", "groups/{gid}/scenes")
async def create_scene(call: Call) -> Response:
    gid, group = _group(call, "gid")
    address = f"/groups/{gid}/scenes"
    plan = scenes.plan_scene_create(
        gid, _scenes(group), _members(call, group), call.body(address), address=group_address(gid)
    )
    return await _plan_reply(call, plan, address)


@router.route("GET", "groups/{gid}/scenes/{sid}")
async def get_scene(call: Call) -> Response:
    _, group, sid = _scene(call)
    return json_response(group.scenes[sid].to_json())


@router.route("PUT", "groups/{gid}/scenes/{sid}")
async def put_scene(call: Call) -> Response:
    gid, group, sid = _scene(call)
    address = f"/groups/{gid}/scenes/{sid}"
    plan = scenes.plan_scene_attributes(gid, sid, _scenes(group), call.body(address))
    return await _plan_reply(call, plan, address)


@router.route("PUT", "groups/{gid}/scenes/{sid}/store")
async def store_scene(call: Call) -> Response:
    gid, group, sid = _scene(call)
    address = f"/groups/{gid}/scenes/{sid}/store"
    _require_network(call, address)
    body = call.body(address, allow_empty=True)
    plan = scenes.plan_scene_store(
        gid, sid, _scenes(group), _members(call, group), body, address=group_address(gid)
    )
    return await _plan_reply(call, plan, address)


@router.route("PUT", "groups/{gid}/scenes/{sid}/recall")
async def recall_scene(call: Call) -> Response:
    gid, group = _group(call, "gid")
    sid = call.params["sid"]
    address = f"/groups/{gid}/scenes/{sid}/recall"
    _require_network(call, address)
    plan = scenes.plan_scene_recall(
        gid, sid, group.to_json(), _scenes(group), address=group_address(gid)
    )
    return await _plan_reply(call, plan, address)


@router.route("PUT", "groups/{gid}/scenes/{sid}/lights/{lid}/state")
async def put_scene_light(call: Call) -> Response:
    gid, group, sid = _scene(call)
    lid = call.params["lid"]
    light = call.gw.store.lights.get(lid)
    if light is None:
        raise _not_found(f"/lights/{lid}")
    address = f"/groups/{gid}/scenes/{sid}/lights/{lid}/state"
    _require_network(call, address)
    body = call.body(address)
    plan = scenes.plan_scene_light_state(
        gid, sid, lid, _scenes(group), light.to_json(), body, address=group_address(gid)
    )
    return await _plan_reply(call, plan, address)


@router.route("DELETE", "groups/{gid}/scenes/{sid}")
async def delete_scene(call: Call) -> Response:
    gid, group, sid = _scene(call)
    address = f"/groups/{gid}/scenes/{sid}"
    plan = scenes.plan_scene_delete(gid, sid, _scenes(group), address=group_address(gid))
    return await _plan_reply(call, plan, address)


# ---- unauthenticated entry points -----------------------------------------------------


def _host_ip(request: Request) -> str:
    server = request.scope.get("server")
    return server[0] if server else "127.0.0.1"


async def create_key(request: Request, gw: Gateway, raw: bytes) -> Response:
    if not (gw.auth.unlocked or gw.auth.basic_auth_ok(request.headers.get("authorization"))):
        return error_response(ApiError.link_button_not_pressed())
    body = parse_json_body(raw, address="/")
    if isinstance(body, ApiError):
        return error_response(body)
    devicetype = body.get("devicetype")
    if not isinstance(devicetype, str) or not devicetype.strip():
        return error_response(
            ApiError.missing_parameters("/", "invalid/missing parameters in body")
        )
    if len(devicetype) > 40:
        return error_response(ApiError.invalid_value("/devicetype", "devicetype", devicetype))
    username = body.get("username")
    if username is not None and (
        not isinstance(username, str) or not 10 <= len(username) <= 40 or not username.isalnum()
    ):
        return error_response(ApiError.invalid_value("/username", "username", username))
    key = gw.auth.create_key(devicetype.strip(), username)
    return json_response([success("username", key)])


def basic_config(request: Request, gw: Gateway) -> Response:
    return json_response(config_view.basic_config(gw.config_context(_host_ip(request))))


def create_app(gw: Gateway) -> Starlette:
    async def api(request: Request) -> Response:
        method = request.method
        if method == "OPTIONS":
            return Response(status_code=200, headers=CORS_PREFLIGHT)
        segments = [s for s in request.url.path.split("/") if s][1:]  # after "api"
        try:
            raw = await read_body(request)
        except BodyTooLarge:
            return error_response(ApiError.body_too_large("/"))
        try:
            return await _dispatch(request, gw, method, segments, raw)
        except Reply as reply:
            return error_response(reply.error)
        except Exception:
            # Never a traceback or an HTML 500 to a client: log it, answer deCONZ's
            # internal error in JSON.
            LOGGER.exception("%s %s failed", method, request.url.path)
            return error_response(ApiError.internal_error("/" + "/".join(segments)))

    async def description(request: Request) -> Response:
        from gateway.rest.upnp import description_xml

        return Response(description_xml(gw, request), media_type="text/xml")

    async def not_api(request: Request) -> Response:
        return error_response(ApiError.not_found(request.url.path))

    return Starlette(
        routes=[
            Route("/api", api, methods=ALL_METHODS),
            Route("/api/{rest:path}", api, methods=ALL_METHODS),
            Route("/description.xml", description, methods=["GET"]),
            Route("/{rest:path}", not_api, methods=ALL_METHODS),
        ],
    )


async def _dispatch(
    request: Request, gw: Gateway, method: str, segments: list[str], raw: bytes
) -> Response:
    if not segments:
        if method == "POST":
            return await create_key(request, gw, raw)
        raise Reply(ApiError.method_not_available(method, "/"))
    if segments == ["config"] and method == "GET":
        return basic_config(request, gw)
    key, rest = segments[0], segments[1:]
    record = gw.auth.lookup(key)
    address = "/" + "/".join(rest)
    if record is None:
        if rest == ["config"] and method == "GET":
            return basic_config(request, gw)
        raise Reply(ApiError.unauthorized(address))
    gw.auth.touch(record)
    match = router.match(method, rest)
    if match.handler is None:
        if method == "GET" and not match.path_known:
            raise _not_found(address)
        raise Reply(ApiError.method_not_available(method, address))
    return await match.handler(Call(request, gw, key, match.params, raw))
