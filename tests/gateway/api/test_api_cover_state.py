"""`PUT /lights/<id>/state` on a window covering, and a group action with covering keys:
deCONZ's keys (and the legacy ones) to Window Covering commands; a bad parameter answers
the whole request with HTTP 400, as deCONZ's covering handler does."""

from __future__ import annotations

from deconz_samples import check_zigpy

from gateway.api.cover_state import plan_cover_state
from gateway.api.group_action import plan_group_action
from radio.clusters import WINDOW_COVERING
from radio.commands import DeviceTarget, GroupTarget, ZclCommand

IEEE = "00:12:4b:00:1c:aa:01:02"
TARGET = DeviceTarget(IEEE, 1)
TILTING = {
    "type": "Window covering device",
    "uniqueid": f"{IEEE}-01",
    "state": {"bri": 0, "lift": 0, "on": False, "open": True, "reachable": True, "tilt": 0},
}
ROLLER = {**TILTING, "state": {k: v for k, v in TILTING["state"].items() if k != "tilt"}}


def wc(command, target=TARGET, **args):
    return ZclCommand(target, WINDOW_COVERING, command, args)


def ok(param, value, path="/lights/4/state"):
    return {"success": {f"{path}/{param}": value}}


def plan(body, light=TILTING):
    result = plan_cover_state("4", light, body)
    check_zigpy(result.commands)
    return result


def test_open_close_stop_lift_tilt_become_their_commands():
    assert plan({"open": True}).commands == [wc("up_open")]
    assert plan({"open": False}).commands == [wc("down_close")]
    assert plan({"stop": True}).commands == [wc("stop")]
    assert plan({"lift": "stop"}).commands == [wc("stop")]
    result = plan({"lift": 35, "tilt": 80})
    assert result.commands == [
        wc("go_to_lift_percentage", percentage_lift_value=35),
        wc("go_to_tilt_percentage", percentage_tilt_value=80),
    ]
    assert result.responses == [ok("lift", 35), ok("tilt", 80)] and result.status == 200


def test_one_movement_stop_before_lift_before_open():
    result = plan({"open": True, "lift": 20, "stop": True})
    assert result.commands == [wc("stop")] and result.responses == [ok("stop", True)]
    result = plan({"open": False, "lift": 20})
    assert result.commands == [wc("go_to_lift_percentage", percentage_lift_value=20)]
    assert result.responses == [ok("lift", 20)]


def test_legacy_keys_still_work_and_answer_with_the_current_names():
    assert plan({"on": True}).responses == [ok("open", False)]
    assert plan({"on": True}).commands == [wc("down_close")]
    assert plan({"on": False}).commands == [wc("up_open")]
    result = plan({"bri": 127})
    assert result.commands == [wc("go_to_lift_percentage", percentage_lift_value=50)]
    assert result.responses == [ok("lift", 50)]
    assert plan({"bri": 255}).commands == [wc("go_to_lift_percentage", percentage_lift_value=100)]
    assert plan({"bri": "stop"}).commands == [wc("stop")]
    assert plan({"bri_inc": 0}).commands == [wc("stop")]
    assert plan({"lift_inc": 0}).commands == [wc("stop")]
    assert plan({"sat": 254}).commands == [wc("go_to_tilt_percentage", percentage_tilt_value=100)]


def test_nothing_is_optimistic_the_blind_reports_as_it_moves():
    assert plan({"lift": 80}).changes == []


def test_a_bad_parameter_rejects_the_whole_request():
    result = plan({"lift": 101, "open": True, "colour": 1, "bri_inc": 5})
    assert result.status == 400 and result.commands == [] and result.changes == []
    assert result.responses == [
        {"error": {"type": 7, "address": "/lights/4/state",
                   "description": "invalid value, 5, for parameter, bri_inc"}},
        {"error": {"type": 6, "address": "/lights/4/state",
                   "description": "parameter, colour, not available"}},
        {"error": {"type": 7, "address": "/lights/4/state",
                   "description": "invalid value, 101, for parameter, lift"}},
    ]  # fmt: skip
    # tilt is offered only to a covering that tilts; transitiontime to none
    assert [e["error"]["type"] for e in plan({"tilt": 10}, ROLLER).responses] == [6]
    assert plan({"open": True, "transitiontime": 4}).status == 400


def test_no_action_unreachable_and_not_an_object():
    assert [e["error"]["type"] for e in plan({"transitiontime": 4}).responses] == [6]
    unreachable = {**TILTING, "state": {**TILTING["state"], "reachable": False}}
    result = plan({"open": True}, unreachable)
    assert [e["error"]["type"] for e in result.responses] == [202] and not result.commands
    assert plan([]).status == 400 and plan({}).status == 400


def test_a_group_action_with_covering_keys_is_one_groupcast_each():
    group = {"action": {}, "state": {"any_on": False}}
    result = plan_group_action("7", group, {}, {"lift": 40, "tilt": 10})
    assert result.commands == [
        wc("go_to_lift_percentage", GroupTarget(7), percentage_lift_value=40),
        wc("go_to_tilt_percentage", GroupTarget(7), percentage_tilt_value=10),
    ]
    path = "/groups/7/action"
    assert result.responses == [ok("lift", 40, path), ok("tilt", 10, path)]
    bad = plan_group_action("7", group, {}, {"open": "yes"})
    assert bad.status == 400 and bad.commands == [] and bad.responses[0]["error"]["type"] == 7
