"""Window coverings: `PUT /lights/<id>/state` and the covering keys of a group action.

deCONZ's keys: `open` (true: Up/Open, false: Down/Close), `stop` (Stop), `lift` (0-100 %
closed: Go To Lift Percentage, or "stop"), `tilt` (0-100: Go To Tilt Percentage, only on a
covering that tilts), and the legacy ones older clients send: `on` (true closes), `bri`
(lift scaled 0..254), `bri_inc` 0 (stop) and `sat` (tilt scaled 0..254). `transitiontime`
is accepted and has no effect: a covering moves at its own speed.

Nothing is set optimistically: the covering reports its position as it moves (deCONZ does
the same), so `lift`/`open` show where the blind is, not where it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.clusters import WINDOW_COVERING
from radio.commands import GroupTarget

from .family_state import FamilyParams, Outcome, parse, plan_family_state
from .plan import Plan
from .validate import Invalid, as_bool, as_int


def _lift(value: Any) -> int | str:
    if value == "stop":
        return "stop"
    return as_int(value, 0, 100)


def _stop(value: Any) -> bool:
    return as_bool(value)


def _bri_inc(value: Any) -> int:
    """Only 0 (stop) means something to a covering; a real step has no ZCL command."""
    if as_int(value, -254, 254) != 0:
        raise Invalid(value)
    return 0


def _scaled(value: Any) -> int:
    return round(as_int(value, 0, 255) * 100 / 254) if value != 255 else 100


def build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    """Replies and commands in a fixed order: direction, position, tilt, then stop."""
    if "open" in values:
        out.zcl(WINDOW_COVERING, "up_open" if values["open"] else "down_close")
        out.ok("open", values["open"])
    if "on" in values:
        out.zcl(WINDOW_COVERING, "down_close" if values["on"] else "up_open")
        out.ok("on", values["on"])
    for key in ("lift", "bri"):
        if key in values and values[key] != "stop":
            lift = values[key] if key == "lift" else _scaled(values[key])
            out.zcl(WINDOW_COVERING, "go_to_lift_percentage", percentage_lift_value=lift)
            out.ok(key, values[key])
    for key in ("tilt", "sat"):
        if key in values:
            tilt = values[key] if key == "tilt" else _scaled(values[key])
            out.zcl(WINDOW_COVERING, "go_to_tilt_percentage", percentage_tilt_value=tilt)
            out.ok(key, values[key])
    stops = [k for k in ("stop", "lift", "bri_inc") if k in values and _asks_stop(k, values[k])]
    if stops:
        out.zcl(WINDOW_COVERING, "stop")
    for key in stops:
        out.ok(key, values[key])
    if values.get("stop") is False:
        out.ok("stop", False)


def _asks_stop(key: str, value: Any) -> bool:
    return (
        (key == "stop" and value is True)
        or (key == "lift" and value == "stop")
        or (key == "bri_inc")
    )


PARAMS = FamilyParams(
    validators={
        "open": as_bool,
        "stop": _stop,
        "lift": _lift,
        "tilt": lambda v: as_int(v, 0, 100),
        "on": as_bool,
        "bri": lambda v: as_int(v, 0, 255),
        "bri_inc": _bri_inc,
        "sat": lambda v: as_int(v, 0, 255),
        "transitiontime": lambda v: as_int(v, 0, 0xFFFF),
    },
    actions=frozenset({"open", "stop", "lift", "tilt", "on", "bri", "bri_inc", "sat"}),
    needs={"tilt": "tilt", "sat": "tilt"},
    build=build,
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
