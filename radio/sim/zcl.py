"""ZCL/ZDO framing helpers shared by the simulated devices and the virtual coordinator.

Everything is built from zigpy's own schemas (``foundation``, cluster command definitions,
``zdo.types.CLUSTERS``); nothing here encodes bytes by hand, so the sim follows zigpy when
its wire formats change.
"""

from __future__ import annotations

import functools
from typing import Any

import zigpy.types as t
import zigpy.zdo.types as zdo_t
from zigpy.profiles import zha
from zigpy.zcl import Cluster, foundation
from zigpy.zcl.clusters.manufacturer_specific import ManufacturerSpecificCluster

from radio.clusters import MANUFACTURER_CLUSTERS

COORDINATOR_NWK = t.NWK(0x0000)
# Devices report to (and groupcasts arrive at) the coordinator's HA endpoint: zigpy-znp, for
# one, takes the profile of an incoming frame from the endpoint it was addressed to.
COORDINATOR_ENDPOINT = 1
HA_PROFILE = zha.PROFILE_ID
ZDO_PROFILE = 0x0000
ZDO_ENDPOINT = 0
BROADCAST_ENDPOINT = 0xFF

ClusterRef = int | str | type[Cluster]
AttributeRef = int | str


@functools.cache
def _clusters_by_ep_attribute() -> dict[str, type[Cluster]]:
    return {
        cls.ep_attribute: cls for cls in Cluster._registry.values() if cls.ep_attribute is not None
    }


def cluster_class(ref: ClusterRef) -> type[Cluster]:
    """Resolve a cluster given as id (0x0006), zigpy endpoint name ("on_off") or class."""
    if isinstance(ref, type) and issubclass(ref, Cluster):
        return ref
    if isinstance(ref, str):
        try:
            return _clusters_by_ep_attribute()[ref]
        except KeyError:
            raise ValueError(f"Unknown cluster name {ref!r}") from None
    try:
        return Cluster._registry[int(ref)]
    except KeyError:
        if int(ref) >= MANUFACTURER_CLUSTERS:
            return manufacturer_cluster(int(ref))
        raise ValueError(f"Unknown cluster id 0x{int(ref):04X}") from None


@functools.cache
def manufacturer_cluster(cluster_id: int) -> type[Cluster]:
    """A manufacturer-specific cluster with no attributes we know, as real devices carry
    them (Hue's 0xFC00, IKEA's 0xFC7C). Kept out of zigpy's registry: zigpy itself only
    knows the range, and the gateway must cope with exactly that."""
    return type(
        f"ManufacturerCluster{cluster_id:04X}",
        (ManufacturerSpecificCluster,),
        {"cluster_id": cluster_id, "ep_attribute": None, "_skip_registry": True},
    )


def attribute_def(cluster: type[Cluster], ref: AttributeRef) -> foundation.ZCLAttributeDef:
    """Resolve an attribute of a cluster by name or id."""
    try:
        if isinstance(ref, str):
            return cluster.attributes_by_name[ref]
        return cluster.attributes[int(ref)]
    except KeyError:
        raise ValueError(f"{cluster.__name__} has no attribute {ref!r}") from None


def typed(attr: foundation.ZCLAttributeDef, value: Any) -> Any:
    """Coerce a plain Python value to the attribute's zigpy type."""
    if isinstance(value, attr.type):
        return value
    if isinstance(value, str) and hasattr(attr.type, "convert"):
        return attr.type.convert(value)
    return attr.type(value)


def plain(value: Any) -> Any:
    """The JSON-friendly form of a zigpy value (enums and bitmaps become ints)."""
    if isinstance(value, t.EUI64):
        return str(value)
    if isinstance(value, bool | str | float | None):
        return value
    if isinstance(value, int):
        return int(value)
    return value


def type_value(attr: foundation.ZCLAttributeDef, value: Any) -> foundation.TypeValue:
    return foundation.TypeValue(type=attr.zcl_type, value=typed(attr, value))


def zcl_header(
    *,
    tsn: int,
    command_id: int,
    general: bool,
    direction: foundation.Direction,
    disable_default_response: bool,
    manufacturer: int | None = None,
) -> foundation.ZCLHeader:
    frame_control = foundation.FrameControl(
        frame_type=(
            foundation.FrameType.GLOBAL_COMMAND if general else foundation.FrameType.CLUSTER_COMMAND
        ),
        is_manufacturer_specific=manufacturer is not None,
        direction=direction,
        disable_default_response=disable_default_response,
        reserved=0b000,
    )
    return foundation.ZCLHeader(
        frame_control=frame_control, manufacturer=manufacturer, tsn=tsn, command_id=command_id
    )


# A zigpy EUI64 is a list of eight uint8_t objects: share them between all the devices.
_OCTETS = tuple(t.uint8_t(i) for i in range(256))


def eui64(ieee: t.EUI64 | str) -> t.EUI64:
    """An IEEE address (a copy, when given one) made of shared octet objects."""
    octets = t.EUI64.convert(ieee) if isinstance(ieee, str) else ieee
    return t.EUI64(_OCTETS[octet] for octet in octets)


def nwk_address(nwk: int) -> t.AddrModeAddress:
    return t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=t.NWK(nwk))


def group_address(group: int) -> t.AddrModeAddress:
    return t.AddrModeAddress(addr_mode=t.AddrMode.Group, address=t.Group(group))


def zdo_frame(tsn: int, command: zdo_t.ZDOCmd, args: list[Any] | tuple[Any, ...]) -> bytes:
    """A ZDO frame: the TSN byte, then the arguments per zigpy's ZDO schema."""
    _, schema = zdo_t.CLUSTERS[command]
    return t.uint8_t(tsn).serialize() + t.serialize(args, schema)


def parse_zdo(cluster_id: int, data: bytes) -> tuple[zdo_t.ZDOHeader, list[Any]]:
    """Parse a ZDO frame; raises ValueError for unknown or malformed frames."""
    if cluster_id not in zdo_t.CLUSTERS:
        raise ValueError(f"Unknown ZDO cluster 0x{cluster_id:04X}")
    _, schema = zdo_t.CLUSTERS[cluster_id]
    hdr, rest = zdo_t.ZDOHeader.deserialize(cluster_id, data)
    args, _ = t.deserialize(rest, schema)
    return hdr, args


def build_packet(
    *,
    src_nwk: int,
    src_ep: int,
    dst: t.AddrModeAddress,
    dst_ep: int | None,
    profile_id: int,
    cluster_id: int,
    tsn: int,
    data: bytes,
    lqi: int | None = None,
    rssi: int | None = None,
) -> t.ZigbeePacket:
    return t.ZigbeePacket(
        src=nwk_address(src_nwk),
        src_ep=src_ep,
        dst=dst,
        dst_ep=dst_ep,
        tsn=tsn,
        profile_id=profile_id,
        cluster_id=cluster_id,
        data=t.SerializableBytes(data),
        lqi=lqi,
        rssi=rssi,
    )


def is_unicast(packet: t.ZigbeePacket) -> bool:
    return packet.dst is not None and packet.dst.addr_mode in (t.AddrMode.NWK, t.AddrMode.IEEE)
