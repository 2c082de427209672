"""Scene extension field sets, typed with zigpy.

zigpy 2.4 declares Scenes Add (0x00) and Enhanced Add (0x40) without their trailing
extension field sets (`# TODO: + extension field sets` in `zcl/clusters/general.py`), so
there is no zigpy type to fill. This module defines the missing types from zigpy's own
primitives, so every byte is produced by a zigpy serializer:

- `ExtensionFieldSet`: cluster id (uint16) + length-prefixed attribute values (ZCL §3.7.2.4.2);
- the per-cluster payloads in the order ZCL fixes: On/Off `OnOff`; Level `CurrentLevel`;
  Color `CurrentX, CurrentY, EnhancedCurrentHue, CurrentSaturation, ColorLoopActive,
  ColorLoopDirection, ColorLoopTime` (the 11-byte set deCONZ sends; colour temperature
  travels as its xy point, which is how deCONZ stores ct scenes too);
- `SCENE_ADD_COMMANDS`: `add`/`enhanced_add` with an extra `extension_field_sets` argument.

`add_scene_request` turns a typed `radio.commands.AddScene` into one of those definitions
and its arguments, which `Radio.execute` sends (the stock schema rejects the extra
argument).
"""

from __future__ import annotations

from typing import Any

import zigpy.types as t
from zigpy.zcl import foundation
from zigpy.zcl.clusters.general import Scenes

from radio.clusters import COLOR, LEVEL, ON_OFF
from radio.commands import AddScene


class ExtensionFieldSet(t.Struct):
    cluster_id: t.uint16_t
    extension_field_set: t.LVBytes


class OnOffFields(t.Struct):
    on_off: t.Bool


class LevelFields(t.Struct):
    current_level: t.uint8_t


class ColorFields(t.Struct):
    current_x: t.uint16_t
    current_y: t.uint16_t
    enhanced_current_hue: t.uint16_t
    current_saturation: t.uint8_t
    color_loop_active: t.uint8_t
    color_loop_direction: t.uint8_t
    color_loop_time: t.uint16_t


ExtensionFieldSets = t.List[ExtensionFieldSet]


def field_set(cluster_id: int, fields: t.Struct) -> ExtensionFieldSet:
    return ExtensionFieldSet(
        cluster_id=cluster_id, extension_field_set=t.LVBytes(fields.serialize())
    )


def _with_field_sets(base: foundation.ZCLCommandDef) -> foundation.ZCLCommandDef:
    schema = {f.name: f.type for f in base.schema.fields}
    schema["extension_field_sets"] = ExtensionFieldSets
    return foundation.ZCLCommandDef(
        id=base.id, name=base.name, schema=schema, direction=base.direction
    ).with_compiled_schema()


SCENE_ADD_COMMANDS: dict[str, foundation.ZCLCommandDef] = {
    name: _with_field_sets(getattr(Scenes.ServerCommandDefs, name))
    for name in ("add", "enhanced_add")
}


def extension_field_sets(command: AddScene) -> list[ExtensionFieldSet]:
    """On/Off, then Level and Color when the light has them, in the order ZCL fixes."""
    sets = [field_set(ON_OFF, OnOffFields(on_off=command.on))]
    if command.level is not None:
        sets.append(field_set(LEVEL, LevelFields(current_level=command.level)))
    if (colour := command.colour) is not None:
        fields = ColorFields(
            current_x=colour.x,
            current_y=colour.y,
            enhanced_current_hue=colour.enhanced_hue,
            current_saturation=colour.saturation,
            color_loop_active=0,
            color_loop_direction=0,
            color_loop_time=0,
        )
        sets.append(field_set(COLOR, fields))
    return sets


def add_scene_request(command: AddScene) -> tuple[foundation.ZCLCommandDef, dict[str, Any]]:
    """The command definition and arguments: Add counts whole seconds, Enhanced Add
    tenths, so Add is used when nothing is lost."""
    whole_seconds = command.transition % 10 == 0
    definition = SCENE_ADD_COMMANDS["add" if whole_seconds else "enhanced_add"]
    args = {
        "group_id": command.group,
        "scene_id": command.scene_id,
        "transition_time": command.transition // 10 if whole_seconds else command.transition,
        "scene_name": "",
        "extension_field_sets": extension_field_sets(command),
    }
    return definition, args
