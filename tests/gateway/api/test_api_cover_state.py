"""`PUT /lights/<id>/state` on a window covering, and a group action with covering keys:
deCONZ's keys (and the legacy ones) to Window Covering commands, errors per parameter."""

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


def test_legacy_keys_still_work():
    assert plan({"on": True}).commands == [wc("down_close")]
    assert plan({"on": False}).commands == [wc("up_open")]
    assert plan({"bri": 127}).commands == [wc("go_to_lift_percentage", percentage_lift_value=50)]
    assert plan({"bri": 255}).commands == [wc("go_to_lift_percentage", percentage_lift_value=100)]
    assert plan({"bri_inc": 0}).commands == [wc("stop")]
    assert plan({"sat": 254}).commands == [wc("go_to_tilt_percentage", percentage_tilt_value=100)]


def test_nothing_is_optimistic_the_blind_reports_as_it_moves():
    assert plan({"lift": 80}).changes == []


def test_bad_values_and_unknown_keys_are_answered_one_by_one():
    result = plan({"lift": 101, "open": True, "colour": 1, "bri_inc": 5})
    assert result.status == 200
    assert [item.get("error", {}).get("type") for item in result.responses] == [7, 6, 7, None]
    assert result.commands == [wc("up_open")]
    # tilt is offered only to a covering that tilts
    result = plan({"tilt": 10}, ROLLER)
    assert [e["error"]["type"] for e in result.responses] == [6, 5]
    assert result.commands == []


def test_no_action_unreachable_and_not_an_object():
    assert [e["error"]["type"] for e in plan({"transitiontime": 4}).responses] == [5]
    unreachable = {**TILTING, "state": {**TILTING["state"], "reachable": False}}
    result = plan({"open": True}, unreachable)
    assert [e["error"]["type"] for e in result.responses] == [202] and not result.commands
    assert plan([]).status == 400 and plan({}).status == 400


def test_a_group_action_with_covering_keys_is_one_groupcast_each():
    group = {"action": {}, "state": {"any_on": False}}
    result = plan_group_action("7", group, {}, {"lift": 40, "stop": False})
    lift = wc("go_to_lift_percentage", GroupTarget(7), percentage_lift_value=40)
    assert result.commands == [lift]
    path = "/groups/7/action"
    assert result.responses == [ok("lift", 40, path), ok("stop", False, path)]
    bad = plan_group_action("7", group, {}, {"open": "yes"})
    assert bad.status == 400 and bad.commands == [] and bad.responses[0]["error"]["type"] == 7
