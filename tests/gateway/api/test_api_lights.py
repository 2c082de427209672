from __future__ import annotations

import pytest

from gateway.api.changes import Delete, Rename
from gateway.api.lights import plan_light_attributes, plan_light_delete, plan_search
from radio.commands import DeviceTarget, PermitJoin, RemoveDevice, RemoveFromGroup

COLOR = DeviceTarget("00:15:8d:00:01:23:45:67", 1)


def test_rename(color_light):
    result = plan_light_attributes("3", color_light, {"name": "  Desk  "})
    assert result.status == 200
    assert result.responses == [{"success": {"/lights/3/name": "Desk"}}]
    assert result.changes == [Rename("lights", "3", "Desk")]
    assert result.commands == []


def test_empty_name_resets_to_the_id(color_light):
    result = plan_light_attributes("3", color_light, {"name": ""})
    assert result.responses == [{"success": {"/lights/3/name": "3"}}]


def test_only_name_is_handled(color_light):
    result = plan_light_attributes("3", color_light, {"name": "A", "powerup": 1, "foo": 2})
    assert result.responses == [{"success": {"/lights/3/name": "A"}}]
    result = plan_light_attributes("3", color_light, {"foo": 2})
    assert result.status == 400
    assert result.responses == [
        {"error": {"type": 5, "address": "/lights/3", "description": "missing parameters in body"}}
    ]


@pytest.mark.parametrize("name", ["x" * 33, 5, None, ["a"]])
def test_invalid_name(color_light, name):
    result = plan_light_attributes("3", color_light, {"name": name})
    assert result.status == 400
    assert result.responses[0]["error"]["type"] == 7
    assert result.changes == []


def test_delete_without_reset_forgets_and_leaves_groups(color_light):
    result = plan_light_delete("3", color_light, {})
    assert result.responses == [{"success": {"id": "3"}}]
    assert result.commands == [RemoveFromGroup(COLOR, 1)]  # group "0" is the all-lights group
    assert result.changes == [Delete("lights", "3")]


def test_delete_with_reset_makes_the_device_leave(color_light):
    result = plan_light_delete("3", color_light, {"reset": True})
    assert result.responses == [{"success": {"/lights/3/reset": True}}]
    assert result.commands == [RemoveDevice("00:15:8d:00:01:23:45:67")]
    result = plan_light_delete("3", color_light, {"reset": False})
    assert result.responses == [{"success": {"/lights/3/reset": False}}]
    assert result.commands == [RemoveFromGroup(COLOR, 1)]


def test_delete_invalid_reset(color_light):
    result = plan_light_delete("3", color_light, {"reset": "yes"})
    assert result.status == 400
    assert result.responses == [
        {
            "error": {
                "type": 7,
                "address": "/lights/3/reset",
                "description": "invalid value, yes, for parameter, reset",
            }
        }
    ]
    assert result.commands == [] and result.changes == []


@pytest.mark.parametrize("resource", ["lights", "sensors"])
def test_search(resource):
    result = plan_search(resource, 60)
    assert result.status == 200
    assert result.responses == [
        {"success": {f"/{resource}": "Searching for new devices", f"/{resource}/duration": 60}}
    ]
    assert result.commands == [PermitJoin(60)]
