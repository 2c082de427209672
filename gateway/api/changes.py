"""What a plan changes in the resource store, one record per kind of change.

Planners describe the store changes a request makes as data, in the style of
`radio.commands`: the app layer carries them out with one `match` on the type, in order,
before it sends the plan's radio commands (so the websocket shows them at once, as
deCONZ does). Each record names its resource by id; `values` are shallow updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class LightState:
    """The light's optimistic state after its command (`bri_inc`/`ct_inc` as sent)."""

    light_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SensorConfig:
    sensor_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SensorState:
    """Injected or derived state items; pushed even when a value repeats."""

    sensor_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class GroupAction:
    """What a group command leaves in the group's `action` cache."""

    group_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Rename:
    kind: Literal["lights", "sensors", "groups"]
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class GroupLights:
    """The group's new member list."""

    group_id: str
    light_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CreateScene:
    """A new scene snapshotting the group's reachable members."""

    group_id: str
    scene_id: str
    name: str


@dataclass(frozen=True, slots=True)
class StoreScene:
    """The scene re-snapshots the group's reachable members (with `transitiontime`, when
    the request gave one, as the scene's new transition time)."""

    group_id: str
    scene_id: str
    transitiontime: int | None = None


@dataclass(frozen=True, slots=True)
class RecallScene:
    """`action.scene` and the scene's values applied to the reachable members."""

    group_id: str
    scene_id: str


@dataclass(frozen=True, slots=True)
class SceneRename:
    group_id: str
    scene_id: str
    name: str


@dataclass(frozen=True, slots=True)
class SceneLightState:
    """Merged into one light's stored entry of the scene."""

    group_id: str
    scene_id: str
    light_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class DeleteScene:
    group_id: str
    scene_id: str


@dataclass(frozen=True, slots=True)
class Delete:
    """A light, sensor or group leaves the store (a light also leaves its groups)."""

    kind: Literal["lights", "sensors", "groups"]
    id: str


@dataclass(frozen=True, slots=True)
class ConfigChange:
    """deCONZ config values to persist (only values that differ from the current ones)."""

    values: Mapping[str, Any]


Change = (
    LightState
    | SensorConfig
    | SensorState
    | GroupAction
    | Rename
    | GroupLights
    | CreateScene
    | StoreScene
    | RecallScene
    | SceneRename
    | SceneLightState
    | DeleteScene
    | Delete
    | ConfigChange
)
