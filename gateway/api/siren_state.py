"""Warning devices: `PUT /lights/<id>/state {"alert": ...}` starts or stops a warning.

IAS WD Start Warning carries the whole request: "lselect" sounds the burglar warning with
the strobe for `ontime` tenths of a second (rounded up to whole seconds, 300 s without
it), "select" for one second, "blink" flashes the strobe only, "none" stops everything.
`state.alert` keeps what was asked (pydeconz reads "lselect" as "the siren is on"); the
siren itself reports nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.sirens import ALERTS
from radio.clusters import IAS_WD

from .family_state import FamilyParams, Outcome, plan_family_state
from .plan import Plan
from .validate import as_choice, as_int

# Start Warning's first byte: warning mode in bits 4-7, strobe in bit 2, siren level 0-1.
MODE_STOP, MODE_BURGLAR = 0x0, 0x1
STROBE = 0x04
LEVEL_HIGH = 0x02
LONG_WARNING_SECONDS = 300
STROBE_DUTY_CYCLE = 50  # % of each second the strobe is lit


def warning_byte(mode: int, strobe: bool, level: int) -> int:
    return (mode << 4) | (STROBE if strobe else 0) | level


def _seconds(ontime: int | None, default: int) -> int:
    return default if ontime is None else max(1, -(-ontime // 10))


def _build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    alert = values.get("alert")
    if alert is None:
        return
    ontime = values.get("ontime")
    if alert == "none":
        warning, seconds, duty = warning_byte(MODE_STOP, False, 0), 0, 0
    elif alert == "blink":
        warning = warning_byte(MODE_STOP, True, 0)
        seconds, duty = _seconds(ontime, LONG_WARNING_SECONDS), STROBE_DUTY_CYCLE
    else:
        warning = warning_byte(MODE_BURGLAR, True, LEVEL_HIGH)
        long = alert == "lselect"
        seconds = _seconds(ontime, LONG_WARNING_SECONDS) if long else 1
        duty = STROBE_DUTY_CYCLE
    out.zcl(
        IAS_WD,
        "start_warning",
        warning=warning,
        warning_duration=seconds,
        strobe_duty_cycle=duty,
        strobe_level=0,
    )
    out.ok("alert", alert, alert=alert)


PARAMS = FamilyParams(
    validators={"alert": lambda v: as_choice(v, ALERTS), "ontime": lambda v: as_int(v, 0, 0xFFFF)},
    actions=frozenset({"alert"}),
    build=_build,
)


def plan_siren_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    return plan_family_state(light_id, light, body, PARAMS)
