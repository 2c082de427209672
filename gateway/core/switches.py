"""ZHASwitch: remotes that send On/Off, Level, Scenes or Color commands, and the generic
button map that turns those commands into `buttonevent`s.

deCONZ only has per-model button maps and gives unknown remotes no events at all. We give
every standard remote a generic 4-button (+ scene buttons) layout, `buttonevent =
button * 1000 + action`, with the deCONZ action codes:

| command (cluster)                          | buttonevent  | meaning                       |
|--------------------------------------------|--------------|-------------------------------|
| on (also with timed off / recall global)   | 1002         | button 1 "on", short release  |
| toggle (single-button remotes)             | 1002         | button 1, short release       |
| off, off_with_effect                       | 2002         | button 2 "off", short release |
| step / step_with_on_off, up (mode 0)       | 3002         | button 3 "dim up", short      |
| step / step_with_on_off, down (mode 1)     | 4002         | button 4 "dim down", short    |
| move / move_with_on_off, up / down         | 3001 / 4001  | hold                          |
| stop / stop_with_on_off                    | 3003 / 4003  | long release of the last move |
| recall scene s (Scenes), s = 0..15         | (5+s)*1000+2 | scene buttons 5..20           |

A stop is the long release of whichever button's move came last (button 3 if none yet).

Colour commands and the remaining level/scene commands give no event; deCONZ caps buttons at
20, so scene ids above 15 only produce `scene-called`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from radio.events import EndpointInfo

from . import zcl

INITIAL_PRESS = 0
HOLD = 1
SHORT_RELEASE = 2
LONG_RELEASE = 3

BUTTON_ON = 1
BUTTON_OFF = 2
BUTTON_UP = 3
BUTTON_DOWN = 4
FIRST_SCENE_BUTTON = 5
MAX_BUTTON = 20

SWITCH_CLUSTERS = zcl.SWITCH_CLUSTERS


@dataclass(slots=True)
class SwitchMemory:
    """What a stop needs to know: the button of the last move (deCONZ's stateful trick)."""

    last_move_button: int = BUTTON_UP


Rule = Callable[[Mapping[str, Any], SwitchMemory], tuple[int, int] | None]


def _fixed(button: int, action: int) -> Rule:
    return lambda _args, _memory: (button, action)


def _direction(args: Mapping[str, Any], key: str) -> int:
    """Level step/move mode: 0 up, 1 down (enums arrive as ints; be lenient)."""
    try:
        return BUTTON_DOWN if int(args.get(key, 0)) else BUTTON_UP
    except (TypeError, ValueError):
        return BUTTON_UP


def _step(args: Mapping[str, Any], _memory: SwitchMemory) -> tuple[int, int]:
    return _direction(args, "step_mode"), SHORT_RELEASE


def _move(args: Mapping[str, Any], memory: SwitchMemory) -> tuple[int, int]:
    memory.last_move_button = _direction(args, "move_mode")
    return memory.last_move_button, HOLD


def _stop(_args: Mapping[str, Any], memory: SwitchMemory) -> tuple[int, int]:
    return memory.last_move_button, LONG_RELEASE


def _recall(args: Mapping[str, Any], _memory: SwitchMemory) -> tuple[int, int] | None:
    try:
        button = FIRST_SCENE_BUTTON + int(args.get("scene_id", -1))
    except (TypeError, ValueError):
        return None
    return (button, SHORT_RELEASE) if FIRST_SCENE_BUTTON <= button <= MAX_BUTTON else None


BUTTON_MAP: Mapping[tuple[int, int], Rule] = {
    (zcl.ON_OFF, 0x01): _fixed(BUTTON_ON, SHORT_RELEASE),  # on
    (zcl.ON_OFF, 0x41): _fixed(BUTTON_ON, SHORT_RELEASE),  # on_with_recall_global_scene
    (zcl.ON_OFF, 0x42): _fixed(BUTTON_ON, SHORT_RELEASE),  # on_with_timed_off
    (zcl.ON_OFF, 0x02): _fixed(BUTTON_ON, SHORT_RELEASE),  # toggle
    (zcl.ON_OFF, 0x00): _fixed(BUTTON_OFF, SHORT_RELEASE),  # off
    (zcl.ON_OFF, 0x40): _fixed(BUTTON_OFF, SHORT_RELEASE),  # off_with_effect
    (zcl.LEVEL, 0x02): _step,  # step
    (zcl.LEVEL, 0x06): _step,  # step_with_on_off
    (zcl.LEVEL, 0x01): _move,  # move
    (zcl.LEVEL, 0x05): _move,  # move_with_on_off
    (zcl.LEVEL, 0x03): _stop,  # stop
    (zcl.LEVEL, 0x07): _stop,  # stop_with_on_off
    (zcl.SCENES, zcl.CMD_SCENE_RECALL): _recall,
}


def button_event(
    cluster: int, command: int, args: Mapping[str, Any], memory: SwitchMemory
) -> int | None:
    """The buttonevent for a command a remote sent, or None if it is not a button."""
    rule = BUTTON_MAP.get((cluster, command))
    result = rule(args, memory) if rule else None
    return None if result is None else result[0] * 1000 + result[1]


def is_switch_endpoint(ep: EndpointInfo) -> bool:
    return any(c in ep.out_clusters for c in SWITCH_CLUSTERS)


def switch_cluster(ep: EndpointInfo) -> int:
    """The uniqueid suffix: 1000 with ZLL commissioning (deCONZ), else the first command
    cluster the remote sends on."""
    if zcl.ZLL_COMMISSIONING in ep.in_clusters or zcl.ZLL_COMMISSIONING in ep.out_clusters:
        return zcl.ZLL_COMMISSIONING
    return next(c for c in SWITCH_CLUSTERS if c in ep.out_clusters)


def add_group(current: str, group: int) -> str:
    """`config.group` is a comma list of the groups a remote was seen sending to."""
    groups = [g for g in current.split(",") if g]
    if str(group) not in groups:
        groups.append(str(group))
    return ",".join(groups)
