"""Window coverings: `PUT /lights/<id>/state` and the covering keys of a group action.

deCONZ's keys (`setWindowCoveringState`): `open` (true: Up/Open, false: Down/Close),
`stop` (Stop), `lift` (0-100 % closed: Go To Lift Percentage, or "stop"), `tilt` (0-100:
Go To Tilt Percentage, only on a covering that tilts), and the legacy ones older clients
send: `on` (true closes), `bri` (lift scaled 0..254, or "stop"), `bri_inc` and `lift_inc`
0 (stop) and `sat` (tilt scaled 0..254). One movement is sent, stop before lift before
open, and a tilt besides it; the replies name `stop`, `lift`, `open` and `tilt` whichever
key asked. One bad parameter answers the request with HTTP 400 and nothing is sent.

Nothing is set optimistically: the covering reports its position as it moves (deCONZ
relies on those reports too), so `lift`/`open` show where the blind is, not where it was
sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.clusters import WINDOW_COVERING
from radio.commands import GroupTarget

from .family_state import FamilyParams, Outcome, Strict, parse, plan_family_state
from .plan import Plan
from .validate import Invalid, as_bool, as_int

STOP = "stop"


def _scaled(value: Any) -> int:
    """A legacy 0..255 `bri`/`sat` as the percentage deCONZ sends (floor, 255 is 100)."""
    return as_int(value, 0, 255) * 100 // 254


def _bri(value: Any) -> int | str:
    return STOP if value == STOP else _scaled(value)


def _lift(value: Any) -> int | str:
    return STOP if value == STOP else as_int(value, 0, 100)


def _zero(value: Any) -> int:
    """Only 0 (stop) means something: a real step has no Window Covering command."""
    if as_int(value, -254, 254) != 0:
        raise Invalid(value)
    return 0


def _stops(values: Mapping[str, Any]) -> bool:
    return (
        "stop" in values
        or "bri_inc" in values
        or "lift_inc" in values
        or STOP in (values.get("lift"), values.get("bri"))
    )


def build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    """stop trumps lift trumps open; tilt goes besides (deCONZ's order)."""
    lift = next((values[k] for k in ("lift", "bri") if k in values and values[k] != STOP), None)
    opening = values.get("open", None if "on" not in values else not values["on"])
    if _stops(values):
        out.zcl(WINDOW_COVERING, "stop")
        out.ok("stop", True)
    elif lift is not None:
        out.zcl(WINDOW_COVERING, "go_to_lift_percentage", percentage_lift_value=lift)
        out.ok("lift", lift)
    elif opening is not None:
        out.zcl(WINDOW_COVERING, "up_open" if opening else "down_close")
        out.ok("open", opening)
    tilt = values.get("tilt", values.get("sat"))
    if tilt is not None:
        out.zcl(WINDOW_COVERING, "go_to_tilt_percentage", percentage_tilt_value=tilt)
        out.ok("tilt", tilt)


PARAMS = FamilyParams(
    validators={
        "open": as_bool,
        "stop": as_bool,
        "lift": _lift,
        "lift_inc": _zero,
        "tilt": lambda v: as_int(v, 0, 100),
        "on": as_bool,
        "bri": _bri,
        "bri_inc": _zero,
        "sat": _scaled,
    },
    actions=frozenset({"open", "stop", "lift", "lift_inc", "tilt", "on", "bri", "bri_inc", "sat"}),
    needs={"tilt": "tilt", "sat": "tilt"},
    build=build,
    strict=Strict("missing parameter to set window covering state", invalid_at_param=False),
)
GROUP_KEYS = frozenset({"open", "stop", "lift", "tilt"})
"""A group action with any of these is a covering command (deCONZ's group `open`)."""


def plan_cover_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    return plan_family_state(light_id, light, body, PARAMS)


def group_cover_outcome(
    path: str, address: int, body: Mapping[str, Any]
) -> tuple[Outcome, list[Any]]:
    """The groupcast commands of a covering group action, and its errors (group actions
    take the same keys; a group has no `state`, so tilt is offered to every group)."""
    values, errors = parse(path, {"tilt": None}, {k: body[k] for k in GROUP_KEYS & body.keys()},
                           PARAMS)  # fmt: skip
    out = Outcome(GroupTarget(address), path)
    if not errors:
        build(out, values, {})
    return out, errors
