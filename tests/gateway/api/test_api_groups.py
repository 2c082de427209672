from __future__ import annotations

import pytest
from deconz_samples import PLUG

from gateway.api.changes import Delete, GroupLights, Rename
from gateway.api.groups import plan_group_attributes, plan_group_create, plan_group_delete
from radio.commands import AddToGroup, DeviceTarget, RemoveFromGroup

COLOR = DeviceTarget("00:15:8d:00:01:23:45:67", 1)
IKEA = DeviceTarget("90:fd:9f:ff:fe:01:02:03", 1)
PLUG_T = DeviceTarget("00:15:8d:00:04:05:06:07", 1)


def ok(path, value):
    return {"success": {path: value}}


def err(type_, address, description):
    return {"error": {"type": type_, "address": address, "description": description}}


@pytest.fixture
def lights(members):
    return {**members, "7": dict(PLUG)}


class TestCreate:
    def test_lowest_free_id(self):
        result = plan_group_create(
            {"name": "Kitchen"}, existing_ids=["1", "2", "3", "4", "6", 65520]
        )
        assert result.status == 200
        assert result.responses == [{"success": {"id": "5"}}]
        assert result.group_id == "5"
        assert result.group == {"name": "Kitchen", "type": "LightGroup", "lights": []}
        assert result.commands == []

    def test_room_with_class_and_uniqueid(self):
        body = {
            "name": " Living ",
            "type": "Room",
            "class": "Living room",
            "uniqueid": "AA:BB:CC:DD-01",
        }
        result = plan_group_create(body, existing_ids=[])
        assert result.group == {
            "name": "Living",
            "type": "Room",
            "class": "Living room",
            "uniqueid": "AA:BB:CC:DD-01",
            "lights": [],
        }
        assert result.group_id == "1"

    def test_class_is_ignored_unless_room(self):
        result = plan_group_create({"name": "x", "class": "nonsense"}, existing_ids=[])
        assert result.status == 200
        assert "class" not in result.group

    def test_missing_name(self):
        result = plan_group_create({"type": "Room"}, existing_ids=[])
        assert result.status == 400
        assert result.responses == [err(5, "/groups", "missing parameters in body")]
        assert result.group_id is None

    @pytest.mark.parametrize(
        ("body", "param"),
        [
            ({"name": "x", "type": "Zone"}, "type"),
            ({"name": "x", "type": "Room", "class": "Dungeon"}, "class"),
            ({"name": "x", "uniqueid": "AA:BB:CC"}, "uniqueid"),
            ({"name": "x", "uniqueid": "AA:BB:CC:GG"}, "uniqueid"),
            ({"name": ""}, "name"),
            ({"name": "x" * 33}, "name"),
            ({"name": 3}, "name"),
        ],
    )
    def test_invalid_values(self, body, param):
        result = plan_group_create(body, existing_ids=[])
        assert result.status == 400
        assert result.responses[0]["error"]["type"] == 7
        assert result.responses[0]["error"]["description"].endswith(f"for parameter, {param}")
        assert result.group_id is None

    def test_table_full(self):
        result = plan_group_create({"name": "x"}, existing_ids=range(1, 0xFFF8))
        assert result.status == 400
        assert result.responses == [
            err(301, "/groups", "group could not be created. Group table is full.")
        ]

    @pytest.mark.parametrize("body", [{}, [], None])
    def test_invalid_body(self, body):
        assert plan_group_create(body, existing_ids=[]).responses == [
            err(2, "/groups", "body contains invalid JSON")
        ]


class TestAttributes:
    def test_lights_replace_membership(self, group, lights):
        result = plan_group_attributes("1", group, {"lights": ["5", "7", "7"]}, lights)
        assert result.status == 200
        assert result.responses == [ok("/groups/1/lights", ["5", "7"])]
        assert result.commands == [AddToGroup(PLUG_T, 1), RemoveFromGroup(COLOR, 1)]
        assert result.added == ["7"] and result.removed == ["3"]
        assert result.changes == [GroupLights("1", ("5", "7"))]

    def test_unknown_light_is_400_and_nothing_changes(self, group, lights):
        result = plan_group_attributes("1", group, {"lights": ["3", "99"], "name": "x"}, lights)
        assert result.status == 400
        assert result.responses == [
            err(
                7,
                "/groups/1/lights",
                "device, 99, could not be added to group. Device does not exist.",
            )
        ]
        assert result.commands == [] and result.changes == []

    def test_hidden_success_value_is_a_string(self, group, lights):
        assert plan_group_attributes("1", group, {"hidden": True}, lights).responses == [
            ok("/groups/1/hidden", "true")
        ]
        result = plan_group_attributes("1", group, {"hidden": False}, lights)
        assert result.responses == [ok("/groups/1/hidden", "false")]
        assert result.changes == []  # answered, not stored

    def test_name_class_and_sequences(self, group, lights):
        body = {
            "name": "Lounge",
            "class": "Lounge",
            "lightsequence": ["5", "3"],
            "multideviceids": ["a"],
        }
        result = plan_group_attributes("1", group, body, lights)
        assert result.responses == [
            ok("/groups/1/class", "Lounge"),
            ok("/groups/1/name", "Lounge"),
            ok("/groups/1/lightsequence", ["5", "3"]),
            ok("/groups/1/multideviceids", ["a"]),
        ]
        assert result.changes == [Rename("groups", "1", "Lounge")]

    def test_every_problem_is_reported(self, group, lights):
        group["type"] = "LightGroup"
        body = {"class": "Lounge", "name": "x" * 40, "hidden": "yes"}
        result = plan_group_attributes("1", group, body, lights)
        assert result.status == 400
        assert [r["error"]["address"] for r in result.responses] == [
            "/groups/1/class",
            "/groups/1/name",
            "/groups/1/hidden",
        ]

    def test_only_unknown_keys(self, group, lights):
        result = plan_group_attributes("1", group, {"foo": 1}, lights)
        assert result.status == 400
        assert result.responses == [err(5, "/groups/1", "missing parameters in body")]


def test_delete_removes_every_member(group, lights):
    result = plan_group_delete("1", group, lights)
    assert result.responses == [{"success": {"id": "1"}}]
    assert result.commands == [RemoveFromGroup(COLOR, 1), RemoveFromGroup(IKEA, 1)]
    assert result.changes == [Delete("groups", "1")]
