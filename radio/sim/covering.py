"""A simulated window covering that moves like a motor does.

Up/Open, Down/Close and Go To Lift/Tilt Percentage set a target; the blind then travels
`speed` percent a second (five seconds end to end by default) and reports its position
every `step` seconds on the way, as real coverings do, until it arrives or is stopped.
Without a running event loop (a test driving the device by hand) it arrives at once.
"""

from __future__ import annotations

import asyncio
from typing import Any

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl.clusters.closures import WindowCovering
from zigpy.zcl.clusters.general import Groups, Scenes

from .behaviours import handles
from .catalogue import MANUFACTURER
from .device import SimDevice
from .endpoint import SimEndpoint
from .request import ZclRequest
from .single import single_endpoint_device

LIFT = "current_position_lift_percentage"
TILT = "current_position_tilt_percentage"
_TILTING = {
    WindowCovering.WindowCoveringType.Shutter,
    WindowCovering.WindowCoveringType.Tilt_blind_tilt_only,
    WindowCovering.WindowCoveringType.Tilt_blind_tilt_and_lift,
}


class SimCovering(SimDevice):
    speed: float = 20.0  # percent per second
    step: float = 0.25  # seconds between position reports while moving; 0: no travel time

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets: dict[tuple[int, str], int] = {}
        self._mover: asyncio.TimerHandle | None = None

    @property
    def moving(self) -> bool:
        return bool(self.targets)

    def move(self, ep: SimEndpoint, attribute: str, target: int) -> None:
        if attribute == TILT and not can_tilt(ep):
            return
        self.targets[(ep.id, attribute)] = max(0, min(100, target))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None or self.step <= 0:
            self._advance(jump=True)
            return
        if self._mover is None:
            self._mover = loop.call_later(self.step, self._tick_move)

    def halt(self, ep: SimEndpoint) -> None:
        for key in [k for k in self.targets if k[0] == ep.id]:
            del self.targets[key]

    def _tick_move(self) -> None:
        self._mover = None
        self._advance(jump=False)
        packets = self._collect_reports()
        if packets and self.transmit is not None:
            self.transmit(packets)
        if self.targets:
            self._mover = asyncio.get_running_loop().call_later(self.step, self._tick_move)

    def _advance(self, *, jump: bool) -> None:
        stride = round(self.speed * self.step) or 1
        for (ep_id, attribute), target in list(self.targets.items()):
            ep = self.endpoints[ep_id]
            now = int(ep.get(WindowCovering, attribute, 0))
            delta = target - now
            if jump or abs(delta) <= stride:
                new = target
            else:
                new = now + (stride if delta > 0 else -stride)
            ep.set(WindowCovering, attribute, new)
            if new == target:
                del self.targets[(ep_id, attribute)]

    def cancel_timers(self) -> None:
        super().cancel_timers()
        if self._mover is not None:
            self._mover.cancel()
            self._mover = None


def can_tilt(ep: SimEndpoint) -> bool:
    return ep.get(WindowCovering, "window_covering_type") in _TILTING


def _move(req: ZclRequest, attribute: str, target: int) -> None:
    device = req.device
    if isinstance(device, SimCovering):
        device.move(req.endpoint, attribute, target)
    elif attribute == LIFT or can_tilt(req.endpoint):
        req.endpoint.set(WindowCovering, attribute, target)


@handles(WindowCovering, "up_open", "down_close")
def _open_close(req: ZclRequest, args: Any) -> None:
    target = 0 if req.command == "up_open" else 100
    _move(req, LIFT, target)
    _move(req, TILT, target)


@handles(WindowCovering, "go_to_lift_percentage")
def _go_to_lift(req: ZclRequest, args: Any) -> None:
    _move(req, LIFT, int(args.percentage_lift_value))


@handles(WindowCovering, "go_to_tilt_percentage")
def _go_to_tilt(req: ZclRequest, args: Any) -> None:
    _move(req, TILT, int(args.percentage_tilt_value))


@handles(WindowCovering, "stop")
def _stop(req: ZclRequest, args: Any) -> None:
    if isinstance(req.device, SimCovering):
        req.device.halt(req.endpoint)


def window_covering(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-WC1",
    manufacturer: str = MANUFACTURER,
    tilt: bool = False,
    lift: int = 0,
) -> SimCovering:
    """A mains roller blind (HA 0x0202), or a venetian blind that also tilts (`tilt`)."""
    kind = WindowCovering.WindowCoveringType
    covering: dict[str, Any] = {
        "window_covering_type": kind.Tilt_blind_tilt_and_lift if tilt else kind.Rollershade,
        "config_status": 0x03,  # operational, online
        LIFT: lift,
        "installed_open_limit_lift": 0,
        "installed_closed_limit_lift": 2000,
        "window_covering_mode": 0,
    }
    if tilt:
        covering[TILT] = 0
    return single_endpoint_device(
        SimCovering,
        ieee,
        nwk,
        device_type=zha.DeviceType.WINDOW_COVERING_DEVICE,
        model=model,
        manufacturer=manufacturer,
        mains=True,
        name=name,
        clusters={
            Groups: {"name_support": Groups.NameSupport.Supported},
            Scenes: {"count": 0, "current_scene": 0, "current_group": 0, "scene_valid": False,
                     "name_support": 0},
            WindowCovering: covering,
        },
    )  # fmt: skip
