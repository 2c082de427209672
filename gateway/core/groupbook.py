"""Groups and scenes: their REST mutations, snapshots and recalls, and their rows in SQLite.

Every mutation writes to SQLite first and changes memory only when the write succeeded.
Lights' `config.groups` follow their groups' members; group state (any_on/all_on) is the
outbox's to recompute, so changes here only mark groups dirty and hand lights to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from . import groups as group_map
from . import lights as light_map
from .errors import Conflict, NotFound, NotModifiable, TableFull
from .outbox import Outbox
from .persistence import GroupRow, Persistence, SceneRow
from .resources import (
    TYPE_EVENT,
    EventKey,
    EventType,
    Group,
    Light,
    Message,
    Scene,
    SceneLight,
)


class GroupBook:
    """Owns the groups (and their scenes); lights are read, never added or removed here."""

    def __init__(
        self,
        persistence: Persistence,
        groups: dict[str, Group],
        lights: Mapping[str, Light],
        outbox: Outbox,
        *,
        light: Callable[[str], Light],
    ) -> None:
        """`light`: the light by id, or NotFound (the REST lookup)."""
        self.persistence = persistence
        self._groups = groups
        self._lights = lights
        self._outbox = outbox
        self._light = light

    @property
    def groups(self) -> Mapping[str, Group]:
        return self._groups

    # --- groups --------------------------------------------------------------------------

    def create_group(
        self,
        name: str,
        type: str = "LightGroup",
        class_: str | None = None,
        uniqueid: str | None = None,
    ) -> str:
        """A new group at the lowest free address from 1 (no websocket `added`, as deCONZ)."""
        address = group_map.lowest_free(
            (int(g) for g in self._groups),
            group_map.FIRST_GROUP_ADDRESS,
            group_map.LAST_GROUP_ADDRESS,
        )
        if address is None:
            raise TableFull("no free group address")
        group = Group(str(address), name, type, class_, uniqueid=uniqueid)
        self.add_group(group)
        return group.id

    def add_group(self, group: Group) -> None:
        self._save_group(group)
        self._groups[group.id] = group

    def rename_group(self, id: str, name: str) -> list[Message]:
        """Groups push a top-level `name`."""
        out: list[Message] = []
        group = self._group(id)
        if id == group_map.ALL_LIGHTS:
            raise NotModifiable("the all-lights group cannot be renamed")
        if name != group.name:
            self._save_group(group, name=name)
            group.set_name(name)
        self._outbox.dirty_groups.add(id)
        self._outbox.flush([], out)
        return out

    def set_group_lights(self, id: str, light_ids: Iterable[str]) -> list[Message]:
        """Replace the members; updates lights' `config.groups` and any_on/all_on."""
        group = self._group(id)
        if id == group_map.ALL_LIGHTS:
            raise NotModifiable("the all-lights group always holds every light")
        wanted = list(dict.fromkeys(str(i) for i in light_ids))
        for lid in wanted:
            self._light(lid)
        changed = set(wanted) ^ set(group.lights)
        self._save_group(group, lights=tuple(wanted))
        group.lights = wanted
        group.touch()
        self.sync_light_groups(sorted(changed, key=int))
        self._outbox.dirty_groups.add(id)
        out: list[Message] = []
        self._outbox.flush([self._lights[lid] for lid in sorted(changed, key=int)], out)
        return out

    def set_group_action(self, id: str, changes: Mapping[str, Any]) -> list[Message]:
        """Cache a group command (as planned: `toggle` already resolved to `on`) in `action`.
        What it does to each member (its own level plus an increment, nothing to an off
        light's level, colour only where the light has it) comes with the plan as that
        light's state change (`apply_light_state`)."""
        group = self._group(id)
        group.action.update(group_map.action_update(group.action, changes))
        group.touch()
        return []

    def delete_group(self, id: str) -> list[Message]:
        group = self._group(id)
        if id == group_map.ALL_LIGHTS:
            raise NotModifiable("the all-lights group cannot be deleted")
        self.persistence.delete_group(id)
        del self._groups[id]
        out: list[Message] = [group.event(EventType.DELETED)]
        self.sync_light_groups(group.lights)
        self._outbox.flush([self._lights[lid] for lid in group.lights if lid in self._lights], out)
        return out

    # --- membership ----------------------------------------------------------------------

    def sync_all_lights(self) -> None:
        """The all-lights group "0" holds every light."""
        self._groups[group_map.ALL_LIGHTS].lights = sorted(self._lights, key=int)

    def sync_light_groups(self, light_ids: Iterable[str]) -> None:
        for lid in light_ids:
            if (light := self._lights.get(lid)) is not None:
                light.update("config", {"groups": sorted(self._outbox.groups_of(lid), key=int)})

    def forget_light(self, light_id: str) -> None:
        """A deleted light leaves its groups and scenes (callers hold a transaction)."""
        for group in self._groups.values():
            touched = light_id in group.lights
            if touched and group.id != group_map.ALL_LIGHTS:
                remaining = [lid for lid in group.lights if lid != light_id]
                self._save_group(group, lights=tuple(remaining))
                group.lights = remaining
            for scene in list(group.scenes.values()):
                if light_id in scene.lights:
                    touched = True
                    lights = {k: v for k, v in scene.lights.items() if k != light_id}
                    self._replace_scene(group, replace(scene, lights=lights))
            if touched:
                group.touch()
                self._outbox.dirty_groups.add(group.id)

    def add_devicemembership(self, gid: str, sensor_id: str) -> None:
        group = self._groups.get(gid)
        if group is not None and sensor_id not in group.devicemembership:
            group.devicemembership.append(sensor_id)
            group.touch()

    def forget_sensor(self, sensor_id: str) -> None:
        for group in self._groups.values():
            if sensor_id in group.devicemembership:
                group.devicemembership.remove(sensor_id)
                group.touch()

    # --- scenes --------------------------------------------------------------------------

    def create_scene(self, gid: str, name: str, scene_id: int | str | None = None) -> str:
        """Snapshot the reachable members into a new scene (lowest free id from 1)."""
        group = self._group(gid)
        if any(s.name == name for s in group.scenes.values()):
            raise Conflict(f"scene {name!r} already exists in group {gid}")
        if scene_id is None:
            free = group_map.lowest_free(
                (int(s) for s in group.scenes), group_map.FIRST_SCENE_ID, group_map.LAST_SCENE_ID
            )
            if free is None:
                raise TableFull(f"group {gid} has no free scene id")
            sid = str(free)
        else:
            sid = str(int(scene_id))
            if sid in group.scenes:
                raise Conflict(f"scene {sid} already exists in group {gid}")
        scene = Scene(
            sid, name, group_map.SCENE_TRANSITION, self._snapshot(group, group_map.SCENE_TRANSITION)
        )
        self._replace_scene(group, scene)
        return sid

    def store_scene(self, gid: str, sid: str, transitiontime: int | None = None) -> list[Message]:
        """Re-snapshot the reachable members into an existing scene (and give it a new
        transition time, when asked)."""
        group, scene = self._scene(gid, sid)
        transition = scene.transitiontime if transitiontime is None else transitiontime
        lights = self._snapshot(group, transition)
        self._replace_scene(group, replace(scene, transitiontime=transition, lights=lights))
        return []

    def resolve_scene(self, gid: str, sid: str) -> str:
        """A scene id, or `next`/`prev` resolved against the group's last recalled scene."""
        group = self._group(gid)
        if sid not in ("next", "prev"):
            self._scene(gid, sid)
            return sid
        ids = sorted(group.scenes, key=int)
        if not ids:
            raise NotFound(f"group {gid} has no scenes")
        current = group.action.get("scene", "")
        if current not in ids:
            return ids[0] if sid == "next" else ids[-1]
        step = 1 if sid == "next" else -1
        return ids[(ids.index(current) + step) % len(ids)]

    def recall_scene(self, gid: str, sid: str) -> list[Message]:
        """REST recall: set `action.scene`, apply the scene optimistically; no scene-called."""
        sid = self.resolve_scene(gid, sid)
        group, scene = self._scene(gid, sid)
        group.action["scene"] = sid
        group.touch()
        out: list[Message] = []
        self._apply_scene(group, scene, out)
        return out

    def set_scene_light_state(
        self, gid: str, sid: str, lid: str, changes: Mapping[str, Any]
    ) -> list[Message]:
        group, scene = self._scene(gid, sid)
        light = self._light(lid)
        old = scene.lights.get(lid)
        entry = replace(old) if old else SceneLight(transitiontime=scene.transitiontime)
        group_map.edit_scene_light(entry, light, changes)
        self._replace_scene(group, replace(scene, lights={**scene.lights, lid: entry}))
        return []

    def rename_scene(self, gid: str, sid: str, name: str) -> list[Message]:
        group, scene = self._scene(gid, sid)
        self._replace_scene(group, replace(scene, name=name))
        return []

    def delete_scene(self, gid: str, sid: str) -> list[Message]:
        group, _ = self._scene(gid, sid)
        self.persistence.delete_scene(gid, sid)
        del group.scenes[sid]
        if group.action.get("scene") == sid:
            group.action["scene"] = ""
        group.touch()
        return []

    def _snapshot(self, group: Group, transitiontime: int) -> dict[str, SceneLight]:
        """The reachable members' current state (unreachable lights keep no entry)."""
        return {
            light.id: group_map.snapshot(light, transitiontime)
            for light in self._outbox.members(group)
            if light.reachable
        }

    def _replace_scene(self, group: Group, scene: Scene) -> None:
        """Write the scene, then make it current (a failed write changes nothing)."""
        self._save_scene(group, scene)
        group.scenes[scene.id] = scene
        group.touch()

    def scene_called(self, gid: str, sid: str, out: list[Message]) -> None:
        group = self._groups.get(gid)
        scene = group.scenes.get(sid) if group else None
        if group is None or scene is None:
            return
        out.append(
            {
                EventKey.EVENT: EventType.SCENE_CALLED,
                EventKey.GROUP_ID: gid,
                EventKey.RESOURCE: Scene.r,
                EventKey.SCENE_ID: sid,
                EventKey.TYPE: TYPE_EVENT,
            }
        )
        self._apply_scene(group, scene, out)

    def _apply_scene(self, group: Group, scene: Scene, out: list[Message]) -> None:
        members = set(group.lights)
        touched = []
        for lid, entry in scene.lights.items():
            light = self._lights.get(lid)
            if light is not None and lid in members and light.reachable:
                light.update(
                    "state", light_map.optimistic_state(light, group_map.scene_changes(entry))
                )
                touched.append(light)
        self._outbox.flush(touched, out)

    # --- lookups that raise ----------------------------------------------------------------

    def _group(self, id: str) -> Group:
        if (group := self._groups.get(id)) is None:
            raise NotFound(f"/groups/{id}")
        return group

    def _scene(self, gid: str, sid: str) -> tuple[Group, Scene]:
        group = self._group(gid)
        if (scene := group.scenes.get(sid)) is None:
            raise NotFound(f"/groups/{gid}/scenes/{sid}")
        return group, scene

    # --- persistence helpers -------------------------------------------------------------

    def _save_group(self, group: Group, **changes: Any) -> None:
        """Persist the group as it is, or as it will be with `changes` (GroupRow fields)."""
        row = GroupRow(
            group.id,
            group.name,
            group.type,
            group.class_,
            tuple(group.lights),
            group.hidden,
            group.uniqueid,
        )
        self.persistence.save_group(replace(row, **changes))

    def _save_scene(self, group: Group, scene: Scene) -> None:
        lights = {lid: entry.to_dict() for lid, entry in scene.lights.items()}
        self.persistence.save_scene(
            SceneRow(group.id, scene.id, scene.name, scene.transitiontime, lights)
        )
