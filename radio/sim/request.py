"""The context a ZCL command is handled in, and what a handler hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import zigpy.types as t
from zigpy.zcl import Cluster, foundation

from .host import DeviceHost
from .zcl import is_unicast, typed

if TYPE_CHECKING:
    from .endpoint import ClusterState, SimEndpoint


@dataclass
class ZclRequest:
    """One ZCL frame as one endpoint of a simulated device received it."""

    device: DeviceHost
    endpoint: SimEndpoint
    cluster: type[Cluster]
    state: ClusterState
    header: foundation.ZCLHeader
    packet: t.ZigbeePacket
    command: str = ""  # name of the cluster command being handled
    server: bool = True  # addressed to a server (in) cluster, else to a client (out) one
    group: int | None = None
    # Unsolicited frames the command triggers, sent after the reply (e.g. IAS enroll)
    followups: list[t.ZigbeePacket] = field(default_factory=list)

    @property
    def unicast(self) -> bool:
        return is_unicast(self.packet)

    @property
    def now(self) -> float:
        return self.device.clock()

    def get(self, attrid: int) -> Any:
        if self.server:
            return self.endpoint.get(self.cluster, attrid)
        return self.state.values.get(attrid)

    def set(self, attrid: int, value: Any) -> None:
        if self.server:
            self.endpoint.set(self.cluster, attrid, value)
        else:
            self.state.values[attrid] = typed(self.cluster.attributes[attrid], value)


@dataclass(frozen=True)
class Outcome:
    """Result of a cluster command: a status for the Default_Response, or a named
    cluster response command (from the cluster's ``ClientCommandDefs``) with its fields."""

    status: foundation.Status = foundation.Status.SUCCESS
    response: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


SUCCESS = Outcome()


def respond(command: str, **fields: Any) -> Outcome:
    return Outcome(response=command, fields=fields)


def fail(status: foundation.Status) -> Outcome:
    return Outcome(status=status)
