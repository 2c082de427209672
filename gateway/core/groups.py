"""Group and scene logic: any_on/all_on, the action cache, scene snapshots and recalls.

Groups are identified by their Zigbee group address (decimal string). Group "0" is the
hidden all-lights group: every light is a member, it is reachable at `/groups/0` but never
listed. Scene ids are per group, 1..255, like the Zigbee scene ids stored in the lights.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import values
from .lights import ct_limits
from .resources import Light, SceneLight

ALL_LIGHTS = values.ALL_LIGHTS_GROUP
FIRST_GROUP_ADDRESS = 1
LAST_GROUP_ADDRESS = 0xFFEF  # 0xFFF0 and up: deCONZ's all-lights group and reserved ids
FIRST_SCENE_ID = 1
LAST_SCENE_ID = 255
SCENE_TRANSITION = 10  # 1 s, deCONZ default for new scenes

_ACTION_ITEMS = ("on", "bri", "hue", "sat", "ct", "effect")


def lowest_free(used: Iterable[int], first: int, last: int) -> int | None:
    taken = set(used)
    return next((n for n in range(first, last + 1) if n not in taken), None)


def group_state(members: Iterable[Light]) -> dict[str, bool]:
    """any_on/all_on over the *reachable* members (deCONZ ignores unreachable lights)."""
    return values.group_on((light.reachable, light.is_on) for light in members)


def action_update(action: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The new values of the group's action cache after sending `changes` (as planned)."""
    out = {k: changes[k] for k in _ACTION_ITEMS if k in changes}
    if "bri" in out:
        out["bri"] = values.clamp_bri(out["bri"])
    elif "bri_inc" in changes:
        out["bri"] = values.clamp_bri(int(action["bri"]) + int(changes["bri_inc"]))
    if "sat" in out:
        out["sat"] = values.clamp_sat(out["sat"])
    if "ct_inc" in changes and "ct" not in out:
        out["ct"] = max(int(action["ct"]) + int(changes["ct_inc"]), 0)
    if "xy" in changes:
        out["xy"] = [float(v) for v in changes["xy"]]  # the cache keeps what was sent
        out["colormode"] = "xy"
    elif "ct" in changes or "ct_inc" in changes:
        out["colormode"] = "ct"
    elif "hue" in changes or "sat" in changes:
        out["colormode"] = "hs"
    return out


def snapshot(light: Light, transitiontime: int) -> SceneLight:
    """A light's current state as a scene entry (on, bri, colormode + its colour values)."""
    state = light.state
    entry = SceneLight(on=state.get("on"), bri=state.get("bri"), transitiontime=transitiontime)
    mode = state.get("colormode")
    if mode == "xy" and "xy" in state:
        entry.colormode = "xy"
        entry.x, entry.y = state["xy"]
    elif mode == "ct" and "ct" in state:
        entry.colormode, entry.ct = "ct", state["ct"]
    elif mode == "hs" and "hue" in state:
        entry.colormode, entry.hue, entry.sat = "hs", state["hue"], state["sat"]
    return entry


def scene_changes(entry: SceneLight) -> dict[str, Any]:
    """A scene entry as light state changes (what recalling it does to the light)."""
    out: dict[str, Any] = {k: v for k in ("on", "bri") if (v := getattr(entry, k)) is not None}
    if entry.colormode == "xy" and entry.x is not None and entry.y is not None:
        out["xy"] = [entry.x, entry.y]
    elif entry.colormode == "ct" and entry.ct is not None:
        out["ct"] = entry.ct
    elif entry.colormode == "hs":
        out.update({k: v for k in ("hue", "sat") if (v := getattr(entry, k)) is not None})
    return out


def edit_scene_light(entry: SceneLight, light: Light, changes: Mapping[str, Any]) -> None:
    """`PUT .../scenes/<sid>/lights/<lid>/state`: values are normalised like the light
    would store them, and a colour value switches the entry's colormode. Colour comes as
    the request's `xy` pair or as the scene listing's separate `x`/`y`."""
    if "on" in changes:
        entry.on = bool(changes["on"])
    if "bri" in changes:
        entry.bri = values.clamp_bri(changes["bri"])
    if "transitiontime" in changes:
        entry.transitiontime = int(changes["transitiontime"])
    xy = changes.get("xy") or (
        (changes["x"], changes["y"]) if "x" in changes and "y" in changes else None
    )
    if xy is not None:
        entry.colormode = "xy"
        entry.x, entry.y = (values.round_xy(v) for v in xy)
    elif "ct" in changes:
        entry.colormode, entry.ct = "ct", values.clamp_ct(changes["ct"], ct_limits(light))
    elif "hue" in changes or "sat" in changes:
        entry.colormode = "hs"
        if "hue" in changes:
            entry.hue = values.clamp_hue(changes["hue"])
        if "sat" in changes:
            entry.sat = values.clamp_sat(changes["sat"])
