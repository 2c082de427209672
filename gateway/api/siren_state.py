"""Warning devices: `PUT /lights/<id>/state {"alert": ...}` starts or stops a warning.

As deCONZ's `setWarningDeviceState`: IAS WD Start Warning carries the request. "lselect"
sounds the burglar warning, strobe on, at the highest level, for `ontime` seconds (300
without it), "select" the same for one second, "blink" flashes the strobe only (`ontime`
or 300 s), "all" is a one-second warning (deCONZ broadcasts it to every siren; here it goes
to this one), "none" stops everything. One bad parameter answers HTTP 400, nothing sent.

`state.alert` keeps what was asked, which deCONZ does not do (it treats the item as
write-only, so it always reads "none"): pydeconz reads "lselect" as "the siren is on", and
without it Home Assistant would never see its siren sounding. A siren reports nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.sirens import ALERTS
from radio.clusters import IAS_WD

from .family_state import FamilyParams, Outcome, Strict, plan_family_state
from .plan import Plan
from .validate import as_choice, as_int

# Start Warning's first byte: warning mode in bits 4-7, strobe in bit 2, siren level 0-1.
MODE_STOP, MODE_BURGLAR = 0x0, 0x1
STROBE = 0x04
LEVEL_VERY_HIGH = 0x03
LONG_WARNING_SECONDS = 300
STROBE_DUTY_CYCLE = 50  # % of each second the strobe is lit


def warning_byte(mode: int, strobe: bool, level: int) -> int:
    return (mode << 4) | (STROBE if strobe else 0) | level


ALARM = warning_byte(MODE_BURGLAR, True, LEVEL_VERY_HIGH)
# alert → (warning byte, seconds without `ontime`, whether `ontime` sets the seconds)
WARNINGS: Mapping[str, tuple[int, int, bool]] = {
    "none": (warning_byte(MODE_STOP, False, 0), 0, False),
    "select": (ALARM, 1, False),
    "lselect": (ALARM, LONG_WARNING_SECONDS, True),
    "blink": (warning_byte(MODE_STOP, True, 0), LONG_WARNING_SECONDS, True),
    "all": (ALARM, 1, True),
}


def _build(out: Outcome, values: Mapping[str, Any], _state: Mapping[str, Any]) -> None:
    alert = values.get("alert")
    if alert is None:
        return
    warning, seconds, timed = WARNINGS[alert]
    if timed and values.get("ontime"):
        seconds = values["ontime"]
    out.zcl(
        IAS_WD,
        "start_warning",
        warning=warning,
        warning_duration=seconds,
        strobe_duty_cycle=STROBE_DUTY_CYCLE if warning & STROBE else 0,
        strobe_level=0,
    )
    out.ok("alert", alert, alert=alert)


PARAMS = FamilyParams(
    validators={"alert": lambda v: as_choice(v, ALERTS), "ontime": lambda v: as_int(v, 0, 0xFFFE)},
    actions=frozenset({"alert"}),
    build=_build,
    strict=Strict("missing parameter to set warning device state"),
    companions={"ontime": "alert"},
)


def plan_siren_state(light_id: str, light: Mapping[str, Any], body: Any) -> Plan:
    return plan_family_state(light_id, light, body, PARAMS)
