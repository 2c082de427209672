"""A device with one HA endpoint, as the blind, lock, fan and siren are: Basic and Identify
plus the clusters that make it what it is, and the OTA client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl import Cluster
from zigpy.zcl.clusters.general import Basic, Identify, Ota

from .catalogue import basic
from .device import SimDevice
from .endpoint import SimEndpoint

D = TypeVar("D", bound=SimDevice)


def single_endpoint_device(
    cls: type[D],
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    device_type: int,
    model: str,
    manufacturer: str,
    mains: bool,
    name: str | None,
    clusters: Mapping[type[Cluster], dict[str, Any]],
) -> D:
    """Mains devices are routers, battery ones end devices (as real ones are)."""
    in_clusters = {
        Basic: basic(model, mains=mains, manufacturer=manufacturer),
        Identify: {"identify_time": 0},
        **clusters,
    }
    endpoint = SimEndpoint(
        1, zha.PROFILE_ID, device_type, in_clusters=in_clusters, out_clusters=[Ota]
    )
    return cls(ieee, nwk, [endpoint], router=mains, name=name)
