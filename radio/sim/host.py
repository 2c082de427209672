"""What an endpoint, a request handler and the ZDO handlers need of their simulated device.

Typing them against this protocol instead of `SimDevice` keeps the simulation's modules a
straight line (zcl ← endpoint ← request ← behaviours/general/zdo ← device ← network ←
radio), without a type-only import back up to `device.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import zigpy.types as t
import zigpy.zdo.types as zdo_t
from zigpy.zcl import Cluster

from .zcl import ClusterRef


class DeviceHost(Protocol):
    ieee: t.EUI64
    nwk: t.NWK
    lqi: int
    rssi: int
    router: bool
    left: bool
    manufacturer_code: int
    clock: Callable[[], float]
    bindings: list[zdo_t.Binding]
    zdo_requests: list[zdo_t.ZDOCmd]

    @property
    def endpoints(self) -> Mapping[int, Any]: ...  # SimEndpoint, which imports this module

    def node_descriptor(self) -> zdo_t.NodeDescriptor: ...

    def power_descriptor(self) -> zdo_t.PowerDescriptor: ...

    def attribute_changed(
        self, endpoint: Any, cluster: type[Cluster], name: str, value: Any
    ) -> None: ...

    def schedule_tick(self, delay: float) -> None: ...

    def server_command(
        self, endpoint: int | None, cluster: ClusterRef, command: str, **args: Any
    ) -> list[t.ZigbeePacket]: ...
