"""Device endpoint → deCONZ light, and ZCL attributes → light `state` (as deCONZ maps them).

The light's type is decided by `classify` (its rules); which `state` items exist comes
from the server clusters and the colour capabilities, because Home
Assistant picks a light's colour modes from the keys present when the entity is created.
Every attribute is turned into the state items it carries, read from the endpoint's
attribute cache, so a report and a restart from zigpy's cache go through the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from radio.clusters import FAN_CONTROL
from radio.events import EndpointInfo

from . import fans, light_families, zcl
from .classify import (
    CAP_ALL,
    CAP_CT,
    CAP_ENHANCED_HUE,
    CAP_HS,
    CAP_LOOP,
    CAP_XY,
    LightFeatures,
)
from .family import LightFamily
from .resources import Light
from .values import (
    CT_MAX_DEFAULT,
    CT_MIN_DEFAULT,
    clamp_bri,
    clamp_ct,
    clamp_hue,
    clamp_sat,
    hue_from_8bit,
    round_xy,
    xy_from_raw,
)

Reader = Callable[[int, int], Any]
"""`read(cluster, attribute)` → the cached value on the light's endpoint, or None."""
State = Mapping[str, Any]
Compute = Callable[[Reader, State], dict[str, Any]]
"""The state items one attribute sets, from the cache and the light's current state."""

ALERTS = [
    "none",
    "select",
    "lselect",
    "blink",
    "breathe",
    "okay",
    "channelchange",
    "finish",
    "stop",
]


def create_light(
    light_id: str,
    uniqueid: str,
    ieee: str,
    ep: EndpointInfo,
    light_type: str,
    features: LightFeatures,
    attr: Mapping[str, Any],
    read: Reader,
) -> Light:
    """A light with every item present (unknown values null) and the cache applied."""
    family = light_families.of_type(light_type)
    if family is not None:
        return _create_family_light(light_id, uniqueid, ieee, ep, family, features, attr, read)
    cached_caps = _valid_caps(read(zcl.COLOR, zcl.ATTR_COLOR_CAPABILITIES))
    if features.color and cached_caps:
        features = LightFeatures(features.dimmable, cached_caps, features.identify)
    state: dict[str, Any] = {"alert": "none", "on": None, "reachable": False}
    if features.dimmable:
        state["bri"] = None
    caps = features.color
    if caps:
        state["colormode"] = _default_colormode(caps)
    if caps & (CAP_HS | CAP_ENHANCED_HUE):
        state.update(hue=None, sat=None)
    if caps & CAP_XY:
        state["xy"] = [0, 0]  # pydeconz unpacks xy, so it is never null
    if caps & CAP_CT:
        state["ct"] = None
    if caps & CAP_LOOP:
        state["effect"] = "none"
    if FAN_CONTROL in ep.in_clusters:  # a ceiling light with a fan: the fan is its `speed`
        state["speed"] = None
    capabilities, top = _capabilities(features, read)
    light = Light(
        light_id,
        uniqueid,
        ieee,
        ep.id,
        attr={**attr, "type": light_type, "uniqueid": uniqueid},
        state=state,
        config={"groups": []},
        capabilities=capabilities,
        top=top,
        features=features,
    )
    refresh(light, read)
    return light


def _create_family_light(
    light_id: str,
    uniqueid: str,
    ieee: str,
    ep: EndpointInfo,
    family: LightFamily,
    features: LightFeatures,
    attr: Mapping[str, Any],
    read: Reader,
) -> Light:
    light = Light(
        light_id,
        uniqueid,
        ieee,
        ep.id,
        attr={**attr, "type": family.type, "uniqueid": uniqueid},
        state={**family.state(ep, read), "reachable": False},
        config={"groups": []},
        capabilities={"alerts": list(family.alerts), "sleeper": False},
        top={"hascolor": False},
        features=features,
    )
    refresh(light, read)
    return light


def _valid_caps(value: Any) -> int:
    return int(value) & CAP_ALL if isinstance(value, int) else 0


def _default_colormode(caps: int) -> str:
    if caps & (CAP_HS | CAP_ENHANCED_HUE):
        return "hs"
    return "xy" if caps & CAP_XY else "ct"


def _ct_range(read: Reader) -> tuple[int, int]:
    lo, hi = read(zcl.COLOR, zcl.ATTR_CT_MIN), read(zcl.COLOR, zcl.ATTR_CT_MAX)
    if not isinstance(lo, int) or not 0 < lo < 0xFFFF:
        lo = CT_MIN_DEFAULT
    if not isinstance(hi, int) or not lo < hi < 0xFFFF:
        hi = max(CT_MAX_DEFAULT, lo + 1)
    return lo, hi


def _capabilities(features: LightFeatures, read: Reader) -> tuple[dict[str, Any], dict[str, Any]]:
    """`capabilities` and the top-level colour items derived from the same facts."""
    capabilities: dict[str, Any] = {
        "alerts": list(ALERTS) if features.identify else ["none"],
        "sleeper": False,
    }
    caps = features.color and (
        _valid_caps(read(zcl.COLOR, zcl.ATTR_COLOR_CAPABILITIES)) or features.color
    )
    top: dict[str, Any] = {"hascolor": bool(caps)}
    if caps:
        modes = [
            m
            for m, bits in (("ct", CAP_CT), ("hs", CAP_HS | CAP_ENHANCED_HUE), ("xy", CAP_XY))
            if caps & bits
        ]
        color: dict[str, Any] = {"modes": modes}
        top["colorcapabilities"] = caps
        if caps & CAP_CT:
            lo, hi = _ct_range(read)
            color["ct"] = {"max": hi, "min": lo}
            top.update(ctmax=hi, ctmin=lo)
        if caps & CAP_LOOP:
            color["effects"] = ["none", "colorloop"]
        capabilities["color"] = color
    return capabilities, top


# --- ZCL → state --------------------------------------------------------------------------
#
# A light reports one cluster's changes in one frame, but each attribute arrives (and is
# published) on its own. So each attribute sets only the state it carries: recomputing a
# pair such as xy from the cache would publish the half not yet arrived at its old value.


def _on(read: Reader, _state: State) -> dict[str, Any]:
    value = read(zcl.ON_OFF, zcl.ATTR_ON_OFF)
    return {} if value is None else {"on": bool(value)}


def _bri(read: Reader, _state: State) -> dict[str, Any]:
    value = read(zcl.LEVEL, zcl.ATTR_CURRENT_LEVEL)
    return {} if value is None else {"bri": clamp_bri(value)}


def _enhanced_hue(read: Reader, _state: State) -> dict[str, Any]:
    value = read(zcl.COLOR, zcl.ATTR_ENHANCED_HUE)
    return {} if value is None else {"hue": clamp_hue(value)}


def _plain_hue(read: Reader, _state: State) -> dict[str, Any]:
    """CurrentHue (8-bit) only for a light without EnhancedCurrentHue; one that has it
    reports both together, and the 16-bit value is the exact one."""
    plain = read(zcl.COLOR, zcl.ATTR_CURRENT_HUE)
    if plain is None or read(zcl.COLOR, zcl.ATTR_ENHANCED_HUE) is not None:
        return {}
    return {"hue": hue_from_8bit(plain)}


def _sat(read: Reader, _state: State) -> dict[str, Any]:
    value = read(zcl.COLOR, zcl.ATTR_CURRENT_SAT)
    return {} if value is None else {"sat": clamp_sat(value)}


def _xy_component(index: int, attribute: int) -> Compute:
    def compute(read: Reader, state: State) -> dict[str, Any]:
        value = read(zcl.COLOR, attribute)
        if value is None:
            return {}
        xy = list(state.get("xy") or (0, 0))
        xy[index] = xy_from_raw(value)
        return {"xy": xy}

    return compute


def _fan_speed(read: Reader, _state: State) -> dict[str, Any]:
    return fans.speed(read)


def _ct(read: Reader, _state: State) -> dict[str, Any]:
    value = read(zcl.COLOR, zcl.ATTR_COLOR_TEMP)
    return {} if value is None else {"ct": int(value)}


_COLOR_MODES = {0: "hs", 1: "xy", 2: "ct", 3: "hs"}  # 3: enhanced hue (EnhancedColorMode)


def _colormode_from(attribute: int) -> Compute:
    def compute(read: Reader, _state: State) -> dict[str, Any]:
        mode = _COLOR_MODES.get(read(zcl.COLOR, attribute))  # type: ignore[arg-type]
        return {} if mode is None else {"colormode": mode}

    return compute


def _effect(read: Reader, _state: State) -> dict[str, Any]:
    value = read(zcl.COLOR, zcl.ATTR_COLOR_LOOP_ACTIVE)
    return {} if value is None else {"effect": "colorloop" if value else "none"}


STATE_ATTRIBUTES: Mapping[tuple[int, int], Compute] = {
    (zcl.ON_OFF, zcl.ATTR_ON_OFF): _on,
    (zcl.LEVEL, zcl.ATTR_CURRENT_LEVEL): _bri,
    (zcl.COLOR, zcl.ATTR_CURRENT_HUE): _plain_hue,
    (zcl.COLOR, zcl.ATTR_ENHANCED_HUE): _enhanced_hue,
    (zcl.COLOR, zcl.ATTR_CURRENT_SAT): _sat,
    (zcl.COLOR, zcl.ATTR_CURRENT_X): _xy_component(0, zcl.ATTR_CURRENT_X),
    (zcl.COLOR, zcl.ATTR_CURRENT_Y): _xy_component(1, zcl.ATTR_CURRENT_Y),
    (zcl.COLOR, zcl.ATTR_COLOR_TEMP): _ct,
    (zcl.COLOR, zcl.ATTR_COLOR_MODE): _colormode_from(zcl.ATTR_COLOR_MODE),
    (zcl.COLOR, zcl.ATTR_ENHANCED_COLOR_MODE): _colormode_from(zcl.ATTR_ENHANCED_COLOR_MODE),
    (zcl.COLOR, zcl.ATTR_COLOR_LOOP_ACTIVE): _effect,
    (FAN_CONTROL, fans.ATTR_FAN_MODE): _fan_speed,
}

CAPABILITY_ATTRIBUTES = frozenset(
    (zcl.COLOR, a) for a in (zcl.ATTR_COLOR_CAPABILITIES, zcl.ATTR_CT_MIN, zcl.ATTR_CT_MAX)
)


def apply_attribute(light: Light, cluster: int, attribute: int, read: Reader) -> bool:
    """Recompute what `(cluster, attribute)` feeds; False if the light does not use it."""
    family = light_families.of_type(light.type)
    if family is not None:
        items = family.attributes.get((cluster, attribute))
        values = {k: v for k, v in (items(read) if items else {}).items() if k in light.state}
        light.update("state", values)
        return bool(values)
    compute = STATE_ATTRIBUTES.get((cluster, attribute))
    if compute is not None:
        values = {k: v for k, v in compute(read, light.state).items() if k in light.state}
        light.update("state", values)
        return bool(values)
    if (cluster, attribute) in CAPABILITY_ATTRIBUTES and light.features.color:
        capabilities, top = _capabilities(light.features, read)
        light.update("capabilities", capabilities)
        light.update("top", top)
        return True
    return False


def refresh(light: Light, read: Reader) -> None:
    """Apply every cached attribute (creation, re-interview)."""
    family = light_families.of_type(light.type)
    for cluster, attribute in STATE_ATTRIBUTES if family is None else family.attributes:
        apply_attribute(light, cluster, attribute, read)


# --- REST commands → optimistic state -------------------------------------------------------


def ct_limits(light: Light) -> tuple[int, int]:
    return light.top.get("ctmin", CT_MIN_DEFAULT), light.top.get("ctmax", CT_MAX_DEFAULT)


def optimistic_state(light: Light, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The `state` a validated light/group command will produce, as deCONZ sets it at once.

    Only one colour command is executed, by priority xy > ct > ct_inc > hue/sat, and
    `colormode` follows it. Items the light does not have are ignored.
    """
    state = light.state
    if light_families.of_type(light.type):  # their planners say which items a command sets
        return {k: v for k, v in changes.items() if k in state}
    out: dict[str, Any] = {}
    if "on" in changes and "on" in state:
        out["on"] = bool(changes["on"])
    if "bri" in state:
        if "bri" in changes:
            out["bri"] = clamp_bri(changes["bri"])
        elif "bri_inc" in changes:
            out["bri"] = clamp_bri((state["bri"] or 0) + int(changes["bri_inc"]))
    mode = None
    if "xy" in changes and "xy" in state:
        x, y = changes["xy"]
        out["xy"], mode = [round_xy(x), round_xy(y)], "xy"
    elif "ct" in changes and "ct" in state:
        out["ct"], mode = clamp_ct(changes["ct"], ct_limits(light)), "ct"
    elif "ct_inc" in changes and "ct" in state:
        limits = ct_limits(light)
        current = limits[0] if state["ct"] is None else state["ct"]
        out["ct"], mode = clamp_ct(current + int(changes["ct_inc"]), limits), "ct"
    elif ("hue" in changes or "sat" in changes) and "hue" in state:
        if "hue" in changes:
            out["hue"] = clamp_hue(changes["hue"])
        if "sat" in changes:
            out["sat"] = clamp_sat(changes["sat"])
        mode = "hs"
    if mode and "colormode" in state:
        out["colormode"] = mode
    if "effect" in changes and "effect" in state:
        out["effect"] = str(changes["effect"])
    return out
