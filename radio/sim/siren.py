"""A simulated siren (IAS Warning Device): Start Warning sounds it for the asked duration
(within its MaxDuration), a Stop-mode warning silences it; Squawk chirps. The siren reports
nothing, as the real ones do; tests read `warning`/`sounding` to see what it was told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl.clusters.security import IasWd

from .behaviours import handles
from .catalogue import MANUFACTURER
from .device import SimDevice
from .request import ZclRequest
from .single import single_endpoint_device

MAX_DURATION = 600  # seconds


@dataclass(frozen=True, slots=True)
class Warning_:
    mode: int  # 0 stop, 1 burglar, 2 fire, ...
    strobe: bool
    level: int
    until: float  # device clock time the warning ends


class SimSiren(SimDevice):
    warning: Warning_ | None = None
    squawks: int = 0

    @property
    def sounding(self) -> bool:
        w = self.warning
        return w is not None and (w.mode != 0 or w.strobe) and self.clock() < w.until


@handles(IasWd, "start_warning")
def _start_warning(req: ZclRequest, args: Any) -> None:
    device = req.device
    if not isinstance(device, SimSiren):
        return
    raw = int(args.warning.value if hasattr(args.warning, "value") else args.warning)
    limit = int(req.endpoint.get(IasWd, "max_duration", MAX_DURATION))
    seconds = min(int(args.warning_duration), limit)
    device.warning = Warning_(raw >> 4, bool(raw & 0x04), raw & 0x03, device.clock() + seconds)


@handles(IasWd, "squawk")
def _squawk(req: ZclRequest, args: Any) -> None:
    if isinstance(req.device, SimSiren):
        req.device.squawks += 1


def siren(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-SIREN1",
    manufacturer: str = MANUFACTURER,
) -> SimSiren:
    """A mains indoor siren with strobe (HA IAS Warning Device 0x0403)."""
    return single_endpoint_device(
        SimSiren,
        ieee,
        nwk,
        device_type=zha.DeviceType.IAS_WARNING_DEVICE,
        model=model,
        manufacturer=manufacturer,
        mains=True,
        name=name,
        clusters={IasWd: {"max_duration": MAX_DURATION}},
    )
