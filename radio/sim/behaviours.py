"""What simulated devices do when they receive cluster-specific commands.

One small handler per command (or family of commands), registered in a table keyed by
(cluster id, command name). A handler mutates the endpoint state and returns an
:class:`~radio.sim.request.Outcome`: a status for the Default_Response, or a named cluster
response. Attribute reports follow automatically from what changed.

Transition times are applied instantly; ``move`` commands ramp over time (see ``Ramp``).
Commands are executed even while a light is off (lenient ``ExecuteIfOff``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zigpy.zcl import Cluster, foundation
from zigpy.zcl.clusters.general import (
    Groups,
    Identify,
    LevelControl,
    OnOff,
    Ota,
    Scenes,
)
from zigpy.zcl.clusters.lighting import Color
from zigpy.zcl.clusters.security import IasZone

from .endpoint import Scene, SimEndpoint
from .request import SUCCESS, Outcome, ZclRequest, fail, respond

Status = foundation.Status
Handler = Callable[[ZclRequest, Any], Outcome | None]

HANDLERS: dict[tuple[int, str], Handler] = {}

DEFAULT_MOVE_RATE = 50  # level units per second when a move asks for "default rate"
MAX_GROUP_ID = 0xFFF7


def handles(cluster: type[Cluster], *commands: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for name in commands:
            defs = {c.name for c in cluster.ServerCommandDefs} | {
                c.name for c in cluster.ClientCommandDefs
            }
            assert name in defs, f"{cluster.__name__} has no command {name}"
            HANDLERS[(cluster.cluster_id, name)] = fn
        return fn

    return register


def dispatch(req: ZclRequest, args: Any) -> Outcome:
    handler = HANDLERS.get((req.cluster.cluster_id, req.command))
    if handler is None:
        return fail(Status.UNSUP_CLUSTER_COMMAND)
    required = COLOR_CAPABILITY.get(req.command) if req.cluster is Color else None
    if required is not None and not req.endpoint.get(Color, "color_capabilities", 0) & required:
        return fail(Status.UNSUP_CLUSTER_COMMAND)
    outcome = handler(req, args) or SUCCESS
    if req.cluster is not Scenes:
        _invalidate_current_scene(req.endpoint)
    return outcome


def supported_command_ids(req: ZclRequest) -> list[int]:
    defs = req.cluster.ServerCommandDefs if req.server else req.cluster.ClientCommandDefs
    return sorted(c.id for c in defs if (req.cluster.cluster_id, c.name) in HANDLERS)


def attribute_written(req: ZclRequest, attr: foundation.ZCLAttributeDef) -> None:
    """Side effects of attribute writes, e.g. an IAS zone enrolling once it knows its CIE."""
    if req.cluster is IasZone and attr.name == "cie_addr":
        ep = req.endpoint
        if ep.get(IasZone, "zone_state") != IasZone.ZoneState.Enrolled:
            req.followups.extend(
                req.device.server_command(
                    ep.id,
                    IasZone,
                    "enroll",
                    zone_type=ep.get(IasZone, "zone_type"),
                    manufacturer_code=req.device.manufacturer_code,
                )
            )


# -- On/Off ---------------------------------------------------------------------------


def switch(ep: SimEndpoint, on: bool) -> None:
    ep.set(OnOff, "on_off", on)
    if on and ep.has_attribute(OnOff, "global_scene_control"):
        ep.set(OnOff, "global_scene_control", True)
    if not on and ep.has_attribute(OnOff, "on_time"):
        ep.set(OnOff, "on_time", 0)


def is_on(ep: SimEndpoint) -> bool:
    return bool(ep.get(OnOff, "on_off", False))


@handles(OnOff, "on", "off", "toggle")
def _on_off(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    switch(ep, {"on": True, "off": False, "toggle": not is_on(ep)}[req.command])


@handles(OnOff, "off_with_effect")
def _off_with_effect(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    if ep.get(OnOff, "global_scene_control", True):
        ep.global_scene = snapshot(ep)
        if ep.has_attribute(OnOff, "global_scene_control"):
            ep.set(OnOff, "global_scene_control", False)
    switch(ep, False)


@handles(OnOff, "on_with_recall_global_scene")
def _on_with_recall_global_scene(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    if ep.get(OnOff, "global_scene_control", False):
        return  # nothing stored since the last plain "on": discard, per ZCL
    if ep.global_scene is not None:
        restore(ep, ep.global_scene)
    switch(ep, True)


@handles(OnOff, "on_with_timed_off")
def _on_with_timed_off(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    accept_only_when_on = args.on_off_control & OnOff.OnOffControl.Accept_Only_When_On
    if accept_only_when_on and not is_on(ep):
        return
    on_time = max(int(ep.get(OnOff, "on_time", 0)), args.on_time)
    switch(ep, True)
    if ep.has_attribute(OnOff, "off_wait_time"):
        ep.set(OnOff, "off_wait_time", args.off_wait_time)
    if 0 < on_time < 0xFFFF and ep.has_attribute(OnOff, "on_time"):
        ep.set(OnOff, "on_time", on_time)
        # OnTime counts down in 1/10 s; the light switches off when it reaches zero
        ep.start_ramp(
            OnOff, "on_time", rate=-10, low=0, high=0xFFFF, then=lambda e: switch(e, False)
        )


# -- Level ----------------------------------------------------------------------------


def level_range(ep: SimEndpoint) -> tuple[int, int]:
    return int(ep.get(LevelControl, "min_level", 1)), int(ep.get(LevelControl, "max_level", 254))


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _with_on_off(req: ZclRequest) -> bool:
    return req.command.endswith("with_on_off") and req.endpoint.has(OnOff)


@handles(LevelControl, "move_to_level", "move_to_level_with_on_off")
def _move_to_level(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    if _with_on_off(req) and args.level == 0:
        switch(ep, False)  # fade out; the light remembers its level for the next "on"
        return
    ep.set(LevelControl, "current_level", _clamp(args.level, *level_range(ep)))
    if _with_on_off(req):
        switch(ep, True)


@handles(LevelControl, "move", "move_with_on_off")
def _move(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    low, high = level_range(ep)
    rate = args.rate if args.rate != 0xFF else ep.get(LevelControl, "default_move_rate", None)
    rate = rate or DEFAULT_MOVE_RATE
    up = args.move_mode == LevelControl.MoveMode.Up
    then = None
    if _with_on_off(req):
        if up:
            switch(ep, True)
        else:
            then = _switch_off_at_minimum
    ep.start_ramp(
        LevelControl, "current_level", rate=rate if up else -rate, low=low, high=high, then=then
    )


def _switch_off_at_minimum(ep: SimEndpoint) -> None:
    if ep.get(LevelControl, "current_level") <= level_range(ep)[0]:
        switch(ep, False)


@handles(LevelControl, "step", "step_with_on_off")
def _step(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    low, high = level_range(ep)
    up = args.step_mode == LevelControl.StepMode.Up
    level = int(ep.get(LevelControl, "current_level", low))
    level = _clamp(level + args.step_size if up else level - args.step_size, low, high)
    ep.set(LevelControl, "current_level", level)
    if _with_on_off(req):
        if up:
            switch(ep, True)
        elif level <= low:
            switch(ep, False)


@handles(LevelControl, "stop", "stop_with_on_off")
def _stop(req: ZclRequest, args: Any) -> None:
    req.endpoint.stop_ramps(LevelControl, "current_level")


# -- Color ----------------------------------------------------------------------------

_CAP = Color.ColorCapabilities
COLOR_CAPABILITY: dict[str, int] = {
    **dict.fromkeys(
        (
            "move_to_hue",
            "move_to_saturation",
            "move_to_hue_and_saturation",
            "step_hue",
            "step_saturation",
        ),
        _CAP.Hue_and_saturation,
    ),
    **dict.fromkeys(
        ("enhanced_move_to_hue", "enhanced_move_to_hue_and_saturation", "enhanced_step_hue"),
        _CAP.Enhanced_hue,
    ),
    "color_loop_set": _CAP.Color_loop,
    **dict.fromkeys(("move_to_color", "step_color"), _CAP.XY_attributes),
    **dict.fromkeys(
        ("move_to_color_temp", "move_color_temp", "step_color_temp"), _CAP.Color_temperature
    ),
}

_MODE = Color.ColorMode
_ENHANCED = Color.EnhancedColorMode
MAX_XY = 0xFEFF


def color_mode_for(mode: Color.EnhancedColorMode) -> Color.ColorMode:
    """ColorMode matching an EnhancedColorMode (enhanced hue counts as hue/saturation)."""
    if mode == _ENHANCED.Enhanced_hue_and_saturation:
        return _MODE.Hue_and_saturation
    return _MODE(int(mode))


def _color_mode(ep: SimEndpoint, mode: Color.EnhancedColorMode) -> None:
    """Keep ColorMode and EnhancedColorMode consistent."""
    ep.set(Color, "color_mode", color_mode_for(mode))
    if ep.has_attribute(Color, "enhanced_color_mode"):
        ep.set(Color, "enhanced_color_mode", mode)


def _set_hue(ep: SimEndpoint, *, hue: int | None = None, enhanced_hue: int | None = None) -> None:
    if enhanced_hue is None:
        enhanced_hue = (hue or 0) << 8
    hue = enhanced_hue >> 8 if hue is None else hue
    ep.set(Color, "current_hue", min(hue, 254))
    if ep.has_attribute(Color, "enhanced_current_hue"):
        ep.set(Color, "enhanced_current_hue", enhanced_hue)


def _hs_mode(ep: SimEndpoint, enhanced: bool) -> None:
    _color_mode(
        ep, _ENHANCED.Enhanced_hue_and_saturation if enhanced else _ENHANCED.Hue_and_saturation
    )


@handles(Color, "move_to_color")
def _move_to_color(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    ep.set(Color, "current_x", min(args.color_x, MAX_XY))
    ep.set(Color, "current_y", min(args.color_y, MAX_XY))
    _color_mode(ep, _ENHANCED.X_and_Y)


@handles(Color, "step_color")
def _step_color(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    ep.set(Color, "current_x", _clamp(ep.get(Color, "current_x") + args.step_x, 0, MAX_XY))
    ep.set(Color, "current_y", _clamp(ep.get(Color, "current_y") + args.step_y, 0, MAX_XY))
    _color_mode(ep, _ENHANCED.X_and_Y)


def color_temp_range(ep: SimEndpoint, low: int = 0, high: int = 0) -> tuple[int, int]:
    """Physical mired limits, narrowed by a command's optional min/max (0 = physical)."""
    phys_low = int(ep.get(Color, "color_temp_physical_min", 153))
    phys_high = int(ep.get(Color, "color_temp_physical_max", 500))
    return max(phys_low, low or phys_low), min(phys_high, high or phys_high)


@handles(Color, "move_to_color_temp")
def _move_to_color_temp(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    ep.set(Color, "color_temperature", _clamp(args.color_temp_mireds, *color_temp_range(ep)))
    _color_mode(ep, _ENHANCED.Color_temperature)


@handles(Color, "step_color_temp")
def _step_color_temp(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    low, high = color_temp_range(ep, args.color_temp_min_mireds, args.color_temp_max_mireds)
    step = args.step_size if args.step_mode == Color.StepMode.Up else -args.step_size
    ep.set(Color, "color_temperature", _clamp(ep.get(Color, "color_temperature") + step, low, high))
    _color_mode(ep, _ENHANCED.Color_temperature)


@handles(Color, "move_color_temp")
def _move_color_temp(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    if args.move_mode == Color.MoveMode.Stop or args.rate == 0:
        ep.stop_ramps(Color, "color_temperature")
        return
    low, high = color_temp_range(ep, args.color_temp_min_mireds, args.color_temp_max_mireds)
    rate = args.rate if args.move_mode == Color.MoveMode.Up else -args.rate
    ep.start_ramp(Color, "color_temperature", rate=rate, low=low, high=high)
    _color_mode(ep, _ENHANCED.Color_temperature)


@handles(Color, "stop_move_step")
def _stop_move_step(req: ZclRequest, args: Any) -> None:
    req.endpoint.stop_ramps(Color)


@handles(Color, "move_to_hue")
def _move_to_hue(req: ZclRequest, args: Any) -> None:
    _set_hue(req.endpoint, hue=args.hue)
    _hs_mode(req.endpoint, enhanced=False)


@handles(Color, "enhanced_move_to_hue")
def _enhanced_move_to_hue(req: ZclRequest, args: Any) -> None:
    _set_hue(req.endpoint, enhanced_hue=args.enhanced_hue)
    _hs_mode(req.endpoint, enhanced=True)


@handles(Color, "move_to_saturation")
def _move_to_saturation(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    ep.set(Color, "current_saturation", min(args.saturation, 254))
    enhanced = ep.get(Color, "enhanced_color_mode") == _ENHANCED.Enhanced_hue_and_saturation
    _hs_mode(ep, enhanced=enhanced)


@handles(Color, "move_to_hue_and_saturation")
def _move_to_hue_and_saturation(req: ZclRequest, args: Any) -> None:
    _set_hue(req.endpoint, hue=args.hue)
    req.endpoint.set(Color, "current_saturation", min(args.saturation, 254))
    _hs_mode(req.endpoint, enhanced=False)


@handles(Color, "enhanced_move_to_hue_and_saturation")
def _enhanced_move_to_hue_and_saturation(req: ZclRequest, args: Any) -> None:
    _set_hue(req.endpoint, enhanced_hue=args.enhanced_hue)
    req.endpoint.set(Color, "current_saturation", min(args.saturation, 254))
    _hs_mode(req.endpoint, enhanced=True)


@handles(Color, "step_hue", "enhanced_step_hue")
def _step_hue(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    enhanced = req.command == "enhanced_step_hue"
    step = args.step_size if args.step_mode == Color.StepMode.Up else -args.step_size
    if enhanced:
        _set_hue(ep, enhanced_hue=(int(ep.get(Color, "enhanced_current_hue")) + step) % 0x10000)
    else:
        _set_hue(ep, hue=(int(ep.get(Color, "current_hue")) + step) % 255)
    _hs_mode(ep, enhanced=enhanced)


@handles(Color, "step_saturation")
def _step_saturation(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    step = args.step_size if args.step_mode == Color.StepMode.Up else -args.step_size
    ep.set(Color, "current_saturation", _clamp(ep.get(Color, "current_saturation") + step, 0, 254))
    _hs_mode(
        ep, enhanced=ep.get(Color, "enhanced_color_mode") == _ENHANCED.Enhanced_hue_and_saturation
    )


@handles(Color, "color_loop_set")
def _color_loop_set(req: ZclRequest, args: Any) -> None:
    ep = req.endpoint
    flags = Color.ColorLoopUpdateFlags
    if args.update_flags & flags.Direction:
        ep.set(Color, "color_loop_direction", args.direction)
    if args.update_flags & flags.Time:
        ep.set(Color, "color_loop_time", args.time)
    if args.update_flags & flags.Start_Hue:
        ep.set(Color, "color_loop_start_enhanced_hue", args.start_hue)
    if not args.update_flags & flags.Action:
        return
    action = Color.ColorLoopAction
    active = bool(ep.get(Color, "color_loop_active", 0))
    if args.action == action.Deactivate:
        if active:
            ep.set(Color, "color_loop_active", 0)
            _set_hue(ep, enhanced_hue=ep.get(Color, "color_loop_stored_enhanced_hue", 0))
        return
    if not active:
        ep.set(Color, "color_loop_stored_enhanced_hue", ep.get(Color, "enhanced_current_hue", 0))
    if args.action == action.Activate_from_color_loop_hue:
        _set_hue(ep, enhanced_hue=ep.get(Color, "color_loop_start_enhanced_hue", 0x2300))
    ep.set(Color, "color_loop_active", 1)
    _hs_mode(ep, enhanced=True)


# -- Groups ---------------------------------------------------------------------------


def _valid_group(group_id: int) -> bool:
    return 0x0001 <= group_id <= MAX_GROUP_ID


def add_group(ep: SimEndpoint, group_id: int, name: str = "") -> Status:
    if not _valid_group(group_id):
        return Status.INVALID_VALUE
    if group_id in ep.groups:
        return Status.DUPLICATE_EXISTS
    if len(ep.groups) >= ep.group_capacity:
        return Status.INSUFFICIENT_SPACE
    ep.groups[int(group_id)] = str(name)
    return Status.SUCCESS


def remove_group(ep: SimEndpoint, group_id: int) -> Status:
    if group_id not in ep.groups:
        return Status.NOT_FOUND
    del ep.groups[int(group_id)]
    for key in [key for key in ep.scenes if key[0] == group_id]:
        del ep.scenes[key]
    _update_scene_count(ep)
    return Status.SUCCESS


@handles(Groups, "add")
def _add_group(req: ZclRequest, args: Any) -> Outcome:
    status = add_group(req.endpoint, args.group_id, args.group_name or "")
    return respond("add_response", status=status, group_id=args.group_id)


@handles(Groups, "add_if_identifying")
def _add_group_if_identifying(req: ZclRequest, args: Any) -> Outcome | None:
    ep = req.endpoint
    if ep.has(Identify) and ep.get(Identify, "identify_time", 0) > 0:
        status = add_group(ep, args.group_id, args.group_name or "")
        if status not in (Status.SUCCESS, Status.DUPLICATE_EXISTS):
            return fail(status)
    return None


@handles(Groups, "view")
def _view_group(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    if args.group_id not in ep.groups:
        status = Status.INVALID_VALUE if not _valid_group(args.group_id) else Status.NOT_FOUND
        return respond("view_response", status=status, group_id=args.group_id, group_name="")
    return respond(
        "view_response",
        status=Status.SUCCESS,
        group_id=args.group_id,
        group_name=ep.groups[args.group_id],
    )


@handles(Groups, "get_membership")
def _get_group_membership(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    wanted = list(args.groups)
    groups = [g for g in ep.groups if not wanted or g in wanted]
    capacity = max(0, ep.group_capacity - len(ep.groups))
    return respond("get_membership_response", capacity=capacity, groups=groups)


@handles(Groups, "remove")
def _remove_group(req: ZclRequest, args: Any) -> Outcome:
    status = remove_group(req.endpoint, args.group_id)
    return respond("remove_response", status=status, group_id=args.group_id)


@handles(Groups, "remove_all")
def _remove_all_groups(req: ZclRequest, args: Any) -> None:
    for group_id in list(req.endpoint.groups):
        remove_group(req.endpoint, group_id)


# -- Scenes ---------------------------------------------------------------------------

# What a scene captures, per the ZCL scene table extension fields (plus the colour mode).
SCENE_ATTRIBUTES: tuple[tuple[type[Cluster], str], ...] = (
    (OnOff, "on_off"),
    (LevelControl, "current_level"),
    (Color, "current_x"),
    (Color, "current_y"),
    (Color, "enhanced_current_hue"),
    (Color, "current_hue"),
    (Color, "current_saturation"),
    (Color, "color_loop_active"),
    (Color, "color_loop_direction"),
    (Color, "color_loop_time"),
    (Color, "color_temperature"),
    (Color, "color_mode"),
    (Color, "enhanced_color_mode"),
)
_SCENE_KEYS = frozenset(
    (cls.cluster_id, cls.attributes_by_name[name].id) for cls, name in SCENE_ATTRIBUTES
)


def snapshot(ep: SimEndpoint) -> dict[tuple[int, int], Any]:
    return {
        (cls.cluster_id, cls.attributes_by_name[name].id): ep.get(cls, name)
        for cls, name in SCENE_ATTRIBUTES
        if ep.has_attribute(cls, name)
    }


def restore(ep: SimEndpoint, values: dict[tuple[int, int], Any]) -> None:
    for (cluster_id, attr_id), value in values.items():
        if ep.has_attribute(cluster_id, attr_id):
            ep.set(cluster_id, attr_id, value)


def _update_scene_count(ep: SimEndpoint) -> None:
    if ep.has_attribute(Scenes, "count"):
        ep.set(Scenes, "count", len(ep.scenes))


def _invalidate_current_scene(ep: SimEndpoint) -> None:
    """ZCL: SceneValid turns false once a scene attribute changes after a recall/store."""
    if ep.has_attribute(Scenes, "scene_valid") and _SCENE_KEYS.intersection(ep.changed):
        ep.set(Scenes, "scene_valid", False)


def _scene_group_error(ep: SimEndpoint, group_id: int) -> Status | None:
    if group_id != 0 and group_id not in ep.groups:
        return Status.INVALID_FIELD
    return None


@handles(Scenes, "add", "enhanced_add")
def _add_scene(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    enhanced = req.command == "enhanced_add"
    key = (int(args.group_id), int(args.scene_id))
    status = _scene_group_error(ep, args.group_id)
    if status is None and key not in ep.scenes and len(ep.scenes) >= ep.scene_capacity:
        status = Status.INSUFFICIENT_SPACE
    if status is None:
        # Extension field sets are not modelled: an added scene starts empty; "store" fills it
        ep.scenes[key] = Scene(args.scene_name or "", args.transition_time, enhanced=enhanced)
        _update_scene_count(ep)
        status = Status.SUCCESS
    return respond(
        "enhanced_add_response" if enhanced else "add_scene_response",
        status=status,
        group_id=args.group_id,
        scene_id=args.scene_id,
    )


@handles(Scenes, "view", "enhanced_view")
def _view_scene(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    response = "enhanced_view_response" if req.command == "enhanced_view" else "view_response"
    scene = ep.scenes.get((int(args.group_id), int(args.scene_id)))
    status = _scene_group_error(ep, args.group_id) or (
        Status.NOT_FOUND if scene is None else Status.SUCCESS
    )
    fields: dict[str, Any] = {
        "status": status,
        "group_id": args.group_id,
        "scene_id": args.scene_id,
    }
    if scene is not None and status == Status.SUCCESS:
        fields.update(transition_time=scene.transition_time, scene_name=scene.name)
    return respond(response, **fields)


@handles(Scenes, "remove")
def _remove_scene(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    key = (int(args.group_id), int(args.scene_id))
    status = _scene_group_error(ep, args.group_id)
    if status is None:
        status = Status.SUCCESS if ep.scenes.pop(key, None) is not None else Status.NOT_FOUND
        _update_scene_count(ep)
    return respond(
        "remove_scene_response", status=status, group_id=args.group_id, scene_id=args.scene_id
    )


@handles(Scenes, "remove_all")
def _remove_all_scenes(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    status = _scene_group_error(ep, args.group_id)
    if status is None:
        for key in [key for key in ep.scenes if key[0] == args.group_id]:
            del ep.scenes[key]
        _update_scene_count(ep)
        status = Status.SUCCESS
    return respond("remove_all_scenes_response", status=status, group_id=args.group_id)


def _mark_current_scene(ep: SimEndpoint, group_id: int, scene_id: int) -> None:
    if ep.has(Scenes):
        ep.update(Scenes, current_scene=scene_id, current_group=group_id, scene_valid=True)


@handles(Scenes, "store")
def _store_scene(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    key = (int(args.group_id), int(args.scene_id))
    status = _scene_group_error(ep, args.group_id)
    if status is None and key not in ep.scenes and len(ep.scenes) >= ep.scene_capacity:
        status = Status.INSUFFICIENT_SPACE
    if status is None:
        existing = ep.scenes.get(key)
        ep.scenes[key] = Scene(
            name=existing.name if existing else "",
            transition_time=existing.transition_time if existing else 0,
            values=snapshot(ep),
            enhanced=existing.enhanced if existing else False,
        )
        _update_scene_count(ep)
        _mark_current_scene(ep, *key)
        status = Status.SUCCESS
    return respond(
        "store_scene_response", status=status, group_id=args.group_id, scene_id=args.scene_id
    )


@handles(Scenes, "recall")
def _recall_scene(req: ZclRequest, args: Any) -> Outcome | None:
    ep = req.endpoint
    scene = ep.scenes.get((int(args.group_id), int(args.scene_id)))
    if scene is None:
        return fail(Status.NOT_FOUND)
    restore(ep, scene.values)
    _mark_current_scene(ep, args.group_id, args.scene_id)
    return None


@handles(Scenes, "get_scene_membership")
def _get_scene_membership(req: ZclRequest, args: Any) -> Outcome:
    ep = req.endpoint
    capacity = max(0, ep.scene_capacity - len(ep.scenes))
    status = _scene_group_error(ep, args.group_id)
    if status is not None:
        return respond(
            "get_scene_membership_response",
            status=status,
            capacity=capacity,
            group_id=args.group_id,
        )
    scenes = sorted(sid for gid, sid in ep.scenes if gid == args.group_id)
    return respond(
        "get_scene_membership_response",
        status=Status.SUCCESS,
        capacity=capacity,
        group_id=args.group_id,
        scenes=scenes,
    )


# -- Identify -------------------------------------------------------------------------


def identify(ep: SimEndpoint, seconds: int) -> None:
    ep.set(Identify, "identify_time", seconds)
    if seconds:
        ep.start_ramp(Identify, "identify_time", rate=-1, low=0, high=0xFFFF)


@handles(Identify, "identify")
def _identify(req: ZclRequest, args: Any) -> None:
    identify(req.endpoint, args.identify_time)


@handles(Identify, "identify_query")
def _identify_query(req: ZclRequest, args: Any) -> Outcome | None:
    remaining = int(req.endpoint.get(Identify, "identify_time", 0))
    return respond("identify_query_response", timeout=remaining) if remaining else None


@handles(Identify, "trigger_effect")
def _trigger_effect(req: ZclRequest, args: Any) -> None:
    return None  # a blink is not observable in a simulation


# -- IAS Zone -------------------------------------------------------------------------


@handles(IasZone, "enroll_response")
def _enroll_response(req: ZclRequest, args: Any) -> None:
    if args.enroll_response_code == IasZone.EnrollResponse.Success:
        req.endpoint.update(IasZone, zone_state=IasZone.ZoneState.Enrolled, zone_id=args.zone_id)


@handles(IasZone, "init_normal_op_mode", "init_test_mode")
def _ias_mode(req: ZclRequest, args: Any) -> None:
    return None


# -- OTA (client side) ----------------------------------------------------------------


@handles(Ota, "image_notify")
def _image_notify(req: ZclRequest, args: Any) -> None:
    return None  # simulated firmware never has an update to query for
