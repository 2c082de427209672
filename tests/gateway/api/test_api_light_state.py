from __future__ import annotations

import copy

import pytest
from deconz_samples import check_zigpy

from gateway.api.light_state import plan_light_state
from radio.commands import DeviceTarget, WriteAttributes, ZclCommand

COLOR = DeviceTarget("00:15:8d:00:01:23:45:67", 1)
IKEA = DeviceTarget("90:fd:9f:ff:fe:01:02:03", 1)


def cmd(target, cluster, command, **args):
    return ZclCommand(target, cluster, command, args)


def ok(path, value):
    return {"success": {path: value}}


def err(type_, address, description):
    return {"error": {"type": type_, "address": address, "description": description}}


def plan(light_id, light, body):
    """Plan, and check every command against zigpy's own schema."""
    result = plan_light_state(light_id, light, body)
    check_zigpy(result.commands)
    return result


class TestPartialSuccess:
    def test_bad_bri_and_good_on_error_first_on_still_sent(self, ct_light):
        result = plan("5", ct_light, {"on": True, "bri": "high"})
        assert result.status == 200
        assert result.responses == [
            err(7, "/lights/5/state/bri", "invalid value, high, for parameter, bri"),
            ok("/lights/5/state/on", True),
        ]
        assert result.commands == [cmd(IKEA, 0x0006, "on")]
        assert result.optimistic == {"on": True}

    def test_errors_come_in_sorted_key_order_before_successes(self, color_light):
        body = {"xy": [2, 0], "on": True, "zzz": 1, "alert": "dance", "colormode": "ct"}
        result = plan("3", color_light, body)
        assert result.responses == [
            err(7, "/lights/3/state/alert", "invalid value, dance, for parameter, alert"),
            err(8, "/lights/3/state/colormode", "parameter, colormode, is not modifiable."),
            err(7, "/lights/3/state/xy", "invalid value, [2,0], for parameter, xy"),
            err(6, "/lights/3/state/zzz", "parameter, zzz, not available"),
            ok("/lights/3/state/on", True),
        ]
        assert result.commands == [cmd(COLOR, 0x0006, "on")]

    def test_unknown_parameter_only(self, color_light):
        result = plan("3", color_light, {"foo": 1})
        assert result.status == 200
        assert result.responses == [
            err(6, "/lights/3/state/foo", "parameter, foo, not available"),
            err(5, "/lights/3/state", "missing parameter to set light state"),
        ]
        assert result.commands == []
        assert result.changes == []

    def test_parameter_the_light_lacks_is_not_available(self, plug):
        result = plan("7", plug, {"bri": 10, "ct": 300, "on": False})
        assert result.responses == [
            err(6, "/lights/7/state/bri", "parameter, bri, not available"),
            err(6, "/lights/7/state/ct", "parameter, ct, not available"),
            ok("/lights/7/state/on", False),
        ]
        assert result.commands == [cmd(DeviceTarget("00:15:8d:00:04:05:06:07", 1), 6, "off")]

    def test_only_modifiers_is_missing_parameter(self, color_light):
        result = plan("3", color_light, {"transitiontime": 5})
        assert result.responses == [
            err(5, "/lights/3/state", "missing parameter to set light state")
        ]
        assert result.commands == []

    @pytest.mark.parametrize("body", [{}, [], "on", None, 1])
    def test_empty_or_non_object_body_is_invalid_json(self, color_light, body):
        result = plan("3", color_light, body)
        assert result.status == 400
        assert result.responses == [err(2, "/lights/3/state", "body contains invalid JSON")]
        assert result.commands == [] and result.changes == []

    def test_companion_parameters(self, color_light):
        result = plan("3", color_light, {"colorloopspeed": 10, "wrap": True, "ontime": 5})
        assert result.responses == [
            err(5, "/lights/3/state", "missing parameter, on or alert, for parameter, ontime"),
            err(5, "/lights/3/state", "missing parameter, bri_inc, for parameter, wrap"),
            err(5, "/lights/3/state", "missing parameter, effect, for parameter, colorloopspeed"),
            err(5, "/lights/3/state", "missing parameter to set light state"),
        ]
        assert result.commands == []


class TestOffAndUnreachable:
    def test_level_and_colour_while_off_is_201(self, ct_light):
        result = plan("5", ct_light, {"bri": 100, "ct": 300})
        assert result.status == 200
        assert result.responses == [
            err(
                201,
                "/lights/5/state/bri",
                "parameter, bri, is not modifiable. Device is set to off.",
            ),
            err(
                201, "/lights/5/state/ct", "parameter, ct, is not modifiable. Device is set to off."
            ),
        ]
        assert result.commands == []
        assert result.changes == []

    def test_on_true_in_the_same_body_allows_it(self, ct_light):
        result = plan("5", ct_light, {"on": True, "bri": 100, "ct": 300})
        assert result.responses == [
            ok("/lights/5/state/on", True),
            ok("/lights/5/state/bri", 100),
            ok("/lights/5/state/ct", 300),
        ]
        assert result.commands == [
            cmd(IKEA, 6, "on"),
            cmd(IKEA, 8, "move_to_level", level=100, transition_time=4),
            cmd(IKEA, 0x0300, "move_to_color_temp", color_temp_mireds=300, transition_time=4),
        ]
        assert result.optimistic == {"on": True, "bri": 100, "ct": 300, "colormode": "ct"}

    def test_execute_if_off_lights_take_changes_while_off(self, color_light):
        color_light["state"]["on"] = False
        result = plan("3", color_light, {"bri": 100, "hue": 1000})
        assert [list(r) for r in result.responses] == [["success"], ["success"]]
        assert len(result.commands) == 2

    def test_off_light_with_on_false_and_bri_is_201_for_bri(self, ct_light):
        result = plan("5", ct_light, {"on": False, "bri": 10})
        assert result.responses == [
            err(
                201,
                "/lights/5/state/bri",
                "parameter, bri, is not modifiable. Device is set to off.",
            ),
            ok("/lights/5/state/on", False),
        ]
        assert result.commands == [cmd(IKEA, 6, "off")]

    def test_unreachable_is_a_single_202_and_nothing_is_sent(self, color_light):
        color_light["state"]["reachable"] = False
        for body in ({"on": True, "bri": 10}, {"foo": 1}, {}):
            result = plan("3", color_light, body)
            assert result.status == 200
            assert result.responses == [
                err(
                    202,
                    "/lights/3/state",
                    "resource, /lights/3/state, is not modifiable. Device is not reachable.",
                )
            ]
            assert result.commands == [] and result.changes == []


class TestPriorityAndOrder:
    def test_xy_beats_ct_beats_hue_sat(self, color_light):
        body = {"xy": [0.3, 0.4], "ct": 300, "ct_inc": 10, "hue": 1000, "sat": 100}
        result = plan("3", color_light, body)
        assert result.responses == [ok("/lights/3/state/xy", [0.3, 0.4])]
        assert result.commands == [
            cmd(COLOR, 0x0300, "move_to_color", color_x=19661, color_y=26214, transition_time=4)
        ]
        assert result.optimistic == {"xy": [0.3, 0.4], "colormode": "xy"}

    def test_ct_beats_ct_inc_and_hue_sat(self, color_light):
        result = plan("3", color_light, {"ct": 300, "ct_inc": 10, "hue": 1000, "sat": 100})
        assert result.responses == [ok("/lights/3/state/ct", 300)]
        assert [c.command for c in result.commands] == ["move_to_color_temp"]

    def test_ct_inc_beats_hue_sat(self, color_light):
        result = plan("3", color_light, {"ct_inc": 10, "sat": 100})
        assert result.responses == [ok("/lights/3/state/ct", 376)]
        assert result.commands == [
            cmd(
                COLOR,
                0x0300,
                "step_color_temp",
                step_mode=1,
                step_size=10,
                transition_time=4,
                color_temp_min_mireds=153,
                color_temp_max_mireds=454,
            )
        ]

    def test_command_order_on_first_off_last(self, color_light):
        body = {"alert": "select", "xy": [0.5, 0.4], "bri": 20, "on": True, "transitiontime": 0}
        result = plan("3", color_light, body)
        assert [c.command for c in result.commands] == [
            "on",
            "move_to_level",
            "move_to_color",
            "identify",
        ]
        assert result.responses == [
            ok("/lights/3/state/on", True),
            ok("/lights/3/state/bri", 20),
            ok("/lights/3/state/xy", [0.5, 0.4]),
            ok("/lights/3/state/alert", "select"),
        ]
        body = {"on": False, "alert": "lselect", "effect": "none", "bri": 20}
        result = plan("3", color_light, body)
        assert [c.command for c in result.commands] == [
            "move_to_level",
            "color_loop_set",
            "identify",
            "off",
        ]


class TestClampingAndConversion:
    def test_bri_255_becomes_254(self, color_light):
        result = plan("3", color_light, {"bri": 255})
        assert result.responses == [ok("/lights/3/state/bri", 254)]
        assert result.commands == [cmd(COLOR, 8, "move_to_level", level=254, transition_time=4)]

    def test_bri_range(self, color_light):
        assert plan("3", color_light, {"bri": 256}).responses == [
            err(7, "/lights/3/state/bri", "invalid value, 256, for parameter, bri")
        ]
        assert plan("3", color_light, {"bri": True}).responses == [
            err(7, "/lights/3/state/bri", "invalid value, true, for parameter, bri")
        ]
        assert plan("3", color_light, {"bri": 127.0}).responses == [ok("/lights/3/state/bri", 127)]

    def test_xy_clamped_to_09961_and_rounded_to_4_decimals(self, color_light):
        result = plan("3", color_light, {"xy": [1.0, 0.123456]})
        assert result.responses == [ok("/lights/3/state/xy", [0.9961, 0.1235])]
        assert result.commands == [
            cmd(COLOR, 0x0300, "move_to_color", color_x=65279, color_y=8091, transition_time=4)
        ]

    def test_xy_out_of_range_or_malformed(self, color_light):
        for value in ([1.1, 0.5], [0.5], [0.5, "0.5"], "0.5,0.5"):
            result = plan("3", color_light, {"xy": value})
            assert result.responses[0]["error"]["type"] == 7
            assert result.commands == []

    @pytest.mark.parametrize(("ct", "sent"), [(100, 153), (600, 454), (300, 300), (153, 153)])
    def test_ct_clamped_into_ctmin_ctmax(self, color_light, ct, sent):
        result = plan("3", color_light, {"ct": ct})
        assert result.responses == [ok("/lights/3/state/ct", sent)]
        assert result.commands == [
            cmd(COLOR, 0x0300, "move_to_color_temp", color_temp_mireds=sent, transition_time=4)
        ]

    def test_ct_range_from_capabilities_when_top_level_missing(self, color_light):
        del color_light["ctmin"], color_light["ctmax"]
        assert plan("3", color_light, {"ct": 100}).responses == [ok("/lights/3/state/ct", 153)]

    def test_sat_255_becomes_254(self, color_light):
        result = plan("3", color_light, {"sat": 255})
        assert result.responses == [ok("/lights/3/state/sat", 254)]
        assert result.commands == [
            cmd(COLOR, 0x0300, "move_to_saturation", saturation=254, transition_time=4)
        ]

    def test_hue_and_sat_use_enhanced_16_bit_hue(self, color_light):
        result = plan("3", color_light, {"hue": 50000, "sat": 200, "transitiontime": 10})
        assert result.responses == [
            ok("/lights/3/state/hue", 50000),
            ok("/lights/3/state/sat", 200),
        ]
        assert result.commands == [
            cmd(
                COLOR,
                0x0300,
                "enhanced_move_to_hue_and_saturation",
                enhanced_hue=50000,
                saturation=200,
                transition_time=10,
            )
        ]
        assert result.optimistic == {"hue": 50000, "sat": 200, "colormode": "hs"}

    def test_8_bit_hue_when_the_light_lacks_enhanced_hue(self, color_light):
        color_light["colorcapabilities"] = 0x01 | 0x08 | 0x10
        result = plan("3", color_light, {"hue": 65535, "sat": 100})
        assert result.commands == [
            cmd(
                COLOR,
                0x0300,
                "move_to_hue_and_saturation",
                hue=254,
                saturation=100,
                transition_time=4,
            )
        ]
        result = plan("3", color_light, {"hue": 32768})
        assert result.commands == [
            cmd(COLOR, 0x0300, "move_to_hue", hue=127, direction=0, transition_time=4)
        ]

    def test_hue_only(self, color_light):
        result = plan("3", color_light, {"hue": 1000})
        assert result.commands == [
            cmd(
                COLOR,
                0x0300,
                "enhanced_move_to_hue",
                enhanced_hue=1000,
                direction=0,
                transition_time=4,
            )
        ]

    def test_transitiontime(self, color_light):
        result = plan("3", color_light, {"bri": 1, "transitiontime": 65535})
        assert result.commands == [cmd(COLOR, 8, "move_to_level", level=1, transition_time=65534)]
        result = plan("3", color_light, {"bri": 1, "transitiontime": -1})
        assert result.responses[0] == err(
            7, "/lights/3/state/transitiontime", "invalid value, -1, for parameter, transitiontime"
        )
        assert result.commands == [cmd(COLOR, 8, "move_to_level", level=1, transition_time=4)]


class TestIncrements:
    def test_bri_inc_replies_the_computed_bri(self, color_light):
        result = plan("3", color_light, {"bri_inc": 50})
        assert result.responses == [ok("/lights/3/state/bri", 230)]
        assert result.commands == [
            cmd(COLOR, 8, "step", step_mode=0, step_size=50, transition_time=4)
        ]
        assert result.optimistic == {"bri": 230}

    def test_bri_inc_down_clamps(self, color_light):
        result = plan("3", color_light, {"bri_inc": -254, "transitiontime": 0})
        assert result.responses == [ok("/lights/3/state/bri", 1)]
        assert result.commands == [
            cmd(COLOR, 8, "step", step_mode=1, step_size=254, transition_time=0)
        ]

    def test_bri_inc_zero_stops(self, color_light):
        result = plan("3", color_light, {"bri_inc": 0})
        assert result.responses == [ok("/lights/3/state/bri", 180)]
        assert result.commands == [cmd(COLOR, 8, "stop")]

    def test_bri_has_priority_over_bri_inc(self, color_light):
        result = plan("3", color_light, {"bri": 10, "bri_inc": 10})
        assert result.responses == [ok("/lights/3/state/bri", 10)]
        assert [c.command for c in result.commands] == ["move_to_level"]

    def test_bri_inc_wrap(self, color_light):
        result = plan("3", color_light, {"bri_inc": 100, "wrap": True})
        assert result.responses == [ok("/lights/3/state/bri", 26)]
        assert result.commands == [
            cmd(COLOR, 8, "step", step_mode=1, step_size=154, transition_time=4)
        ]

    def test_bri_inc_range(self, color_light):
        result = plan("3", color_light, {"bri_inc": 255})
        assert result.responses == [
            err(7, "/lights/3/state/bri_inc", "invalid value, 255, for parameter, bri_inc")
        ]

    def test_ct_inc_clamps_and_zero_stops(self, color_light):
        assert plan("3", color_light, {"ct_inc": 1000}).responses == [ok("/lights/3/state/ct", 454)]
        assert plan("3", color_light, {"ct_inc": -1000}).responses == [
            ok("/lights/3/state/ct", 153)
        ]
        result = plan("3", color_light, {"ct_inc": 0})
        assert result.commands == [cmd(COLOR, 0x0300, "stop_move_step")]
        assert result.responses == [ok("/lights/3/state/ct", 366)]


class TestEffectsAlertsOnOff:
    def test_colorloop_with_speed(self, color_light):
        result = plan("3", color_light, {"effect": "colorloop", "colorloopspeed": 30})
        assert result.responses == [ok("/lights/3/state/effect", "colorloop")]
        assert result.commands == [
            cmd(
                COLOR,
                0x0300,
                "color_loop_set",
                update_flags=7,
                action=2,
                direction=1,
                time=30,
                start_hue=0,
            )
        ]
        assert result.optimistic == {"effect": "colorloop", "colormode": "hs"}

    def test_colorloop_default_speed_25(self, color_light):
        result = plan("3", color_light, {"effect": "colorloop"})
        assert result.commands[0].args["time"] == 25

    def test_effect_none_stops_the_loop_before_colour(self, color_light):
        color_light["state"]["effect"] = "colorloop"
        result = plan("3", color_light, {"effect": "none", "xy": [0.2, 0.2]})
        assert [c.command for c in result.commands] == ["color_loop_set", "move_to_color"]
        assert result.commands[0].args["action"] == 0
        assert result.optimistic == {"effect": "none", "xy": [0.2, 0.2], "colormode": "xy"}

    def test_colour_while_looping_is_not_modifiable(self, color_light):
        color_light["state"]["effect"] = "colorloop"
        result = plan("3", color_light, {"hue": 10, "sat": 20})
        assert result.responses == [
            err(
                8, "/lights/3/state/hue", "parameter, hue, is not modifiable. Colorloop is active."
            ),
            err(
                8, "/lights/3/state/sat", "parameter, sat, is not modifiable. Colorloop is active."
            ),
        ]
        assert result.commands == []

    def test_turning_off_a_looping_light_stops_the_loop(self, color_light):
        color_light["state"]["effect"] = "colorloop"
        result = plan("3", color_light, {"on": False})
        assert [c.command for c in result.commands] == ["color_loop_set", "off"]
        assert result.optimistic == {"effect": "none", "on": False}

    def test_unknown_effect(self, color_light):
        result = plan("3", color_light, {"effect": "sparkle"})
        assert result.responses == [
            err(7, "/lights/3/state/effect", "invalid value, sparkle, for parameter, effect")
        ]

    @pytest.mark.parametrize(
        ("alert", "command", "args"),
        [
            ("none", "identify", {"identify_time": 0}),
            ("select", "identify", {"identify_time": 2}),
            ("lselect", "identify", {"identify_time": 15}),
            ("blink", "trigger_effect", {"effect_id": 0, "effect_variant": 0}),
            ("breathe", "trigger_effect", {"effect_id": 1, "effect_variant": 0}),
            ("okay", "trigger_effect", {"effect_id": 2, "effect_variant": 0}),
            ("channelchange", "trigger_effect", {"effect_id": 11, "effect_variant": 0}),
            ("finish", "trigger_effect", {"effect_id": 254, "effect_variant": 0}),
            ("stop", "trigger_effect", {"effect_id": 255, "effect_variant": 0}),
        ],
    )
    def test_alerts(self, color_light, alert, command, args):
        result = plan("3", color_light, {"alert": alert})
        assert result.responses == [ok("/lights/3/state/alert", alert)]
        assert result.commands == [ZclCommand(COLOR, 0x0003, command, args)]
        assert result.changes == []  # alert is write-only

    def test_lselect_uses_ontime(self, color_light):
        result = plan("3", color_light, {"alert": "lselect", "ontime": 30})
        assert result.commands == [cmd(COLOR, 3, "identify", identify_time=30)]

    def test_on_with_ontime_is_timed_off(self, color_light):
        result = plan("3", color_light, {"on": True, "ontime": 600})
        assert result.commands == [
            cmd(COLOR, 6, "on_with_timed_off", on_off_control=0, on_time=600, off_wait_time=0)
        ]

    def test_fading_off_folds_bri_into_one_level_command(self, color_light):
        result = plan("3", color_light, {"on": False, "bri": 0, "transitiontime": 20})
        assert result.responses == [ok("/lights/3/state/on", False)]
        assert result.commands == [
            cmd(COLOR, 8, "move_to_level_with_on_off", level=0, transition_time=20)
        ]
        assert result.optimistic == {"on": False}

    def test_fan_speed(self):
        fan = {
            "state": {"on": True, "reachable": True, "speed": 1},
            "type": "Fan",
            "uniqueid": "00:11:22:33:44:55:66:77-01",
        }
        result = plan("9", fan, {"speed": 4})
        assert result.responses == [ok("/lights/9/state/speed", 4)]
        assert result.commands == [
            WriteAttributes(DeviceTarget("00:11:22:33:44:55:66:77", 1), 0x0202, {"fan_mode": 4})
        ]


def test_inputs_are_not_modified(color_light):
    before = copy.deepcopy(color_light)
    body = {"on": True, "xy": [0.3, 0.3]}
    plan("3", color_light, body)
    assert color_light == before
    assert body == {"on": True, "xy": [0.3, 0.3]}


def test_restarting_a_running_colour_loop_is_allowed(color_light):
    color_light["state"]["effect"] = "colorloop"
    result = plan("3", color_light, {"effect": "colorloop", "colorloopspeed": 5})
    assert result.responses == [ok("/lights/3/state/effect", "colorloop")]
    assert result.commands[0].args["time"] == 5
