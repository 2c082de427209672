"""Groups and their scenes."""

from __future__ import annotations

from gateway.api import group_action, groups, scenes
from gateway.api.errors import ApiError, success
from gateway.app.reply import Rejected, Reply
from gateway.core.errors import Conflict, TableFull

from .call import Call, router, scenes_json


@router.route("POST", "groups")
async def create_group(call: Call) -> Reply:
    gw = call.gw
    plan = groups.plan_group_create(call.body("/groups"), gw.store.groups.keys())
    if not plan.succeeded or plan.group is None:
        return Reply(plan.status, plan.responses)
    g = plan.group
    try:
        gid = gw.store.create_group(g["name"], g["type"], g.get("class"), g.get("uniqueid"))
    except (Conflict, TableFull) as exc:
        raise Rejected(ApiError.from_core(exc, "/groups")) from exc
    if gw.radio.is_up:
        await gw.subscribe_groups([gid])
    return Reply(200, [success("id", gid)])


@router.route("GET", "groups/{id}")
async def get_group(call: Call) -> Reply:
    _, group = call.group()
    return Reply(200, group.to_json())


@router.route("PUT", "groups/{id}/action")
async def put_group_action(call: Call) -> Reply:
    gid, group = call.group()
    address = f"/groups/{gid}/action"
    call.require_network(address)
    plan = group_action.plan_group_action(
        gid, group.to_json(), call.members(group), call.body(address)
    )
    return await call.carry_out(plan, address)


@router.route("PUT", "groups/{id}")
async def put_group(call: Call) -> Reply:
    gid, group = call.group()
    address = f"/groups/{gid}"
    all_lights = {lid: light.to_json() for lid, light in call.gw.store.lights.items()}
    plan = groups.plan_group_attributes(gid, group.to_json(), call.body(address), all_lights)
    return await call.carry_out(plan, address)


@router.route("DELETE", "groups/{id}")
async def delete_group(call: Call) -> Reply:
    gid, group = call.group()
    address = f"/groups/{gid}"
    call.body(address, allow_empty=True)  # none is needed, but a bad one is answered
    plan = groups.plan_group_delete(gid, group.to_json(), call.members(group))
    reply = await call.carry_out(plan, address)
    if reply.status == 200 and call.gw.radio.is_up:
        await call.gw.subscribe_groups([gid], subscribe=False)
    return reply


# ---- scenes ---------------------------------------------------------------------------


@router.route("GET", "groups/{gid}/scenes")
async def list_scenes(call: Call) -> Reply:
    _, group = call.group("gid")
    return Reply(200, {sid: s.listing_json() for sid, s in group.scenes.items()})


@router.route("POST", "groups/{gid}/scenes")
async def create_scene(call: Call) -> Reply:
    gid, group = call.group("gid")
    address = f"/groups/{gid}/scenes"
    plan = scenes.plan_scene_create(gid, scenes_json(group), call.body(address))
    return await call.carry_out(plan, address)


@router.route("GET", "groups/{gid}/scenes/{sid}")
async def get_scene(call: Call) -> Reply:
    _, group, sid = call.scene()
    return Reply(200, group.scenes[sid].to_json())


@router.route("PUT", "groups/{gid}/scenes/{sid}")
async def put_scene(call: Call) -> Reply:
    gid, group, sid = call.scene()
    address = f"/groups/{gid}/scenes/{sid}"
    plan = scenes.plan_scene_attributes(gid, sid, scenes_json(group), call.body(address))
    return await call.carry_out(plan, address)


@router.route("PUT", "groups/{gid}/scenes/{sid}/store")
async def store_scene(call: Call) -> Reply:
    gid, group, sid = call.scene()
    address = f"/groups/{gid}/scenes/{sid}/store"
    call.require_network(address)
    plan = scenes.plan_scene_store(
        gid,
        sid,
        scenes_json(group),
        call.body(address, allow_empty=True),
    )
    return await call.carry_out(plan, address)


@router.route("PUT", "groups/{gid}/scenes/{sid}/recall")
async def recall_scene(call: Call) -> Reply:
    gid, group = call.group("gid")
    sid = call.params["sid"]  # may be next/prev: the planner resolves it
    address = f"/groups/{gid}/scenes/{sid}/recall"
    call.require_network(address)
    call.body(address, allow_empty=True)  # none is needed, but a bad one is answered
    plan = scenes.plan_scene_recall(gid, sid, group.to_json(), scenes_json(group))
    return await call.carry_out(plan, address)


@router.route("PUT", "groups/{gid}/scenes/{sid}/lights/{lid}/state")
async def put_scene_light(call: Call) -> Reply:
    gid, group, sid = call.scene()
    lid = call.params["lid"]
    light = call.gw.store.lights.get(lid)
    if light is None:
        raise Rejected(ApiError.not_found(f"/lights/{lid}"))
    address = f"/groups/{gid}/scenes/{sid}/lights/{lid}/state"
    call.require_network(address)
    plan = scenes.plan_scene_light_state(
        gid,
        sid,
        lid,
        scenes_json(group),
        light.to_json(),
        call.body(address),
    )
    return await call.carry_out(plan, address)


@router.route("DELETE", "groups/{gid}/scenes/{sid}")
async def delete_scene(call: Call) -> Reply:
    gid, group, sid = call.scene()
    address = f"/groups/{gid}/scenes/{sid}"
    call.body(address, allow_empty=True)  # none is needed, but a bad one is answered
    plan = scenes.plan_scene_delete(gid, sid, scenes_json(group))
    return await call.carry_out(plan, address)
