"""ZDO server of a simulated device: what zigpy's interview and network management ask.

Each request maps to a handler returning the response arguments (or None: no answer).
Broadcast requests are only answered where the spec says so (address discovery).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import zigpy.types as t
import zigpy.zdo.types as zdo_t

from .host import DeviceHost
from .zcl import COORDINATOR_NWK, ZDO_ENDPOINT, ZDO_PROFILE, build_packet, parse_zdo, zdo_frame

LOGGER = logging.getLogger(__name__)

Cmd = zdo_t.ZDOCmd
ZdoStatus = zdo_t.Status
Args = list[Any]
Handler = Callable[["DeviceHost", Args], Args | None]

_HANDLERS: dict[zdo_t.ZDOCmd, Handler] = {}
# Requests a device answers even when they arrive as a broadcast
_ANSWERED_WHEN_BROADCAST = {Cmd.NWK_addr_req, Cmd.IEEE_addr_req}


def _handles(command: zdo_t.ZDOCmd) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _HANDLERS[command] = fn
        return fn

    return register


def handle(device: DeviceHost, packet: t.ZigbeePacket, *, broadcast: bool) -> list[t.ZigbeePacket]:
    """Answer one ZDO request frame; responses and announcements are never answered."""
    if packet.cluster_id & 0x8000:
        return []
    try:
        hdr, args = parse_zdo(packet.cluster_id, packet.data.serialize())
    except (ValueError, KeyError) as exc:
        LOGGER.debug("%s: unparsable ZDO frame %r: %s", device, packet, exc)
        return []
    device.zdo_requests.append(hdr.command_id)
    if broadcast and hdr.command_id not in _ANSWERED_WHEN_BROADCAST:
        _handle_silently(device, hdr.command_id, args)
        return []
    handler = _HANDLERS.get(hdr.command_id)
    if handler is None:
        if hdr.command_id == Cmd.Device_annce:
            return []
        rsp_args: Args | None = [ZdoStatus.NOT_SUPPORTED]
    else:
        rsp_args = handler(device, args)
    if rsp_args is None:
        return []
    response = zdo_t.ZDOCmd(hdr.command_id | 0x8000)
    if response not in zdo_t.CLUSTERS:
        return []
    return [reply(device.nwk, hdr.tsn, response, rsp_args, lqi=device.lqi, rssi=device.rssi)]


def reply(
    src_nwk: int,
    tsn: int,
    command: zdo_t.ZDOCmd,
    args: Args,
    *,
    lqi: int | None = None,
    rssi: int | None = None,
) -> t.ZigbeePacket:
    """A ZDO response to the coordinator. zigpy matches it by the TSN in the first byte."""
    return build_packet(
        src_nwk=src_nwk,
        src_ep=ZDO_ENDPOINT,
        dst=t.AddrModeAddress(addr_mode=t.AddrMode.NWK, address=COORDINATOR_NWK),
        dst_ep=ZDO_ENDPOINT,
        profile_id=ZDO_PROFILE,
        cluster_id=command,
        tsn=tsn,
        data=zdo_frame(tsn, command, args),
        lqi=lqi,
        rssi=rssi,
    )


def _handle_silently(device: DeviceHost, command: zdo_t.ZDOCmd, args: Args) -> None:
    """Side effects of broadcast requests that get no answer (e.g. a leave)."""
    if command == Cmd.Mgmt_Leave_req:
        _mgmt_leave(device, args)


def _is_me(device: DeviceHost, nwk: int) -> bool:
    return nwk == device.nwk


@_handles(Cmd.Node_Desc_req)
def _node_desc(device: DeviceHost, args: Args) -> Args:
    (nwk,) = args
    if not _is_me(device, nwk):
        return [ZdoStatus.DEVICE_NOT_FOUND, nwk]
    return [ZdoStatus.SUCCESS, device.nwk, device.node_descriptor()]


@_handles(Cmd.Power_Desc_req)
def _power_desc(device: DeviceHost, args: Args) -> Args:
    (nwk,) = args
    if not _is_me(device, nwk):
        return [ZdoStatus.DEVICE_NOT_FOUND, nwk]
    return [ZdoStatus.SUCCESS, device.nwk, device.power_descriptor()]


@_handles(Cmd.Active_EP_req)
def _active_ep(device: DeviceHost, args: Args) -> Args:
    (nwk,) = args
    if not _is_me(device, nwk):
        return [ZdoStatus.DEVICE_NOT_FOUND, nwk, []]
    return [ZdoStatus.SUCCESS, device.nwk, list(device.endpoints)]


@_handles(Cmd.Simple_Desc_req)
def _simple_desc(device: DeviceHost, args: Args) -> Args:
    nwk, endpoint_id = args
    if not _is_me(device, nwk):
        return [ZdoStatus.DEVICE_NOT_FOUND, nwk]
    if not 1 <= endpoint_id <= 240:
        return [ZdoStatus.INVALID_EP, nwk]
    endpoint = device.endpoints.get(endpoint_id)
    if endpoint is None:
        return [ZdoStatus.NOT_ACTIVE, nwk]
    return [ZdoStatus.SUCCESS, nwk, endpoint.descriptor()]


@_handles(Cmd.IEEE_addr_req)
def _ieee_addr(device: DeviceHost, args: Args) -> Args | None:
    nwk, _request_type, _start_index = args
    if not _is_me(device, nwk):
        return None
    return [ZdoStatus.SUCCESS, device.ieee, device.nwk, 0, 0, []]


@_handles(Cmd.NWK_addr_req)
def _nwk_addr(device: DeviceHost, args: Args) -> Args | None:
    ieee, _request_type, _start_index = args
    if ieee != device.ieee:
        return None
    return [ZdoStatus.SUCCESS, device.ieee, device.nwk, 0, 0, []]


@_handles(Cmd.Bind_req)
def _bind(device: DeviceHost, args: Args) -> Args:
    src, src_ep, cluster, dst = args
    if src != device.ieee or src_ep not in device.endpoints:
        return [ZdoStatus.INVALID_EP if src == device.ieee else ZdoStatus.NOT_SUPPORTED]
    binding = zdo_t.Binding(SrcAddress=src, SrcEndpoint=src_ep, ClusterId=cluster, DstAddress=dst)
    if binding not in device.bindings:
        device.bindings.append(binding)
    return [ZdoStatus.SUCCESS]


@_handles(Cmd.Unbind_req)
def _unbind(device: DeviceHost, args: Args) -> Args:
    src, src_ep, cluster, dst = args
    binding = zdo_t.Binding(SrcAddress=src, SrcEndpoint=src_ep, ClusterId=cluster, DstAddress=dst)
    if binding not in device.bindings:
        return [ZdoStatus.NO_ENTRY]
    device.bindings.remove(binding)
    return [ZdoStatus.SUCCESS]


@_handles(Cmd.Mgmt_Bind_req)
def _mgmt_bind(device: DeviceHost, args: Args) -> Args:
    (start,) = args
    entries = device.bindings[start:]
    return [ZdoStatus.SUCCESS, len(device.bindings), start, entries]


@_handles(Cmd.Mgmt_Lqi_req)
def _mgmt_lqi(device: DeviceHost, args: Args) -> Args:
    (start,) = args
    # The sim has no mesh: every node talks to the coordinator directly.
    return [ZdoStatus.SUCCESS, zdo_t.Neighbors(Entries=0, StartIndex=start, NeighborTableList=[])]


@_handles(Cmd.Mgmt_Rtg_req)
def _mgmt_rtg(device: DeviceHost, args: Args) -> Args:
    (start,) = args
    if not device.router:
        return [ZdoStatus.NOT_SUPPORTED]
    return [ZdoStatus.SUCCESS, zdo_t.Routes(Entries=0, StartIndex=start, RoutingTableList=[])]


@_handles(Cmd.Mgmt_Leave_req)
def _mgmt_leave(device: DeviceHost, args: Args) -> Args:
    ieee, _options = args
    if ieee not in (device.ieee, t.EUI64.UNKNOWN, t.EUI64([0] * 8)):
        return [ZdoStatus.NOT_SUPPORTED]
    device.left = True  # the network removes it once the response is out
    return [ZdoStatus.SUCCESS]


@_handles(Cmd.Mgmt_Permit_Joining_req)
def _mgmt_permit(device: DeviceHost, args: Args) -> Args:
    return [ZdoStatus.SUCCESS if device.router else ZdoStatus.NOT_SUPPORTED]
