from __future__ import annotations

import pytest
from deconz_samples import check_zigpy

from gateway.api.changes import GroupAction, LightState
from gateway.api.group_action import plan_group_action
from radio.commands import GroupTarget, ZclCommand

G1 = GroupTarget(1)


def cmd(cluster, command, **args):
    return ZclCommand(G1, cluster, command, args)


def ok(path, value):
    return {"success": {path: value}}


def member_states(result):
    return {c.light_id: c.values for c in result.changes if isinstance(c, LightState)}


def plan(group, members, body, **kwargs):
    result = plan_group_action("1", group, members, body, **kwargs)
    check_zigpy(result.commands)
    return result


def test_on_is_one_groupcast_and_updates_members(group, members):
    result = plan(group, members, {"on": True})
    assert result.status == 200
    assert result.responses == [ok("/groups/1/action/on", True)]
    assert result.commands == [cmd(6, "on")]
    assert result.changes == [
        GroupAction("1", {"on": True}),
        LightState("3", {"on": True}),
        LightState("5", {"on": True}),
    ]


@pytest.mark.parametrize(
    ("body", "param", "shown"),
    [
        ({"bri": 300}, "bri", "300"),
        ({"on": "yes"}, "on", "yes"),
        ({"xy": [0.5]}, "xy", "[0.5]"),
        ({"effect": "disco"}, "effect", "disco"),
        ({"alert": 1}, "alert", "1"),
        ({"ct": -1}, "ct", "-1"),
        ({"transitiontime": "slow", "on": True}, "transitiontime", "slow"),
    ],
)
def test_invalid_value_is_400_and_stops(group, members, body, param, shown):
    result = plan(group, members, body)
    assert result.status == 400
    assert result.responses == [
        {
            "error": {
                "type": 7,
                "address": f"/groups/1/action/{param}",
                "description": f"invalid value, {shown}, for parameter, {param}",
            }
        }
    ]
    assert result.commands == [] and result.changes == []


def test_first_invalid_in_deconz_order_is_reported(group, members):
    result = plan(group, members, {"bri": "x", "on": 1, "sat": 999})
    assert result.responses[0]["error"]["address"] == "/groups/1/action/on"


def test_a_valid_bri_before_an_invalid_ct_sends_nothing(group, members):
    result = plan(group, members, {"bri": 100, "ct": "warm"})
    assert result.status == 400
    assert result.commands == []


def test_unknown_keys_are_ignored(group, members):
    result = plan(group, members, {"on": False, "scene": "1", "foo": [1]})
    assert result.responses == [ok("/groups/1/action/on", False)]
    assert result.commands == [cmd(6, "off")]


def test_nothing_to_do_is_missing_parameters(group, members):
    result = plan(group, members, {"foo": 1, "transitiontime": 10})
    assert result.status == 400
    assert result.responses == [
        {
            "error": {
                "type": 5,
                "address": "/groups/1/action",
                "description": "missing parameters in body",
            }
        }
    ]


@pytest.mark.parametrize("body", [{}, [], None, "x"])
def test_invalid_body(group, members, body):
    result = plan(group, members, body)
    assert result.status == 400
    assert result.responses[0]["error"]["type"] == 2


@pytest.mark.parametrize(("any_on", "sent", "value"), [(True, "off", False), (False, "on", True)])
def test_toggle_flips_from_any_on(group, members, any_on, sent, value):
    group["state"]["any_on"] = any_on
    result = plan(group, members, {"toggle": True})
    assert result.commands == [cmd(6, sent)]
    assert result.responses == [ok("/groups/1/action/on", value)]


def test_toggle_false_does_nothing(group, members):
    result = plan(group, members, {"toggle": False})
    assert result.status == 200
    assert result.responses == [] and result.commands == [] and result.changes == []


def test_on_with_bri_is_a_single_move_to_level_with_on_off(group, members):
    result = plan(group, members, {"on": True, "bri": 255, "transitiontime": 10})
    assert result.responses == [ok("/groups/1/action/on", True), ok("/groups/1/action/bri", 254)]
    assert result.commands == [cmd(8, "move_to_level_with_on_off", level=254, transition_time=10)]
    assert member_states(result)["5"] == {"on": True, "bri": 254}


def test_bri_alone_and_bri_stop(group, members):
    assert plan(group, members, {"bri": 10}).commands == [
        cmd(8, "move_to_level", level=10, transition_time=4)
    ]
    result = plan(group, members, {"bri": "stop"})
    assert result.responses == [ok("/groups/1/action/bri", "stop")]
    assert result.commands == [cmd(8, "stop")]


def test_no_device_off_error_for_groups(group, members):
    """The off IKEA member has no execute_if_off; groups never answer 201."""
    result = plan(group, members, {"ct": 300})
    assert result.responses == [ok("/groups/1/action/ct", 300)]
    assert member_states(result)["5"] == {"ct": 300, "colormode": "ct"}


def test_bri_inc_echoes_the_increment_and_leaves_off_members_alone(group, members):
    result = plan(group, members, {"bri_inc": -30})
    assert result.responses == [ok("/groups/1/action/bri_inc", -30)]
    assert result.commands == [cmd(8, "step", step_mode=1, step_size=30, transition_time=4)]
    assert result.changes == [GroupAction("1", {"bri": 97}), LightState("3", {"bri": 150})]


def test_ct_is_clamped_to_each_members_range(group, members):
    result = plan(group, members, {"ct": 200})
    assert result.commands == [
        cmd(0x0300, "move_to_color_temp", color_temp_mireds=200, transition_time=4)
    ]
    assert member_states(result)["3"] == {"ct": 200, "colormode": "ct"}
    assert member_states(result)["5"] == {"ct": 250, "colormode": "ct"}
    result = plan(group, members, {"ct": 1000})
    assert result.commands[0].args["color_temp_mireds"] == 454


def test_xy_goes_only_to_members_with_xy(group, members):
    result = plan(group, members, {"xy": [0.7, 0.3], "transitiontime": 0})
    assert result.commands == [
        cmd(
            0x0300, "move_to_color", color_x=45875, color_y=19661, transition_time=0
        )  # v·65535, rounded half up
    ]
    assert result.changes == [
        GroupAction("1", {"xy": [0.7, 0.3], "colormode": "xy"}),
        LightState("3", {"xy": [0.7, 0.3], "colormode": "xy"}),
    ]


def test_hue_sat(group, members):
    result = plan(group, members, {"hue": 10000, "sat": 200})
    assert result.commands == [
        cmd(
            0x0300,
            "enhanced_move_to_hue_and_saturation",
            enhanced_hue=10000,
            saturation=200,
            transition_time=4,
        )
    ]
    assert member_states(result)["3"] == {"hue": 10000, "sat": 200, "colormode": "hs"}
    assert "5" not in member_states(result)


def test_colorloop_default_speed_15(group, members):
    result = plan(group, members, {"effect": "colorloop"})
    assert result.commands[0].args["time"] == 15


def test_fading_off(group, members):
    result = plan(group, members, {"on": False, "bri": 0, "transitiontime": 30})
    assert result.responses == [ok("/groups/1/action/on", False)]
    assert result.commands == [cmd(8, "move_to_level_with_on_off", level=0, transition_time=30)]


def test_unreachable_members_are_not_updated(group, members):
    members["5"]["state"]["reachable"] = False
    result = plan(group, members, {"on": True})
    assert member_states(result) == {"3": {"on": True}}


def test_all_lights_group_uses_its_real_address(group, members):
    result = plan_group_action("0", group, members, {"on": True})
    assert result.commands == [ZclCommand(GroupTarget(0xFFF0), 6, "on", {})]
    assert result.responses == [ok("/groups/0/action/on", True)]


def test_wrap_uses_member_levels(group, members):
    result = plan(group, members, {"bri_inc": 200, "wrap": True})
    assert result.commands == [cmd(8, "step", step_mode=1, step_size=54, transition_time=4)]
