"""`--sim-join-on-permit`: on the simulated network, opening joining brings a new device.

With a real stick a person opens the network and presses a device's pairing button; the
simulation has no person, so with this opt-in setting one new simulated device joins each
time joining is opened (`zigbridge permit-join`, `PUT /config {"permitjoin": n}`, `POST
/lights`). That lets the pairing path be tried and tested end to end. It is imported only
for `--radio sim` with the setting on; a real radio never reaches this module.

The devices are deterministic (series 2 of the demo IEEE space, a fixed rotation of
kinds), so after a restart the ones that joined earlier are put back on the air, as the
demo home's devices are.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from radio import events as ev
from radio.sim import catalogue
from radio.sim.demo import demo_ieee
from radio.sim.device import SimDevice
from radio.sim.radio import VirtualRadio

LOGGER = logging.getLogger("gateway.sim")

SERIES = 2
FIRST_NWK = 0x6A00
JOIN_DELAY = 1.0  # seconds after joining opens: as long as a person takes, roughly

_KINDS: tuple[tuple[str, Callable[..., SimDevice]], ...] = (
    ("light", catalogue.dimmable_light),
    ("motion sensor", catalogue.motion_sensor),
    ("colour temperature light", catalogue.color_temperature_light),
    ("door contact", catalogue.door_contact),
)


def pairing_device(index: int) -> SimDevice:
    """The `index`-th device (1-based) that joins on permit."""
    noun, factory = _KINDS[(index - 1) % len(_KINDS)]
    return factory(demo_ieee(SERIES, index), FIRST_NWK + index, name=f"New {noun} {index}")


class JoinOnPermit:
    """Joins one new simulated device shortly after each `PermitJoinChanged(seconds > 0)`."""

    def __init__(self, app: VirtualRadio, delay: float = JOIN_DELAY):
        self.app = app
        self.delay = delay
        self.count = max((_index(str(ieee)) or 0 for ieee in app.devices), default=0)
        self._tasks: set[asyncio.Task] = set()

    def reattach(self) -> None:
        """Put devices that joined this way in an earlier run back on the air."""
        for ieee, device in list(self.app.devices.items()):
            index = _index(str(ieee))
            if index is not None and device.is_initialized:
                self.app.network.attach(pairing_device(index))

    def on_event(self, event: ev.RadioEvent) -> None:
        if isinstance(event, ev.PermitJoinChanged) and event.seconds > 0:
            self.count += 1
            task = asyncio.get_running_loop().create_task(self._join(self.count))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _join(self, index: int) -> None:
        await asyncio.sleep(self.delay)
        device = pairing_device(index)
        LOGGER.info("Simulated %s (%s) joins", device.name, device.ieee)
        self.app.network.join(device)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _index(ieee: str) -> int | None:
    prefix = demo_ieee(SERIES, 0)[: -len(":00:00:00")]
    if not ieee.lower().startswith(prefix):
        return None
    return int(ieee[len(prefix) :].replace(":", ""), 16) or None
