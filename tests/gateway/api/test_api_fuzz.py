"""Every planner, fed arbitrary JSON: nothing raises, every outcome is a deCONZ reply, and a
request without a single success sends nothing and changes nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from deconz_samples import (
    CLIP_TEMPERATURE,
    CONFIG,
    CT_LIGHT,
    EXTENDED_COLOR_LIGHT,
    GROUP,
    LIGHTLEVEL_SENSOR,
    PLUG,
    PRESENCE_SENSOR,
    SCENES,
    SWITCH,
    TEMPERATURE_SENSOR,
    THERMOSTAT,
    check_zigpy,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.api import (
    parse_json_body,
    plan_config_put,
    plan_group_action,
    plan_group_attributes,
    plan_group_create,
    plan_light_attributes,
    plan_light_delete,
    plan_light_state,
    plan_scene_attributes,
    plan_scene_create,
    plan_scene_light_state,
    plan_scene_recall,
    plan_scene_store,
    plan_sensor_config,
    plan_sensor_put,
    plan_sensor_state,
)
from gateway.api.errors import ApiError
from gateway.api.plan import Plan

KEYS = [
    "on", "bri", "bri_inc", "hue", "sat", "xy", "ct", "ct_inc", "effect", "colorloopspeed",
    "alert", "transitiontime", "ontime", "wrap", "toggle", "speed", "colormode", "name",
    "type", "class", "uniqueid", "lights", "hidden", "lightsequence", "multideviceids", "id",
    "reset", "config", "mode", "buttonevent", "temperature", "lightlevel", "presence",
    "offset", "delay", "duration", "sensitivity", "tholddark", "tholdoffset", "group",
    "battery", "reachable", "pending", "heatsetpoint", "lat", "permitjoin", "unlock",
    "zigbeechannel", "timezone", "timeformat", "websocketnotifyall", "networkopenduration",
    "lightlastseeninterval", "groupdelay", "rfconnected", "utc", "UTC", "localtime",
    "bridgeid", "otauactive", "discovery", "disablePermitJoinAutoOff", "updatechannel",
]  # fmt: skip
WORDS = [
    "none", "colorloop", "select", "lselect", "blink", "stop", "12h", "24h", "Room",
    "LightGroup", "Living room", "heat", "auto", "Europe/Berlin", "3", "5", "7", "20,21",
    "2024-05-02T08:10:43", "stable", "<b>&\"", "",
]  # fmt: skip
BOUNDARIES = [
    -65536, -65535, -65534, -255, -254, -1, 0, 1, 2, 6, 11, 15, 153, 254, 255, 256, 454, 600,
    601, 999, 1000, 5000, 65534, 65535, 65536, 2**31, 2**63,
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(BOUNDARIES),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(WORDS),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=12,
)


def _ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    return st.integers(lo - 2, hi + 2)


# Values that are valid, or just off the edge, for the keys the planners know; drawn next
# to arbitrary JSON so that fuzzing reaches the success paths, not only the rejections.
_PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    **dict.fromkeys(
        ["on", "wrap", "toggle", "hidden", "reset", "reachable", "presence", "websocketnotifyall",
         "otauactive", "discovery", "rfconnected", "disablePermitJoinAutoOff"],
        st.booleans(),
    ),
    "bri": _ints(0, 255) | st.just("stop"),
    "bri_inc": _ints(-254, 254),
    "hue": _ints(0, 65535),
    "sat": _ints(0, 255),
    "xy": st.lists(st.floats(-0.1, 1.1), min_size=1, max_size=3),
    "ct": _ints(0, 1000),
    "ct_inc": _ints(-600, 600),
    "effect": st.sampled_from(["none", "colorloop", "sparkle"]),
    "colorloopspeed": _ints(1, 300),
    "alert": st.sampled_from(["none", "select", "lselect", "blink", "okay", "stop", "dance"]),
    "transitiontime": _ints(0, 100),
    "ontime": _ints(0, 100),
    "speed": _ints(0, 6),
    "name": st.text(max_size=40),
    "type": st.sampled_from(["LightGroup", "Room", "Zone"]),
    "class": st.sampled_from(["Living room", "Lounge", "Dungeon"]),
    "uniqueid": st.sampled_from(["AA:BB:CC:DD", "AA:BB:CC:DD-0F", "AA:BB"]),
    "lights": st.lists(st.sampled_from(["3", "5", "7", "99", "x"]), max_size=4),
    "lightsequence": st.lists(st.sampled_from(["3", "5"]), max_size=3),
    "multideviceids": st.lists(st.text(max_size=3), max_size=2),
    "id": _ints(0, 260),
    "mode": st.sampled_from([1, 2, 3, "heat", "auto", "turbo"]),
    "buttonevent": _ints(0, 9000),
    "temperature": _ints(-3000, 5000),
    "lightlevel": _ints(0, 65535),
    "offset": _ints(-500, 500),
    "delay": _ints(0, 65535),
    "duration": _ints(0, 65535),
    "sensitivity": _ints(0, 3),
    "tholddark": _ints(0, 65534),
    "tholdoffset": _ints(1, 65534),
    "group": st.sampled_from(["20", "20,21", "", "x"]),
    "battery": _ints(0, 100),
    "heatsetpoint": _ints(500, 3200),
    "lat": st.sampled_from(["51.05", "north"]),
    "permitjoin": _ints(0, 255),
    "unlock": _ints(0, 600),
    "zigbeechannel": st.sampled_from([11, 12, 15, 20, 25]),
    "timezone": st.sampled_from(["Europe/Berlin", "UTC", "Nowhere/Else"]),
    "timeformat": st.sampled_from(["12h", "24h", "13h"]),
    "networkopenduration": _ints(1, 65535),
    "lightlastseeninterval": _ints(1, 65535),
    "groupdelay": _ints(0, 5000),
    "utc": st.sampled_from(["2024-05-02T08:10:43", "yesterday"]),
    "updatechannel": st.sampled_from(["stable", "beta", "nightly"]),
}  # fmt: skip


def _value(key: str) -> st.SearchStrategy[Any]:
    plausible = _PLAUSIBLE.get(key)
    if key == "config":
        plausible = _body(["on", "delay", "battery", "duration", "sensitivity", "offset"])
    return json_values if plausible is None else st.one_of(plausible, plausible, json_values)


def _body(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    key = st.one_of(
        st.sampled_from(keys), st.sampled_from(keys), st.sampled_from(KEYS), st.text(max_size=6)
    )
    return st.lists(key, max_size=5, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({k: _value(k) for k in chosen})
    )


def bodies(keys: list[str]) -> st.SearchStrategy[Any]:
    """Mostly objects built from the planner's own keys, sometimes any JSON at all."""
    return st.one_of(_body(keys), _body(keys), _body(keys), json_values)


LIGHT_KEYS = ["on", "bri", "bri_inc", "hue", "sat", "xy", "ct", "ct_inc", "effect", "alert",
              "colorloopspeed", "transitiontime", "ontime", "wrap", "speed",
              "colormode"]  # fmt: skip
GROUP_ACTION_KEYS = [*LIGHT_KEYS, "toggle"]
CONFIG_KEYS = ["name", "permitjoin", "unlock", "zigbeechannel", "timezone", "timeformat",
               "websocketnotifyall", "networkopenduration", "lightlastseeninterval", "utc",
               "groupdelay", "rfconnected", "otauactive", "discovery", "updatechannel",
               "bridgeid"]  # fmt: skip
SENSOR_CONFIG_KEYS = ["on", "battery", "reachable", "pending", "offset", "delay", "duration",
                      "sensitivity", "tholddark", "tholdoffset", "group", "heatsetpoint", "mode",
                      "lat", "ledindication"]  # fmt: skip
SENSOR_PUT_KEYS = ["name", "mode", "config", "modelid"]
SENSOR_STATE_KEYS = ["buttonevent", "temperature", "lightlevel", "presence", "lux"]
GROUP_KEYS = [
    "name",
    "type",
    "class",
    "uniqueid",
    "lights",
    "hidden",
    "lightsequence",
    "multideviceids",
]
SCENE_KEYS = ["name", "id", "transitiontime", "on", "bri", "ct", "xy", "hue", "sat"]


def _members() -> dict[str, Any]:
    return {"3": EXTENDED_COLOR_LIGHT, "5": CT_LIGHT}


UNREACHABLE = {
    **EXTENDED_COLOR_LIGHT,
    "state": {**EXTENDED_COLOR_LIGHT["state"], "reachable": False},
}
LIGHTS = {**_members(), "7": PLUG}
FAN = {
    "state": {"on": True, "reachable": True, "speed": 1},
    "uniqueid": "00:11:22:33:44:55:66:77-01",
}

PLANNERS: dict[str, tuple[Callable[[Any], Plan], list[str]]] = {
    "light color": (lambda b: plan_light_state("3", EXTENDED_COLOR_LIGHT, b), LIGHT_KEYS),
    "light ct off": (lambda b: plan_light_state("5", CT_LIGHT, b), LIGHT_KEYS),
    "light plug": (lambda b: plan_light_state("7", PLUG, b), LIGHT_KEYS),
    "light fan": (lambda b: plan_light_state("9", FAN, b), LIGHT_KEYS),
    "light unreachable": (lambda b: plan_light_state("3", UNREACHABLE, b), LIGHT_KEYS),
    "group action": (lambda b: plan_group_action("1", GROUP, _members(), b), GROUP_ACTION_KEYS),
    "config": (
        lambda b: plan_config_put(b, CONFIG, api_key="A", permit_join_owner="B"),
        CONFIG_KEYS,
    ),
    "sensor config presence": (
        lambda b: plan_sensor_config("8", PRESENCE_SENSOR, b),
        SENSOR_CONFIG_KEYS,
    ),
    "sensor config thermostat": (
        lambda b: plan_sensor_config("8", THERMOSTAT, b),
        SENSOR_CONFIG_KEYS,
    ),
    "sensor config clip": (
        lambda b: plan_sensor_config("8", CLIP_TEMPERATURE, b),
        SENSOR_CONFIG_KEYS,
    ),
    "sensor config lightlevel": (
        lambda b: plan_sensor_config("8", LIGHTLEVEL_SENSOR, b),
        SENSOR_CONFIG_KEYS,
    ),
    "sensor put": (lambda b: plan_sensor_put("8", TEMPERATURE_SENSOR, b), SENSOR_PUT_KEYS),
    "sensor state switch": (lambda b: plan_sensor_state("12", SWITCH, b), SENSOR_STATE_KEYS),
    "sensor state clip": (
        lambda b: plan_sensor_state("20", CLIP_TEMPERATURE, b),
        SENSOR_STATE_KEYS,
    ),
    "group create": (lambda b: plan_group_create(b, existing_ids=["1", "2"]), GROUP_KEYS),
    "group attributes": (lambda b: plan_group_attributes("1", GROUP, b, LIGHTS), GROUP_KEYS),
    "scene create": (lambda b: plan_scene_create("1", SCENES, b), SCENE_KEYS),
    "scene attributes": (lambda b: plan_scene_attributes("1", "1", SCENES, b), SCENE_KEYS),
    "scene store": (lambda b: plan_scene_store("1", "2", SCENES, b), SCENE_KEYS),
    "scene light state": (
        lambda b: plan_scene_light_state("1", "1", "3", SCENES, EXTENDED_COLOR_LIGHT, b),
        SCENE_KEYS,
    ),
    "light attributes": (
        lambda b: plan_light_attributes("3", EXTENDED_COLOR_LIGHT, b),
        ["name", "reset"],
    ),
    "light delete": (lambda b: plan_light_delete("3", EXTENDED_COLOR_LIGHT, b), ["name", "reset"]),
}
TAKES_EMPTY_BODY = {"scene store", "light delete"}  # their body is optional
SHARED_INPUTS = [
    EXTENDED_COLOR_LIGHT, CT_LIGHT, PLUG, FAN, UNREACHABLE, GROUP, SCENES, CONFIG,
    PRESENCE_SENSOR, THERMOSTAT, CLIP_TEMPERATURE, LIGHTLEVEL_SENSOR, TEMPERATURE_SENSOR, SWITCH,
]  # fmt: skip
SNAPSHOT = copy.deepcopy(SHARED_INPUTS)


def assert_is_deconz_reply(plan: Plan) -> None:
    assert plan.status in (200, 400, 404, 413, 503)
    assert isinstance(plan.responses, list)
    json.dumps(plan.responses, allow_nan=False)  # the reply must be valid JSON
    for item in plan.responses:
        assert isinstance(item, dict) and len(item) == 1
        if "error" in item:
            error = item["error"]
            assert set(error) == {"type", "address", "description"}
            assert type(error["type"]) is int
            assert isinstance(error["address"], str) and isinstance(error["description"], str)
        else:
            assert isinstance(item["success"], dict) and item["success"]


def assert_nothing_happens_without_success(plan: Plan) -> None:
    if plan.succeeded:
        return
    assert plan.commands == []
    assert plan.changes == []
    for extra in ("actions", "added", "removed"):
        assert getattr(plan, extra, []) == []
    for extra in ("group", "group_id"):
        assert getattr(plan, extra, None) is None


@pytest.mark.parametrize("name", PLANNERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_planners_answer_every_body(name, data):
    planner, keys = PLANNERS[name]
    body = data.draw(bodies(keys), label="body")
    body_before = copy.deepcopy(body)
    plan = planner(body)
    assert_is_deconz_reply(plan)
    assert_nothing_happens_without_success(plan)
    check_zigpy(plan.commands)
    if body == body:  # NaN inside makes a body unequal to itself
        assert body == body_before
    assert SHARED_INPUTS == SNAPSHOT  # planners never modify the store's objects
    if not isinstance(body, dict) or (not body and name not in TAKES_EMPTY_BODY):
        assert plan.commands == [] and plan.changes == []


@settings(max_examples=300, deadline=None)
@given(
    scene_ref=st.one_of(st.sampled_from(["1", "2", "next", "prev", "9", ""]), st.text(max_size=5))
)
def test_scene_recall_answers_every_scene_reference(scene_ref):
    plan = plan_scene_recall("1", scene_ref, GROUP, SCENES)
    assert_is_deconz_reply(plan)
    assert_nothing_happens_without_success(plan)
    check_zigpy(plan.commands)


@settings(max_examples=300, deadline=None)
@given(
    raw=st.one_of(st.binary(max_size=200), bodies(LIGHT_KEYS).map(lambda v: json.dumps(v).encode()))
)
def test_parse_json_body_returns_an_object_or_an_error(raw):
    result = parse_json_body(raw, address="/x")
    assert isinstance(result, dict) or (
        isinstance(result, ApiError) and result.type == 2 and result.http_status in (400, 413)
    )
