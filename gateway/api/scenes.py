"""Scenes under `/groups/<gid>/scenes`: create, rename, store, recall, edit, delete.

A scene is the Zigbee pair (group address, scene id 0..255) stored in every member light;
the gateway keeps its own copy of each light's values (the GET form, `x`/`y` as 0..1
floats). Store/recall/remove are groupcasts; editing one light's values is a unicast Add
Scene (Enhanced Add for transitions that are not whole seconds) carrying extension field
sets. A REST recall is a `RecallScene` change: the store applies the scene to the
member lights and sets the group's `action.scene`; it never produces a `scene-called`
event (deCONZ sends that only for recalls heard on the air).

`scenes` arguments map scene id → the stored scene:
`{"name": str, "transitiontime": int, "lights": [{"id", "on", "bri", "transitiontime",
"colormode", "x", "y" | "ct" | "hue", "sat"}, ...]}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.core.values import group_address, round_xy, xy_to_raw
from radio.clusters import SCENES
from radio.commands import AddScene, DeviceTarget, GroupTarget, SceneColour, ZclCommand

from .changes import CreateScene, DeleteScene, RecallScene, SceneLightState, SceneRename, StoreScene
from .colour import mired_to_xy
from .errors import ApiError, ErrorType
from .plan import Plan
from .resource import device_target, is_reachable, sub
from .state_core import VALIDATORS
from .validate import Invalid, as_int, as_str

SCENE_NAME_MAX = 32
DEFAULT_SCENE_TRANSITION = 10  # 1 s, deCONZ's default for new and re-stored scenes
MAX_SCENE_ID = 255


@dataclass(slots=True)
class ScenePlan(Plan):
    """Changes: the scene records in `gateway.api.changes`; the store takes the members'
    snapshot itself when it creates or stores a scene."""


def _scene_path(group_id: str, scene_id: str) -> str:
    return f"/groups/{group_id}/scenes/{scene_id}"


def _store_commands(target: GroupTarget, scene_id: int, transition: int) -> list[ZclCommand]:
    """(Re)create the scene empty with its transition time, then Store Scene: each member
    saves its current state. Add Scene counts whole seconds."""
    return [
        ZclCommand(
            target,
            SCENES,
            "add",
            {
                "group_id": target.group,
                "scene_id": scene_id,
                "transition_time": transition // 10,
                "scene_name": "",
            },
        ),
        ZclCommand(target, SCENES, "store", {"group_id": target.group, "scene_id": scene_id}),
    ]


def _name_taken(scenes: Mapping[str, Mapping[str, Any]], name: str, own_id: str | None) -> bool:
    return any(sid != own_id and scene.get("name") == name for sid, scene in scenes.items())


def plan_scene_create(
    group_id: str,
    scenes: Mapping[str, Mapping[str, Any]],
    body: Any,
) -> ScenePlan:
    """Plan `POST /groups/<group_id>/scenes`: optional `name` (≤32, default "Scene <id>")
    and `id` (0..255, default the lowest free from 1). A name or id already used → 400,
    type 100. Groupcasts Add (empty) + Store: each member saves its current state."""
    path = f"/groups/{group_id}/scenes"
    if not isinstance(body, Mapping) or not body:
        return ScenePlan.rejected(ApiError.invalid_json(path))
    name = None
    if "name" in body:
        try:
            name = as_str(body["name"], max_len=SCENE_NAME_MAX)
        except Invalid:
            return ScenePlan.rejected(ApiError.invalid_value(f"{path}/name", "name", body["name"]))
        if name and _name_taken(scenes, name, None):
            return ScenePlan.rejected(ApiError.already_exists(path, f"{path}/{name}"))
    if "id" in body:
        try:
            number = as_int(body["id"], 0, MAX_SCENE_ID)
        except Invalid:
            return ScenePlan.rejected(ApiError.invalid_value(f"{path}/id", "id", body["id"]))
        if str(number) in scenes:
            return ScenePlan.rejected(ApiError.already_exists(path, f"{path}/{number}"))
    else:
        number = next((n for n in range(1, MAX_SCENE_ID + 1) if str(n) not in scenes), None)
        if number is None:
            return ScenePlan.rejected(
                ApiError(ErrorType.DEVICE_SCENE_TABLE_FULL, path, "scene table is full", status=400)
            )

    scene_id = str(number)
    target = GroupTarget(group_address(group_id))
    plan = ScenePlan()
    plan.commands = _store_commands(target, number, DEFAULT_SCENE_TRANSITION)
    plan.ok("id", scene_id)
    plan.change(CreateScene(group_id, scene_id, name or f"Scene {scene_id}"))
    return plan


def plan_scene_attributes(
    group_id: str, scene_id: str, scenes: Mapping[str, Mapping[str, Any]], body: Any
) -> ScenePlan:
    """Plan `PUT /groups/<group_id>/scenes/<scene_id>`: `name` (1..32, unique in the group)."""
    path = _scene_path(group_id, scene_id)
    if scene_id not in scenes:
        return ScenePlan.rejected(ApiError.not_found(path))
    if not isinstance(body, Mapping) or not body:
        return ScenePlan.rejected(ApiError.invalid_json(path))
    if "name" not in body:
        return ScenePlan.rejected(ApiError.missing_parameters(path))
    try:
        name = as_str(body["name"], min_len=1, max_len=SCENE_NAME_MAX)
    except Invalid:
        return ScenePlan.rejected(ApiError.invalid_value(f"{path}/name", "name", body["name"]))
    if _name_taken(scenes, name, scene_id):
        return ScenePlan.rejected(
            ApiError.already_exists(path, f"/groups/{group_id}/scenes/{name}")
        )
    plan = ScenePlan()
    plan.ok(f"{path}/name", name)
    plan.change(SceneRename(group_id, scene_id, name))
    return plan


def plan_scene_store(
    group_id: str,
    scene_id: str,
    scenes: Mapping[str, Mapping[str, Any]],
    body: Any,
) -> ScenePlan:
    """Plan `PUT .../scenes/<scene_id>/store`: groupcast Add (empty) + Store, so each
    member saves its current state, which the store snapshots too. Optional
    `transitiontime` (default 10 = 1 s) for the lights, and, when given, the scene's own."""
    path = _scene_path(group_id, scene_id)
    if scene_id not in scenes:
        return ScenePlan.rejected(ApiError.not_found(path))
    if not isinstance(body, Mapping):
        return ScenePlan.rejected(ApiError.invalid_json(path))
    transition = DEFAULT_SCENE_TRANSITION
    given: int | None = None
    if "transitiontime" in body:
        try:
            transition = given = VALIDATORS["transitiontime"](body["transitiontime"])
        except Invalid:
            value = body["transitiontime"]
            return ScenePlan.rejected(
                ApiError.invalid_value(f"{path}/transitiontime", "transitiontime", value)
            )
    target = GroupTarget(group_address(group_id))
    plan = ScenePlan()
    plan.commands = _store_commands(target, int(scene_id), transition)
    plan.ok("id", scene_id)
    plan.change(StoreScene(group_id, scene_id, given))
    return plan


def _resolve(scene_ref: str, group: Mapping[str, Any], scenes: Mapping[str, Any]) -> str | None:
    """A scene id, or `next`/`prev` relative to the group's last recalled scene."""
    if scene_ref not in ("next", "prev"):
        return scene_ref if scene_ref in scenes else None
    ids = sorted((sid for sid in scenes if sid.isdecimal()), key=int)
    if not ids:
        return None
    last = sub(group, "action").get("scene")
    if last not in ids:
        return ids[0]
    step = 1 if scene_ref == "next" else -1
    return ids[(ids.index(last) + step) % len(ids)]


def plan_scene_recall(
    group_id: str,
    scene_ref: str,
    group: Mapping[str, Any],
    scenes: Mapping[str, Mapping[str, Any]],
) -> ScenePlan:
    """Plan `PUT .../scenes/<scene_ref>/recall`; `scene_ref` may be `next` or `prev`.

    Replies with the id as given in the URL (deCONZ). The `RecallScene` change names the
    resolved scene, so the store applies the one the lights are told to recall.
    """
    path = _scene_path(group_id, scene_ref)
    scene_id = _resolve(scene_ref, group, scenes)
    if scene_id is None:
        return ScenePlan.rejected(ApiError.not_found(path))
    target = GroupTarget(group_address(group_id))
    plan = ScenePlan()
    plan.commands.append(
        ZclCommand(target, SCENES, "recall", {"group_id": target.group, "scene_id": int(scene_id)})
    )
    plan.ok("id", scene_ref)
    plan.change(RecallScene(group_id, scene_id))
    return plan


# -- PUT .../scenes/<sid>/lights/<lid>/state ----------------------------------------------

_SCENE_LIGHT_PARAMS = ("on", "bri", "transitiontime", "ct", "xy", "hue", "sat")
_NEEDS = {"ct": ("ct",), "xy": ("xy",), "hue": ("hue", "sat"), "sat": ("hue", "sat")}


def _ct_below_1000(value: Any) -> int:
    return as_int(value, 0, 999)


def _scene_colour(entry: Mapping[str, Any]) -> SceneColour:
    """A scene entry's colour as the light stores it; a ct entry as its xy point."""
    mode = entry.get("colormode")
    x, y = (entry.get("x", 0.0), entry.get("y", 0.0))
    if mode == "ct" and "ct" in entry:
        x, y = mired_to_xy(int(entry["ct"]))
    hs = mode == "hs"
    return SceneColour(
        x=xy_to_raw(float(x)),
        y=xy_to_raw(float(y)),
        enhanced_hue=int(entry.get("hue", 0)) if hs else 0,
        saturation=int(entry.get("sat", 0)) if hs else 0,
    )


def _add_scene(
    target: DeviceTarget, group: int, scene_id: int, entry: Mapping[str, Any], with_color: bool
) -> AddScene:
    """One light's entry as the On/Off, Level and (for colour lights) Color values it keeps."""
    return AddScene(
        target,
        group,
        scene_id,
        transition=int(entry.get("transitiontime", DEFAULT_SCENE_TRANSITION)),
        on=entry.get("on") is True,
        level=int(entry["bri"]) if "bri" in entry else None,
        colour=_scene_colour(entry) if with_color else None,
    )


def plan_scene_light_state(
    group_id: str,
    scene_id: str,
    light_id: str,
    scenes: Mapping[str, Mapping[str, Any]],
    light: Mapping[str, Any],
    body: Any,
) -> ScenePlan:
    """Plan `PUT .../scenes/<scene_id>/lights/<light_id>/state`: `on`, `bri`,
    `transitiontime`, `ct` (<1000), `xy`, `hue`, `sat` for one light of the scene.

    The first bad parameter ends the request with HTTP 400 (deCONZ). Colour priority is
    xy > ct > hue/sat. Changes: `/groups/<gid>/scenes/<sid>/lights/<lid>` (merge into the
    stored entry); the light gets the whole entry as a unicast Add Scene.
    """
    path = f"{_scene_path(group_id, scene_id)}/lights/{light_id}/state"
    if scene_id not in scenes:
        return ScenePlan.rejected(ApiError.not_found(_scene_path(group_id, scene_id)))
    if not is_reachable(light):
        return ScenePlan.rejected(
            ApiError(
                ErrorType.RESOURCE_NOT_AVAILABLE,
                path,
                f"resource, /lights/{light_id}, not available",
            )
        )
    if not isinstance(body, Mapping) or not body:
        return ScenePlan.rejected(ApiError.invalid_json(path))
    entries = [e for e in scenes[scene_id].get("lights", []) if isinstance(e, Mapping)]
    entry = next((e for e in entries if e.get("id") == light_id), None)
    if entry is None:
        return ScenePlan.rejected(
            ApiError(
                ErrorType.RESOURCE_NOT_AVAILABLE,
                path,
                f"Light {light_id} is not available in scene.",
                status=400,
            )
        )

    state = sub(light, "state")
    values: dict[str, Any] = {}
    for key in _SCENE_LIGHT_PARAMS:
        if key not in body:
            continue
        if not all(k in state for k in _NEEDS.get(key, ())):
            return ScenePlan.rejected(ApiError.parameter_not_available(f"{path}/{key}", key))
        try:
            values[key] = (_ct_below_1000 if key == "ct" else VALIDATORS[key])(body[key])
        except Invalid:
            return ScenePlan.rejected(ApiError.invalid_value(f"{path}/{key}", key, body[key]))
    if not values:
        return ScenePlan.rejected(ApiError.missing_parameters(path))

    updated = {k: v for k, v in values.items() if k in ("on", "bri", "transitiontime")}
    if "xy" in values:
        x, y = values["xy"]
        updated.update(colormode="xy", x=round_xy(x), y=round_xy(y))
    elif "ct" in values:
        updated.update(colormode="ct", ct=values["ct"])
    elif "hue" in values or "sat" in values:
        updated.update({k: values[k] for k in ("hue", "sat") if k in values}, colormode="hs")
    merged = {**entry, **updated}
    plan = ScenePlan()
    plan.commands.append(
        _add_scene(
            device_target(light),
            group_address(group_id),
            int(scene_id),
            merged,
            with_color="colormode" in state,
        )
    )
    plan.ok("id", scene_id)
    plan.change(SceneLightState(group_id, scene_id, light_id, updated))
    return plan


def plan_scene_delete(
    group_id: str,
    scene_id: str,
    scenes: Mapping[str, Mapping[str, Any]],
) -> ScenePlan:
    """Plan `DELETE /groups/<group_id>/scenes/<scene_id>`: Remove Scene groupcast."""
    path = _scene_path(group_id, scene_id)
    if scene_id not in scenes:
        return ScenePlan.rejected(ApiError.not_found(path))
    target = GroupTarget(group_address(group_id))
    plan = ScenePlan()
    plan.change(DeleteScene(group_id, scene_id))
    plan.commands.append(
        ZclCommand(target, SCENES, "remove", {"group_id": target.group, "scene_id": int(scene_id)})
    )
    plan.ok("id", scene_id)
    return plan
