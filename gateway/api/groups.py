"""`POST /groups`, `PUT /groups/<id>`, `DELETE /groups/<id>`.

A group id is its Zigbee group address in decimal; new groups take the lowest free one.
Membership lives in the lights: replacing `lights` sends Groups-cluster Add Group to each
new member and Remove Group to each dropped one (unicast; the radio layer retries or
reports lights that are away). Creating a group sends nothing: it is empty.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from gateway.core.groups import FIRST_GROUP_ADDRESS, LAST_GROUP_ADDRESS
from gateway.core.values import group_address
from radio.commands import AddToGroup, RemoveFromGroup

from .changes import Delete, GroupLights, Rename
from .errors import ApiError, ErrorType
from .plan import Plan
from .resource import device_target
from .validate import Invalid, as_bool, as_choice, as_id_list, as_str, as_str_list

GROUP_NAME_MAX = 32
GROUP_TYPES = ("LightGroup", "Luminaire", "Lightsource", "Room")
ROOM_CLASSES = (
    "Living room",
    "Kitchen",
    "Dining",
    "Bedroom",
    "Kids bedroom",
    "Bathroom",
    "Nursery",
    "Recreation",
    "Office",
    "Gym",
    "Hallway",
    "Toilet",
    "Front door",
    "Garage",
    "Terrace",
    "Garden",
    "Driveway",
    "Carport",
    "Other",
    "Home",
    "Downstairs",
    "Upstairs",
    "Top floor",
    "Attic",
    "Guest room",
    "Staircase",
    "Lounge",
    "Man cave",
    "Computer",
    "Studio",
    "Music",
    "TV",
    "Reading",
    "Closet",
    "Storage",
    "Laundry room",
    "Balcony",
    "Porch",
    "Barbecue",
    "Pool",
)


_UNIQUEID = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){3}(-[0-9A-Fa-f]{2})?")


def _uniqueid(value: Any) -> str:
    """`AA:BB:CC:DD` or `AA:BB:CC:DD-XX` (deCONZ checks only the length; we check hex too)."""
    if not isinstance(value, str) or not _UNIQUEID.fullmatch(value):
        raise Invalid(value)
    return value


@dataclass(slots=True)
class GroupCreatePlan(Plan):
    """`group_id` and `group` (name, type, class, uniqueid as given) on success."""

    group_id: str | None = None
    group: dict[str, Any] | None = None


def plan_group_create(body: Any, existing_ids: Collection[str | int]) -> GroupCreatePlan:
    """Plan `POST /groups`: `name` required (≤32), `type`, `class` (Room only), `uniqueid`.

    `existing_ids` are all group addresses in use, including the all-lights group's.
    Checks run in deCONZ's order (type, class, uniqueid, name); the first failure is
    answered with HTTP 400. A `class` on a non-Room group is ignored, as in deCONZ.
    """
    address = "/groups"
    if not isinstance(body, Mapping) or not body:
        return GroupCreatePlan.rejected(ApiError.invalid_json(address))
    group: dict[str, Any] = {"type": "LightGroup"}
    checks = (
        ("type", lambda v: as_choice(v, GROUP_TYPES)),
        ("class", lambda v: as_choice(v, ROOM_CLASSES)),
        ("uniqueid", _uniqueid),
        ("name", lambda v: as_str(v, min_len=1, max_len=GROUP_NAME_MAX)),
    )
    for key, check in checks:
        if key not in body or (key == "class" and group["type"] != "Room"):
            continue
        try:
            group[key] = check(body[key])
        except Invalid:
            return GroupCreatePlan.rejected(ApiError.invalid_value(address, key, body[key]))
    if "name" not in group:
        return GroupCreatePlan.rejected(ApiError.missing_parameters(address))

    used = {str(i) for i in existing_ids}
    free = next(
        (n for n in range(FIRST_GROUP_ADDRESS, LAST_GROUP_ADDRESS + 1) if str(n) not in used), None
    )
    if free is None:
        return GroupCreatePlan.rejected(ApiError.group_table_full(address))
    plan = GroupCreatePlan(group_id=str(free), group={**group, "lights": []})
    plan.ok("id", str(free))
    return plan


@dataclass(slots=True)
class GroupAttributesPlan(Plan):
    """Changes: the name and the member list (the other attributes are answered, not
    stored). `added`/`removed` list the light ids whose membership changed, so the shell can also
    drop removed lights from the group's stored scenes (deCONZ does).
    """

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def plan_group_attributes(
    group_id: str,
    group: Mapping[str, Any],
    body: Any,
    lights: Mapping[str, Mapping[str, Any]],
) -> GroupAttributesPlan:
    """Plan `PUT /groups/<group_id>`: `name`, `class`, `hidden`, `lights`,
    `lightsequence`, `multideviceids`.

    `lights` maps every known light id to its JSON (to resolve new members). Unknown keys
    are ignored. All keys are checked before anything changes: any invalid one gives HTTP
    400 with one error per problem and no changes (deCONZ applies the valid keys anyway).
    """
    path = f"/groups/{group_id}"
    if not isinstance(body, Mapping) or not body:
        return GroupAttributesPlan.rejected(ApiError.invalid_json(path))
    checks = {
        "class": lambda v: as_choice(v, ROOM_CLASSES if group.get("type") == "Room" else ()),
        "name": lambda v: as_str(v, max_len=GROUP_NAME_MAX),
        "hidden": as_bool,
        "lights": as_id_list,
        "lightsequence": as_id_list,
        "multideviceids": as_str_list,
    }
    values: dict[str, Any] = {}
    errors: list[ApiError] = []
    for key, check in checks.items():
        if key not in body:
            continue
        try:
            values[key] = check(body[key])
        except Invalid:
            errors.append(ApiError.invalid_value(f"{path}/{key}", key, body[key]))
    for lid in values.get("lights", []):
        if lid not in lights:
            errors.append(
                ApiError(
                    ErrorType.INVALID_VALUE,
                    f"{path}/lights",
                    f"device, {lid}, could not be added to group. Device does not exist.",
                )
            )
    if not values and not errors:
        return GroupAttributesPlan.rejected(ApiError.missing_parameters(path))
    if errors:
        return GroupAttributesPlan(responses=[e.to_dict() for e in errors], status=400)

    plan = GroupAttributesPlan()
    for key, value in values.items():
        plan.ok(f"{path}/{key}", ("true" if value else "false") if key == "hidden" else value)
    if "name" in values:
        plan.change(Rename("groups", group_id, values["name"]))
    if "lights" in values:
        plan.change(GroupLights(group_id, tuple(values["lights"])))
        _membership(plan, group_id, group, values["lights"], lights)
    return plan


def _membership(
    plan: GroupAttributesPlan,
    group_id: str,
    group: Mapping[str, Any],
    wanted: list[str],
    lights: Mapping[str, Mapping[str, Any]],
) -> None:
    current = [lid for lid in group.get("lights", []) if isinstance(lid, str)]
    zigbee_group = group_address(group_id)
    plan.added = [lid for lid in wanted if lid not in current]
    plan.removed = [lid for lid in current if lid not in wanted and lid in lights]
    for lid in plan.added:
        # The ZCL group name is limited to 16 characters and optional; send none.
        plan.commands.append(AddToGroup(device_target(lights[lid]), zigbee_group))
    for lid in plan.removed:
        plan.commands.append(RemoveFromGroup(device_target(lights[lid]), zigbee_group))


@dataclass(slots=True)
class GroupDeletePlan(Plan):
    pass


def plan_group_delete(
    group_id: str,
    group: Mapping[str, Any],
    lights: Mapping[str, Mapping[str, Any]],
) -> GroupDeletePlan:
    """Plan `DELETE /groups/<group_id>`: Remove Group to every member light."""
    zigbee_group = group_address(group_id)
    members = [lid for lid in group.get("lights", []) if isinstance(lid, str) and lid in lights]
    plan = GroupDeletePlan()
    plan.change(Delete("groups", group_id))
    plan.commands = [RemoveFromGroup(device_target(lights[lid]), zigbee_group) for lid in members]
    plan.ok("id", group_id)
    return plan


__all__ = [
    "GroupAttributesPlan",
    "GroupCreatePlan",
    "GroupDeletePlan",
    "plan_group_attributes",
    "plan_group_create",
    "plan_group_delete",
]
