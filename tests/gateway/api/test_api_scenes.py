from __future__ import annotations

import pytest
from deconz_samples import check_zigpy

from gateway.api.changes import (
    CreateScene,
    DeleteScene,
    RecallScene,
    SceneLightState,
    SceneRename,
    StoreScene,
)
from gateway.api.colour import mired_to_xy
from gateway.api.scenes import (
    plan_scene_attributes,
    plan_scene_create,
    plan_scene_delete,
    plan_scene_light_state,
    plan_scene_recall,
    plan_scene_store,
)
from radio.commands import AddScene, DeviceTarget, GroupTarget, ZclCommand
from radio.scene_fields import add_scene_request

G1 = GroupTarget(1)
COLOR = DeviceTarget("00:15:8d:00:01:23:45:67", 1)


def scenes_cmd(command, target=G1, **args):
    return ZclCommand(target, 0x0005, command, args)


def err(type_, address, description):
    return {"error": {"type": type_, "address": address, "description": description}}


def wire(command: AddScene) -> bytes:
    """The ZCL payload zigpy puts on the air for a scene-add command."""
    definition, args = add_scene_request(command)
    return definition.schema(**args).serialize()


def command_name(command: AddScene) -> str:
    return add_scene_request(command)[0].name


def colour_fields(command: AddScene) -> bytes:
    return add_scene_request(command)[1]["extension_field_sets"][2].extension_field_set


class TestCreate:
    def test_create_then_add_and_store(self, scenes):
        result = plan_scene_create("1", scenes, {"name": "Evening"})
        check_zigpy(result.commands)
        assert result.status == 200
        assert result.responses == [{"success": {"id": "3"}}]
        assert result.commands == [
            scenes_cmd("add", group_id=1, scene_id=3, transition_time=1, scene_name=""),
            scenes_cmd("store", group_id=1, scene_id=3),
        ]
        assert result.changes == [CreateScene("1", "3", "Evening")]

    def test_default_name_and_explicit_id(self, scenes):
        result = plan_scene_create("1", scenes, {"id": 0})
        assert result.responses == [{"success": {"id": "0"}}]
        assert result.changes == [CreateScene("1", "0", "Scene 0")]

    def test_duplicate_name_or_id_is_100(self, scenes):
        result = plan_scene_create("1", scenes, {"name": "Relax"})
        assert result.status == 400
        assert result.responses == [
            err(100, "/groups/1/scenes", "resource, /groups/1/scenes/Relax, already exists")
        ]
        result = plan_scene_create("1", scenes, {"id": 2})
        assert result.responses == [
            err(100, "/groups/1/scenes", "resource, /groups/1/scenes/2, already exists")
        ]
        assert result.commands == [] and result.changes == []

    @pytest.mark.parametrize(
        "body", [{"name": "x" * 33}, {"name": 1}, {"id": 256}, {"id": "3"}, {"id": True}]
    )
    def test_invalid_values(self, scenes, body):
        result = plan_scene_create("1", scenes, body)
        assert result.status == 400
        assert result.responses[0]["error"]["type"] == 7

    def test_invalid_body(self, scenes):
        assert plan_scene_create("1", scenes, {}).responses == [
            err(2, "/groups/1/scenes", "body contains invalid JSON")
        ]


def test_rename(scenes):
    result = plan_scene_attributes("1", "1", scenes, {"name": "Chill"})
    assert result.responses == [{"success": {"/groups/1/scenes/1/name": "Chill"}}]
    assert result.changes == [SceneRename("1", "1", "Chill")]
    assert plan_scene_attributes("1", "1", scenes, {"name": "Relax"}).status == 200
    assert (
        plan_scene_attributes("1", "1", scenes, {"name": "Bright"}).responses[0]["error"]["type"]
        == 100
    )
    assert plan_scene_attributes("1", "1", scenes, {"name": ""}).status == 400
    assert plan_scene_attributes("1", "9", scenes, {"name": "x"}).responses == [
        err(3, "/groups/1/scenes/9", "resource, /groups/1/scenes/9, not available")
    ]


def test_store_sends_the_transition(scenes):
    result = plan_scene_store("1", "2", scenes, {"transitiontime": 50})
    check_zigpy(result.commands)
    assert result.responses == [{"success": {"id": "2"}}]
    assert result.commands == [
        scenes_cmd("add", group_id=1, scene_id=2, transition_time=5, scene_name=""),
        scenes_cmd("store", group_id=1, scene_id=2),
    ]
    assert result.changes == [StoreScene("1", "2", 50)]
    assert plan_scene_store("1", "2", scenes, {}).changes == [StoreScene("1", "2")]
    assert plan_scene_store("1", "2", scenes, {}).commands[0].args["transition_time"] == 1
    assert plan_scene_store("1", "2", scenes, {"transitiontime": "x"}).status == 400
    assert plan_scene_store("1", "7", scenes, {}).status == 404


class TestRecall:
    def test_recall_is_a_groupcast_and_the_stores_recall(self, group, scenes):
        result = plan_scene_recall("1", "1", group, scenes)
        check_zigpy(result.commands)
        assert result.responses == [{"success": {"id": "1"}}]
        assert result.commands == [scenes_cmd("recall", group_id=1, scene_id=1)]
        assert result.changes == [RecallScene("1", "1")]

    @pytest.mark.parametrize(
        ("last", "ref", "expected"),
        [("2", "next", "1"), ("1", "next", "2"), ("1", "prev", "2"), ("", "next", "1")],
    )
    def test_next_and_prev_cycle(self, group, scenes, last, ref, expected):
        group["action"]["scene"] = last
        result = plan_scene_recall("1", ref, group, scenes)
        assert result.responses == [{"success": {"id": ref}}]
        assert result.commands[0].args["scene_id"] == int(expected)
        assert result.changes == [RecallScene("1", expected)]

    def test_unknown_scene(self, group, scenes):
        result = plan_scene_recall("1", "9", group, scenes)
        assert result.status == 404
        assert result.commands == [] and result.changes == []
        assert plan_scene_recall("1", "next", group, {}).status == 404


class TestLightState:
    def test_edit_one_light_sends_add_scene_with_field_sets(self, scenes, color_light):
        result = plan_scene_light_state("1", "1", "3", scenes, color_light, {"bri": 100})
        check_zigpy(result.commands)
        assert result.responses == [{"success": {"id": "1"}}]
        assert result.changes == [SceneLightState("1", "1", "3", {"bri": 100})]
        [command] = result.commands
        assert command.target == COLOR
        assert command_name(command) == "add"
        assert wire(command) == bytes.fromhex(
            "0100"
            "01"
            "0100"
            "00"  # group 1, scene 1, 1 s, no name
            "0600"
            "01"
            "01"  # On/Off: on
            "0800"
            "01"
            "64"  # Level: 100
            "0003"
            "0b"
            "1175"
            "f568"
            "0000"
            "00"
            "00"
            "00"
            "0000"  # Color: x, y, hue, sat, loop
        )

    def test_tenths_of_a_second_use_enhanced_add(self, scenes, color_light):
        body = {"transitiontime": 15, "on": False}
        [command] = plan_scene_light_state("1", "1", "3", scenes, color_light, body).commands
        assert command_name(command) == "enhanced_add"
        assert command.transition == 15
        assert wire(command).startswith(bytes.fromhex("0100010f000006000100"))

    def test_ct_travels_as_its_xy_point(self, scenes, color_light):
        result = plan_scene_light_state(
            "1", "1", "3", scenes, color_light, {"ct": 370, "xy": [0.1, 0.1]}
        )
        assert result.changes == [
            SceneLightState(
                "1",
                "1",
                "3",
                {
                    "colormode": "xy",
                    "x": 0.1,
                    "y": 0.1,
                },
            )
        ]
        result = plan_scene_light_state("1", "1", "3", scenes, color_light, {"ct": 370})
        assert result.changes == [SceneLightState("1", "1", "3", {"colormode": "ct", "ct": 370})]
        fields = colour_fields(result.commands[0])
        x, y = mired_to_xy(370)
        assert fields[:4] == round(x * 65535).to_bytes(2, "little") + round(y * 65535).to_bytes(
            2, "little"
        )

    def test_hue_sat(self, scenes, color_light):
        result = plan_scene_light_state(
            "1", "1", "3", scenes, color_light, {"hue": 1000, "sat": 300}
        )
        assert result.status == 400
        result = plan_scene_light_state(
            "1", "1", "3", scenes, color_light, {"hue": 1000, "sat": 200}
        )
        assert result.changes == [
            SceneLightState(
                "1",
                "1",
                "3",
                {
                    "hue": 1000,
                    "sat": 200,
                    "colormode": "hs",
                },
            )
        ]
        colour = colour_fields(result.commands[0])
        assert colour[4:7] == bytes.fromhex("e803c8")

    def test_dimmable_light_gets_no_colour_set(self, scenes, color_light):
        dimmable = {
            "state": {"bri": 10, "on": True, "reachable": True},
            "uniqueid": color_light["uniqueid"],
        }
        result = plan_scene_light_state("1", "2", "3", scenes, dimmable, {"bri": 20})
        sets = add_scene_request(result.commands[0])[1]["extension_field_sets"]
        assert [s.cluster_id for s in sets] == [6, 8]
        assert plan_scene_light_state("1", "2", "3", scenes, dimmable, {"ct": 300}).responses == [
            err(6, "/groups/1/scenes/2/lights/3/state/ct", "parameter, ct, not available")
        ]

    def test_errors(self, scenes, color_light):
        path = "/groups/1/scenes/1/lights/3/state"
        assert plan_scene_light_state(
            "1", "1", "3", scenes, color_light, {"ct": 1000}
        ).responses == [err(7, f"{path}/ct", "invalid value, 1000, for parameter, ct")]
        assert plan_scene_light_state("1", "1", "7", scenes, color_light, {"bri": 1}).responses == [
            err(3, "/groups/1/scenes/1/lights/7/state", "Light 7 is not available in scene.")
        ]
        color_light["state"]["reachable"] = False
        result = plan_scene_light_state("1", "1", "3", scenes, color_light, {"bri": 1})
        assert result.status == 404
        assert result.responses == [err(3, path, "resource, /lights/3, not available")]
        assert result.commands == []


def test_delete(scenes):
    result = plan_scene_delete("1", "2", scenes)
    check_zigpy(result.commands)
    assert result.responses == [{"success": {"id": "2"}}]
    assert result.commands == [scenes_cmd("remove", group_id=1, scene_id=2)]
    assert result.changes == [DeleteScene("1", "2")]
    assert plan_scene_delete("1", "5", scenes).status == 404
