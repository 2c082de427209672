"""`PUT /config`: gateway settings, network actions and the unlock window.

deCONZ semantics (`modifyConfig`): keys are handled in a fixed order, each echoed as
`{"success": {"/config/<key>": value}}`; unknown and read-only keys (`bridgeid`, `mac`,
`apiversion`, ... — Phoscon sends the whole config back) are ignored without an error; the
first invalid value ends the request with HTTP 400 and type 7. deCONZ has applied the keys
before it by then; we check every key first, so a 400 changes nothing.

Config changes produce no websocket events; the shell only bumps the config etag.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from radio.commands import PermitJoin

from .changes import ConfigChange
from .errors import ApiError
from .plan import Plan
from .validate import Invalid, as_bool, as_choice, as_int, as_int_choice, as_str

DEFAULT_GATEWAY_NAME = "Phoscon-GW"
ZIGBEE_CHANNELS = (11, 15, 20, 25)  # pydeconz casts zigbeechannel to an enum of these


@dataclass(frozen=True, slots=True)
class Unlock:
    """Open (seconds > 0) or close (0) the window in which `POST /api` hands out keys."""

    seconds: int


@dataclass(frozen=True, slots=True)
class ChangeChannel:
    """Move the Zigbee network to another channel."""

    channel: int


@dataclass(frozen=True, slots=True)
class SetNetworkState:
    """Join (`True`) or leave (`False`) the Zigbee network (`rfconnected`)."""

    connected: bool


ConfigAction = Unlock | ChangeChannel | SetNetworkState


@dataclass(slots=True)
class ConfigPlan(Plan):
    """`changes` holds one `ConfigChange` with the values to persist (only those that differ);
    `commands` holds a `PermitJoin` (the shell records the API key that opened the network,
    see `permit_join_owner`); `actions` the other effects."""

    actions: list[ConfigAction] = field(default_factory=list)


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 64:
        raise Invalid(value)
    import zoneinfo  # only when a client sets it: the module and its tz paths cost 0.3 MiB

    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
        raise Invalid(value) from err
    return value


def _timestamp(value: Any) -> str:
    """`yyyy-MM-ddTHH:mm:ss`, exactly 19 characters, as deCONZ checks `utc`/`localtime`."""
    if not isinstance(value, str) or len(value) != 19:
        raise Invalid(value)
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
    except ValueError as err:
        raise Invalid(value) from err
    return value


def _name(value: Any) -> str:
    return as_str(value, max_len=16) or DEFAULT_GATEWAY_NAME


# Persisted settings, in deCONZ's processing order, with their validators.
_SETTINGS: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "updatechannel": lambda v: as_choice(v, ("stable", "alpha", "beta")),
    "groupdelay": lambda v: as_int(v, 0, 5000),
    "otauactive": as_bool,
    "discovery": as_bool,
    "networkopenduration": lambda v: as_int(v, 1, 0xFFFF),
    "timezone": _timezone,
    "timeformat": lambda v: as_choice(v, ("12h", "24h")),
    "websocketnotifyall": as_bool,
    "disablePermitJoinAutoOff": as_bool,
    "lightlastseeninterval": lambda v: as_int(v, 1, 0xFFFF),
}
# Keys that trigger something rather than being stored as given.
_EFFECTS: dict[str, Callable[[Any], Any]] = {
    "rfconnected": as_bool,
    "permitjoin": lambda v: as_int(v, 0, 255),
    "unlock": lambda v: as_int(v, 0, 600),
    "zigbeechannel": lambda v: as_int_choice(v, ZIGBEE_CHANNELS),
    "utc": _timestamp,
    "UTC": _timestamp,
    "localtime": _timestamp,
}
_VALIDATORS = {**_SETTINGS, **_EFFECTS}
ORDER = (
    "name",
    "rfconnected",
    "updatechannel",
    "permitjoin",
    "groupdelay",
    "otauactive",
    "discovery",
    "unlock",
    "zigbeechannel",
    "networkopenduration",
    "timezone",
    "utc",
    "UTC",
    "localtime",
    "timeformat",
    "websocketnotifyall",
    "disablePermitJoinAutoOff",
    "lightlastseeninterval",
)


def plan_config_put(
    body: Any,
    current_config: Mapping[str, Any],
    *,
    api_key: str | None = None,
    permit_join_owner: str | None = None,
) -> ConfigPlan:
    """Plan `PUT /config`.

    `current_config` is the config as GET shows it (used to store only real changes and to
    skip no-op network actions). `permitjoin: 0` closes the network only for the API key
    that opened it (`permit_join_owner`), or when no key is on record: deCONZ's guard
    against one app closing another app's search.
    """
    if not isinstance(body, Mapping) or not body:
        return ConfigPlan.rejected(ApiError.invalid_json("/config"))
    values: dict[str, Any] = {}
    for key in ORDER:
        if key not in body:
            continue
        try:
            values[key] = _VALIDATORS[key](body[key])
        except Invalid:
            return ConfigPlan.rejected(ApiError.invalid_value(f"/config/{key}", key, body[key]))

    plan, changed = ConfigPlan(), {}
    for key, value in values.items():
        plan.ok(f"/config/{key}", value)
        if key in _SETTINGS:
            if current_config.get(key) != value:
                changed[key] = value
        elif key == "rfconnected" and current_config.get("rfconnected") != value:
            plan.actions.append(SetNetworkState(value))
        elif key == "permitjoin" and (value > 0 or permit_join_owner in (None, api_key)):
            plan.commands.append(PermitJoin(value))
        elif key == "unlock":
            plan.actions.append(Unlock(value))
        elif key == "zigbeechannel" and current_config.get("zigbeechannel") != value:
            plan.actions.append(ChangeChannel(value))
        # utc/UTC/localtime: accepted and echoed, like deCONZ off the Raspberry Pi image;
        # a daemon has no business setting the host clock.
    if changed:
        plan.change(ConfigChange(changed))
    return plan
