"""The outbox: pending resource changes → websocket messages, the one place they leave the core.

Devices and groups change resources and then hand them here; `flush` turns what changed
into `changed` messages (whole sub-objects when `notify_all`, only the changed items
otherwise) and recomputes the `any_on`/`all_on` of the groups whose lights turned on, off,
reachable or unreachable, after the lights' own messages. `grouped()` holds that
recompute back until a batch of changes is done, so clients see one group event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

from . import groups as group_map
from .resources import DeviceResource, Group, Light, Message


class Outbox:
    """Collects dirty groups and turns pending changes into messages, in order."""

    def __init__(
        self, lights: Mapping[str, Light], groups: Mapping[str, Group], *, notify_all: bool
    ) -> None:
        self._lights = lights
        self._groups = groups
        self.notify_all = notify_all
        self.dirty_groups: set[str] = set()
        self._defer_groups = 0  # > 0 inside `grouped()`

    def groups_of(self, light_id: str) -> list[str]:
        return [gid for gid, g in self._groups.items() if light_id in g.lights]

    def members(self, group: Group) -> list[Light]:
        return [self._lights[lid] for lid in group.lights if lid in self._lights]

    def flush(self, resources: Iterable[DeviceResource], out: list[Message]) -> None:
        """Turn pending changes into messages; lights' on/reachable changes dirty their groups."""
        for res in list(resources):
            if isinstance(res, Light) and res.pending_keys("state") & {"on", "reachable"}:
                self.dirty_groups.update(self.groups_of(res.id))
            out.extend(res.take_messages(self.notify_all))
        if not self._defer_groups:
            self.flush_groups(out)

    def flush_groups(self, out: list[Message] | None) -> None:
        """Recompute any_on/all_on of dirty groups; None discards the messages (restore)."""
        for gid in sorted(self.dirty_groups, key=int):
            group = self._groups.get(gid)
            if group is None:
                continue
            group.update_state(group_map.group_state(self.members(group)))
            messages = group.take_messages(self.notify_all)
            if out is not None and gid != group_map.ALL_LIGHTS:
                out.extend(messages)
        self.dirty_groups.clear()

    @contextmanager
    def grouped(self, out: list[Message]) -> Iterator[None]:
        """Apply several changes with the groups' any_on/all_on recomputed once, at the end
        (a group command changes its lights one by one; clients see one group event)."""
        self._defer_groups += 1
        try:
            yield
        finally:
            self._defer_groups -= 1
            if not self._defer_groups:
                self.flush_groups(out)
