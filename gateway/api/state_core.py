"""What light state PUTs and group action PUTs share: parameters, checks and ZCL commands.

Both endpoints take the same parameters and turn them into the same commands in the same
order; they differ in where the commands go (unicast vs groupcast), in how errors end the
request, and in a few reply details. `StateRequest` is the validated body, `Receiver`
describes the differences, and `build_commands` produces replies, commands and the state
values to apply, in deCONZ's order: on:true first, then level, effect "none", colour
(xy > ct > ct_inc > hue/sat), colorloop, alert, fan speed, and on:false last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.core.values import (
    clamp_bri,
    clamp_ct,
    clamp_sat,
    hue_to_8bit,
    xy_from_raw,
    xy_to_raw,
)
from radio.clusters import COLOR, FAN_CONTROL, IDENTIFY, LEVEL, ON_OFF
from radio.commands import RadioCommand, Target, WriteAttributes, ZclCommand

from .errors import ApiError, success
from .validate import as_bool, as_choice, as_int, as_xy

DEFAULT_TRANSITION = 4  # 0.4 s, deCONZ's default when the body has no transitiontime
MAX_TRANSITION = 0xFFFE  # 0xFFFF means "use the light's own default" in ZCL
EFFECTS = ("none", "colorloop")
IDENTIFY_SECONDS = {"none": 0, "select": 2, "lselect": 15}  # Hue lights ignore 1 s
TRIGGER_EFFECTS = {
    "blink": 0x00,
    "breathe": 0x01,
    "okay": 0x02,
    "channelchange": 0x0B,
    "finish": 0xFE,
    "stop": 0xFF,
}
ALERTS = (*IDENTIFY_SECONDS, *TRIGGER_EFFECTS)

# ZCL enum values, as zigpy names them (LevelControl.StepMode, Color.StepMode, ...).
LEVEL_STEP_UP, LEVEL_STEP_DOWN = 0, 1
CT_STEP_UP, CT_STEP_DOWN = 1, 3
HUE_SHORTEST_DISTANCE = 0
LOOP_UPDATE_ALL = 0x07  # action | direction | time
LOOP_DEACTIVATE, LOOP_FROM_CURRENT_HUE = 0, 2
LOOP_INCREMENT = 1


def _bri(value: Any) -> int:
    return clamp_bri(as_int(value, 0, 255))


def _sat(value: Any) -> int:
    return clamp_sat(as_int(value, 0, 255))


def _transition(value: Any) -> int:
    return min(as_int(value, 0, 0xFFFF), MAX_TRANSITION)


VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "on": as_bool,
    "bri": _bri,
    "bri_inc": lambda v: as_int(v, -254, 254),
    "hue": lambda v: as_int(v, 0, 0xFFFF),
    "sat": _sat,
    "xy": as_xy,
    "ct": lambda v: as_int(v, 0, 0xFFFF),
    "ct_inc": lambda v: as_int(v, -0xFFFE, 0xFFFE),
    "effect": lambda v: as_choice(v, EFFECTS),
    "colorloopspeed": lambda v: as_int(v, 1, 0xFFFF),
    "alert": lambda v: as_choice(v, ALERTS),
    "transitiontime": _transition,
    "ontime": lambda v: as_int(v, 0, 0xFFFF),
    "wrap": as_bool,
    "speed": lambda v: as_int(v, 0, 6),
}

# Parameters that ask for an action; a body with none of them is "missing parameter".
COMMAND_PARAMS = frozenset(
    {"on", "bri", "bri_inc", "hue", "sat", "xy", "ct", "ct_inc", "effect", "alert", "speed"}
)


@dataclass(slots=True)
class StateRequest:
    """A validated state/action body. None means "not in the body"."""

    on: bool | None = None
    bri: int | None = None
    bri_stop: bool = False  # group action `"bri": "stop"`
    bri_inc: int | None = None
    wrap: bool | None = None
    hue: int | None = None
    sat: int | None = None
    xy: tuple[float, float] | None = None
    ct: int | None = None
    ct_inc: int | None = None
    effect: str | None = None
    colorloopspeed: int | None = None
    alert: str | None = None
    transitiontime: int | None = None
    ontime: int | None = None
    speed: int | None = None

    @property
    def transition(self) -> int:
        return DEFAULT_TRANSITION if self.transitiontime is None else self.transitiontime

    @property
    def fades_off(self) -> bool:
        """`on:false` + `bri` + `transitiontime`: one Move to Level (with On/Off) to 0.

        That is how Home Assistant asks for a fading turn-off; deCONZ folds the bri into
        the off command the same way and reports only `on`.
        """
        return self.on is False and self.bri is not None and self.transitiontime is not None


@dataclass(frozen=True, slots=True)
class Receiver:
    """Where the commands go and what the receiver can do."""

    address: Target
    path: str  # reply prefix: /lights/<id>/state or /groups/<id>/action
    group: bool = False  # groupcast semantics (see build_commands)
    is_on: bool = True
    check_off: bool = False  # lights: level/colour on an off light is error 201
    bri_if_off: bool = False
    color_if_off: bool = False
    colorloop_active: bool = False
    enhanced_hue: bool = True
    ct_limits: tuple[int, int] | None = None
    bri: int = 0  # current values, for the increments
    ct: int = 0
    colorloop_speed: int = 25  # deCONZ default: 25 s for lights, 15 s for groups


@dataclass(slots=True)
class Outcome:
    responses: list[dict[str, Any]] = field(default_factory=list)
    commands: list[RadioCommand] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


class _Builder:
    """Accumulates one request's replies, commands and state values."""

    def __init__(self, target: Receiver, req: StateRequest) -> None:
        self.t = target
        self.req = req
        self.out = Outcome()
        self.is_on = target.is_on

    def zcl(self, cluster: int, command: str, **args: Any) -> None:
        self.out.commands.append(ZclCommand(self.t.address, cluster, command, args))

    def ok(self, param: str, value: Any, **state: Any) -> None:
        self.out.responses.append(success(f"{self.t.path}/{param}", value))
        self.out.state.update(state)

    def fail(self, error: ApiError) -> None:
        self.out.responses.append(error.to_dict())

    def blocked(self, params: list[str], *, color: bool, loop: bool = False) -> bool:
        """Error 201 (light off) or, for colour changes (`loop`), 8 while a colour loop runs;
        one error per param. Groups get neither."""
        allowed_off = self.t.color_if_off if color else self.t.bri_if_off
        if self.t.check_off and not self.is_on and not allowed_off:
            for param in params:
                self.fail(ApiError.device_off(f"{self.t.path}/{param}", param))
            return True
        looping = self.t.check_off and self.t.colorloop_active and self.req.effect != "none"
        if loop and looping:
            for param in params:
                self.fail(
                    ApiError.light_param_not_modifiable(
                        f"{self.t.path}/{param}", param, "Colorloop is active."
                    )
                )
            return True
        return False

    # -- the steps, in deCONZ's order ------------------------------------------------------

    def turn_on(self) -> None:
        req = self.req
        if req.on is not True:
            return
        if self.merged_on_level:
            self.zcl(
                LEVEL, "move_to_level_with_on_off", level=req.bri, transition_time=req.transition
            )
        elif req.ontime:
            self.zcl(
                ON_OFF, "on_with_timed_off", on_off_control=0, on_time=req.ontime, off_wait_time=0
            )
        else:
            self.zcl(ON_OFF, "on")
        self.is_on = True
        self.ok("on", True, on=True)

    @property
    def merged_on_level(self) -> bool:
        """Groups turn on and set the level with one groupcast (deCONZ does the same)."""
        req = self.req
        return self.t.group and req.on is True and req.bri is not None and not req.ontime

    def level(self) -> None:
        req, tt = self.req, self.req.transition
        if req.bri_stop:
            self.zcl(LEVEL, "stop")
            self.ok("bri", "stop")
        elif req.bri is not None:
            if req.fades_off or self.blocked(["bri"], color=False):
                return
            if not self.merged_on_level:
                self.zcl(LEVEL, "move_to_level", level=req.bri, transition_time=tt)
            self.ok("bri", req.bri, bri=req.bri)
        elif req.bri_inc is not None:
            if self.blocked(["bri_inc"], color=False):
                return
            inc = req.bri_inc
            if inc == 0:
                self.zcl(LEVEL, "stop")
            else:
                mode = LEVEL_STEP_UP if inc > 0 else LEVEL_STEP_DOWN
                self.zcl(LEVEL, "step", step_mode=mode, step_size=abs(inc), transition_time=tt)
            bri = min(max(self.t.bri + inc, 1), 254)
            if self.t.group:  # deCONZ echoes the increment for groups
                self.ok("bri_inc", inc, bri=bri)
            else:
                self.ok("bri", bri, bri=bri)

    def colorloop(self, active: bool) -> None:
        speed = self.req.colorloopspeed or self.t.colorloop_speed
        self.zcl(
            COLOR,
            "color_loop_set",
            update_flags=LOOP_UPDATE_ALL,
            action=LOOP_FROM_CURRENT_HUE if active else LOOP_DEACTIVATE,
            direction=LOOP_INCREMENT,
            time=speed,
            start_hue=0,
        )

    def effect(self, wanted: str) -> None:
        if self.req.effect != wanted or self.blocked(["effect"], color=True):
            return
        self.colorloop(active=wanted == "colorloop")
        if wanted == "colorloop":
            self.ok("effect", wanted, effect=wanted, colormode="hs")
        else:
            self.ok("effect", wanted, effect=wanted)

    def colour(self) -> None:
        req, tt = self.req, self.req.transition
        if req.xy is not None:
            if not self.blocked(["xy"], color=True, loop=True):
                raw_x, raw_y = (xy_to_raw(v) for v in req.xy)
                self.zcl(COLOR, "move_to_color", color_x=raw_x, color_y=raw_y, transition_time=tt)
                xy = [xy_from_raw(raw_x), xy_from_raw(raw_y)]  # as the light will report it
                self.ok("xy", xy, xy=xy, colormode="xy")
        elif req.ct is not None:
            if not self.blocked(["ct"], color=True, loop=True):
                ct = clamp_ct(req.ct, self.t.ct_limits)
                self.zcl(COLOR, "move_to_color_temp", color_temp_mireds=ct, transition_time=tt)
                self.ok("ct", ct, ct=ct, colormode="ct")
        elif req.ct_inc is not None:
            if not self.blocked(["ct_inc"], color=True, loop=True):
                self.ct_step(req.ct_inc, tt)
        elif req.hue is not None or req.sat is not None:
            params = [p for p in ("hue", "sat") if getattr(req, p) is not None]
            if not self.blocked(params, color=True, loop=True):
                self.hue_sat(req.hue, req.sat, tt)

    def ct_step(self, inc: int, tt: int) -> None:
        lo, hi = self.t.ct_limits or (0, 0)  # 0 = the light's physical limit
        if inc == 0:
            self.zcl(COLOR, "stop_move_step")
        else:
            self.zcl(
                COLOR,
                "step_color_temp",
                step_mode=CT_STEP_UP if inc > 0 else CT_STEP_DOWN,
                step_size=abs(inc),
                transition_time=tt,
                color_temp_min_mireds=lo,
                color_temp_max_mireds=hi,
            )
        ct = clamp_ct(max(self.t.ct + inc, 0), self.t.ct_limits)
        self.ok("ct", ct, ct=ct, colormode="ct")

    def hue_sat(self, hue: int | None, sat: int | None, tt: int) -> None:
        enhanced = self.t.enhanced_hue
        if hue is not None and sat is not None:
            if enhanced:
                self.zcl(
                    COLOR,
                    "enhanced_move_to_hue_and_saturation",
                    enhanced_hue=hue,
                    saturation=sat,
                    transition_time=tt,
                )
            else:
                self.zcl(
                    COLOR,
                    "move_to_hue_and_saturation",
                    hue=hue_to_8bit(hue),
                    saturation=sat,
                    transition_time=tt,
                )
        elif hue is not None:
            if enhanced:
                self.zcl(
                    COLOR,
                    "enhanced_move_to_hue",
                    enhanced_hue=hue,
                    direction=HUE_SHORTEST_DISTANCE,
                    transition_time=tt,
                )
            else:
                self.zcl(
                    COLOR,
                    "move_to_hue",
                    hue=hue_to_8bit(hue),
                    direction=HUE_SHORTEST_DISTANCE,
                    transition_time=tt,
                )
        else:
            self.zcl(COLOR, "move_to_saturation", saturation=sat, transition_time=tt)
        if hue is not None:
            self.ok("hue", hue, hue=hue, colormode="hs")
        if sat is not None:
            self.ok("sat", sat, sat=sat, colormode="hs")

    def alert(self) -> None:
        alert = self.req.alert
        if alert is None:
            return
        if alert in TRIGGER_EFFECTS:
            self.zcl(IDENTIFY, "trigger_effect", effect_id=TRIGGER_EFFECTS[alert], effect_variant=0)
        else:
            seconds = IDENTIFY_SECONDS[alert]
            if alert == "lselect" and self.req.ontime:
                seconds = self.req.ontime
            self.zcl(IDENTIFY, "identify", identify_time=seconds)
        self.ok("alert", alert)  # write-only: state.alert always reads "none"

    def fan_speed(self) -> None:
        speed = self.req.speed
        if speed is None:
            return
        self.out.commands.append(WriteAttributes(self.t.address, FAN_CONTROL, {"fan_mode": speed}))
        self.ok("speed", speed, speed=speed)

    def turn_off(self) -> None:
        req = self.req
        if req.on is not False:
            return
        loop_running = (
            self.t.colorloop_active or req.effect == "colorloop"
        ) and req.effect != "none"
        if loop_running:  # a light left looping would resume the loop when switched on
            self.colorloop(active=False)
            self.out.state["effect"] = "none"
        if req.fades_off:
            self.zcl(LEVEL, "move_to_level_with_on_off", level=0, transition_time=req.transition)
        else:
            self.zcl(ON_OFF, "off")
        self.ok("on", False, on=False)


def build_commands(target: Receiver, req: StateRequest) -> Outcome:
    """Replies, commands and new state values for a validated request."""
    builder = _Builder(target, req)
    builder.turn_on()
    builder.level()
    builder.effect("none")
    builder.colour()
    builder.effect("colorloop")
    builder.alert()
    builder.fan_speed()
    builder.turn_off()
    return builder.out


def wrapped_increment(inc: int, lowest: int, highest: int) -> int:
    """`wrap: true`: a step that would run past either end jumps to the other end instead."""
    if inc < 0 and lowest + inc < 1:
        return inc + 254
    if inc > 0 and highest + inc > 254:
        return inc - 254
    return inc
