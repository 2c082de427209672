"""The transport-independent simulated Zigbee device.

A :class:`SimDevice` speaks :class:`zigpy.types.ZigbeePacket`: ``handle(packet)`` takes a
frame from the coordinator and returns the device's answers (already addressed back to
NWK 0x0000), followed by any attribute reports the command caused. Generators such as
``report()`` or ``client_command()`` build unsolicited frames. Nothing here knows about the
virtual radio, so the same devices sit behind the emulated ZNP and EZSP coordinators too.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import zigpy.types as t
import zigpy.zdo.types as zdo_t
from zigpy.profiles import zll
from zigpy.zcl import Cluster, foundation
from zigpy.zcl.clusters.general import Basic
from zigpy.zcl.clusters.security import IasZone

from . import behaviours, general, zdo
from .endpoint import SimEndpoint
from .request import ZclRequest
from .zcl import (
    BROADCAST_ENDPOINT,
    COORDINATOR_ENDPOINT,
    COORDINATOR_NWK,
    HA_PROFILE,
    ZDO_ENDPOINT,
    ZDO_PROFILE,
    AttributeRef,
    ClusterRef,
    attribute_def,
    build_packet,
    cluster_class,
    eui64,
    group_address,
    nwk_address,
    type_value,
    zcl_header,
    zdo_frame,
)

__all__ = ["BoundedLog", "ReceivedCommand", "SimDevice", "SimEndpoint"]

LOGGER = logging.getLogger(__name__)

# Not a real vendor's code: 0xFFF1 is reserved for testing.
DEFAULT_MANUFACTURER_CODE = 0xFFF1
LOG_LIMIT = 1000

Status = foundation.Status
Direction = foundation.Direction
GC = foundation.GeneralCommand
T = TypeVar("T")


class BoundedLog(list[T]):
    """A plain list that forgets its oldest entries, so a demo running for weeks stays small."""

    __slots__ = ("limit",)  # three per device: no instance dict

    def __init__(self, limit: int = LOG_LIMIT) -> None:
        super().__init__()
        self.limit = limit

    def append(self, item: T) -> None:
        super().append(item)
        if len(self) > 2 * self.limit:
            del self[: len(self) - self.limit]


@dataclass(frozen=True)
class ReceivedCommand:
    """A cluster-specific command a device received (``args`` as zigpy parsed them)."""

    endpoint: int
    cluster: int
    command_name: str
    args: dict[str, Any] = field(default_factory=dict)
    group: int | None = None


class SimDevice:
    """A simulated node: ZDO server, endpoints with ZCL state, and its own TSN counter.

    Failure injection (acted on by :class:`~radio.sim.network.SimNetwork`):

    * ``online = False``: powered off; unicasts to it fail with ``DeliveryError``.
    * ``mute = True``: it receives and acts, but nothing it sends arrives (zigpy times out).
    * ``fail_next = n``: the next ``n`` unicasts fail with ``DeliveryError`` (retries).
    * ``reply_delay = s``: everything it sends arrives ``s`` seconds late.
    """

    def __init__(
        self,
        ieee: t.EUI64 | str,
        nwk: int,
        endpoints: Iterable[SimEndpoint],
        *,
        router: bool,
        manufacturer_code: int = DEFAULT_MANUFACTURER_CODE,
        name: str | None = None,
        lqi: int = 200,
        rssi: int = -55,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ieee = eui64(ieee)
        self.nwk = t.NWK(nwk)
        self.endpoints: dict[int, SimEndpoint] = {}
        for endpoint in endpoints:
            endpoint.device = self
            self.endpoints[endpoint.id] = endpoint
        self.router = router
        self.manufacturer_code = manufacturer_code
        self.name = name or self.model or str(self.ieee)
        self.lqi = lqi
        self.rssi = rssi
        self.clock = clock

        self.online = True
        self.mute = False
        self.fail_next = 0
        self.reply_delay = 0.0
        self.left = False  # set by a Mgmt_Leave_req; the network then drops the device

        # Where timer-driven frames (end of a move, timed off) go; set by SimNetwork.add()
        self.transmit: Callable[[list[t.ZigbeePacket]], None] | None = None

        self.received: BoundedLog[ReceivedCommand] = BoundedLog()
        self.received_general: BoundedLog[ReceivedCommand] = BoundedLog()
        self.zdo_requests: BoundedLog[zdo_t.ZDOCmd] = BoundedLog()
        self.bindings: list[zdo_t.Binding] = []

        self._tsn = int(self.ieee[0]) ^ int(self.ieee[1])  # deterministic start
        self._timers: dict[asyncio.TimerHandle, None] = {}  # a set, at a third of the size

    def __repr__(self) -> str:
        return f"<SimDevice {self.name!r} {self.ieee} nwk=0x{self.nwk:04X}>"

    # -- identity -----------------------------------------------------------------------

    def _basic(self, name: str) -> Any:
        for endpoint in self.endpoints.values():
            if endpoint.has_attribute(Basic, name):
                return endpoint.get(Basic, name)
        return None

    @property
    def manufacturer(self) -> str | None:
        return self._basic("manufacturer")

    @property
    def model(self) -> str | None:
        return self._basic("model")

    @property
    def is_end_device(self) -> bool:
        return not self.router

    @property
    def capability(self) -> zdo_t.MACCapabilityFlags:
        flags = zdo_t.MACCapabilityFlags.AllocateAddress
        if self.router:
            flags |= (
                zdo_t.MACCapabilityFlags.FullFunctionDevice
                | zdo_t.MACCapabilityFlags.MainsPowered
                | zdo_t.MACCapabilityFlags.RxOnWhenIdle
            )
        return flags

    def node_descriptor(self) -> zdo_t.NodeDescriptor:
        return zdo_t.NodeDescriptor(
            logical_type=(zdo_t.LogicalType.Router if self.router else zdo_t.LogicalType.EndDevice),
            complex_descriptor_available=0,
            user_descriptor_available=0,
            reserved=0,
            aps_flags=0,
            frequency_band=zdo_t.NodeDescriptor.FrequencyBand.Freq2400MHz,
            mac_capability_flags=self.capability,
            manufacturer_code=self.manufacturer_code,
            maximum_buffer_size=82,
            maximum_incoming_transfer_size=82,
            server_mask=0x2C00,  # stack compliance revision 22, no server roles
            maximum_outgoing_transfer_size=82,
            descriptor_capability_field=zdo_t.NodeDescriptor.DescriptorCapability.NONE,
        )

    def power_descriptor(self) -> zdo_t.PowerDescriptor:
        mains = zdo_t.PowerSources.MainsPower
        battery = zdo_t.PowerSources.DisposableBattery
        return zdo_t.PowerDescriptor(
            current_power_mode=(
                zdo_t.CurrentPowerMode.RxOnSyncedWithNodeDesc
                if self.router
                else zdo_t.CurrentPowerMode.RxOnPeriodically
            ),
            available_power_sources=mains if self.router else battery,
            current_power_source=mains if self.router else battery,
            current_power_source_level=zdo_t.PowerSourceLevel.Percent100,
        )

    # -- state access -------------------------------------------------------------------

    def endpoint(self, endpoint: int | None, cluster: ClusterRef, *, client: bool = False):
        """The endpoint by id, or (``None``) the first one with that server/client cluster."""
        cluster_id = cluster_class(cluster).cluster_id
        if endpoint is not None:
            ep = self.endpoints[endpoint]
            if cluster_id not in (ep.client if client else ep.server):
                kind = "client" if client else "server"
                raise ValueError(f"{self}: endpoint {endpoint} has no {kind} cluster {cluster!r}")
            return ep
        for ep in self.endpoints.values():
            if cluster_id in (ep.client if client else ep.server):
                return ep
        raise ValueError(f"{self} has no endpoint with cluster {cluster!r}")

    def get(self, endpoint: int | None, cluster: ClusterRef, attribute: AttributeRef) -> Any:
        return self.endpoint(endpoint, cluster).get(cluster, attribute)

    def attribute_changed(
        self, endpoint: SimEndpoint, cluster: type[Cluster], name: str, value: Any
    ) -> None:
        """Hook for device models whose attributes depend on each other (a plug's power)."""

    def export_state(self) -> dict[str, Any]:
        return {f"{ep.id}": ep.export_state() for ep in self.endpoints.values()}

    def import_state(self, data: Mapping[str, Any]) -> None:
        for ep_id, ep_state in data.items():
            endpoint = self.endpoints.get(int(ep_id))
            if endpoint is not None:
                endpoint.import_state(ep_state)

    # -- incoming -----------------------------------------------------------------------

    def handle(self, packet: t.ZigbeePacket) -> list[t.ZigbeePacket]:
        """Process one frame from the coordinator; returns replies, then reports."""
        if not self.online or self.left:
            return []
        out = self.tick()
        broadcast = packet.dst is not None and packet.dst.addr_mode == t.AddrMode.Broadcast
        if packet.dst_ep == ZDO_ENDPOINT and packet.profile_id == ZDO_PROFILE:
            out += zdo.handle(self, packet, broadcast=broadcast)
        else:
            out += self._handle_zcl(packet)
        return out + self._collect_reports()

    def _handle_zcl(self, packet: t.ZigbeePacket) -> list[t.ZigbeePacket]:
        data = packet.data.serialize()
        try:
            hdr, payload = foundation.ZCLHeader.deserialize(data)
        except (ValueError, KeyError):
            LOGGER.debug("%s: dropping malformed ZCL frame %r", self, data)
            return []
        group = None
        if packet.dst is not None and packet.dst.addr_mode == t.AddrMode.Group:
            group = int(packet.dst.address)
        if packet.dst_ep == BROADCAST_ENDPOINT or (group is not None and packet.dst_ep is None):
            targets = list(self.endpoints.values())
        elif packet.dst_ep in self.endpoints:
            targets = [self.endpoints[packet.dst_ep]]
        else:
            targets = []
        if group is not None:
            targets = [ep for ep in targets if ep.in_group(group)]
        if not targets:
            # No such endpoint: answer like a ZCL stack would, so zigpy fails fast
            return self._error(packet, hdr, Status.UNSUPPORTED_CLUSTER)
        out: list[t.ZigbeePacket] = []
        for endpoint in targets:
            out += self._handle_on_endpoint(packet, hdr, payload, endpoint, group)
        return out

    def _handle_on_endpoint(
        self,
        packet: t.ZigbeePacket,
        hdr: foundation.ZCLHeader,
        payload: bytes,
        endpoint: SimEndpoint,
        group: int | None,
    ) -> list[t.ZigbeePacket]:
        general_frame = hdr.frame_control.is_general
        if general_frame and hdr.command_id in general.NOT_ANSWERED:
            return []
        server = hdr.direction == Direction.Client_to_Server
        state = (endpoint.server if server else endpoint.client).get(packet.cluster_id)
        if state is None:
            return self._error(packet, hdr, Status.UNSUPPORTED_CLUSTER)
        req = ZclRequest(
            device=self,
            endpoint=endpoint,
            cluster=state.cluster,
            state=state,
            header=hdr,
            packet=packet,
            server=server,
            group=group,
        )
        if general_frame:
            out = self._handle_general(req, payload)
        else:
            out = self._handle_cluster_command(req, payload)
        return out + req.followups

    def _handle_general(self, req: ZclRequest, payload: bytes) -> list[t.ZigbeePacket]:
        hdr = req.header
        handler = general.HANDLERS.get(hdr.command_id)
        if handler is None:
            return self._error(req.packet, hdr, Status.UNSUP_GENERAL_COMMAND)
        schema = foundation.GENERAL_COMMANDS[hdr.command_id].schema
        try:
            args, _ = schema.deserialize(payload)
        except (ValueError, KeyError):
            return self._error(req.packet, hdr, Status.MALFORMED_COMMAND)
        self.received_general.append(
            ReceivedCommand(
                req.endpoint.id,
                req.cluster.cluster_id,
                GC(hdr.command_id).name,
                args.as_dict(),
                req.group,
            )
        )
        reply = handler(req, args)
        if reply is None or not req.unicast:
            return []
        command_id, response = reply
        return [self._reply(req.packet, hdr, general=True, command_id=command_id, payload=response)]

    def _handle_cluster_command(self, req: ZclRequest, payload: bytes) -> list[t.ZigbeePacket]:
        hdr = req.header
        if hdr.manufacturer is not None:
            return self._error(req.packet, hdr, Status.UNSUP_MANUF_CLUSTER_COMMAND)
        commands = req.cluster.server_commands if req.server else req.cluster.client_commands
        command = commands.get(hdr.command_id)
        if command is None:
            return self._error(req.packet, hdr, Status.UNSUP_CLUSTER_COMMAND)
        try:
            args, _ = command.schema.deserialize(payload)
        except (ValueError, KeyError):
            return self._error(req.packet, hdr, Status.MALFORMED_COMMAND)
        req.command = command.name
        self.received.append(
            ReceivedCommand(
                req.endpoint.id, req.cluster.cluster_id, command.name, args.as_dict(), req.group
            )
        )
        outcome = behaviours.dispatch(req, args)
        if outcome.response is not None:
            if not req.unicast:
                return []  # no responses to group- or broadcast commands
            defs = req.cluster.ClientCommandDefs if req.server else req.cluster.ServerCommandDefs
            response = getattr(defs, outcome.response)
            return [
                self._reply(
                    req.packet,
                    hdr,
                    general=False,
                    command_id=response.id,
                    payload=response.schema(**outcome.fields),
                )
            ]
        if outcome.status == Status.SUCCESS and hdr.frame_control.disable_default_response:
            return []
        return self._default_response(req.packet, hdr, outcome.status)

    # -- replies ------------------------------------------------------------------------

    def _reply(
        self,
        request: t.ZigbeePacket,
        hdr: foundation.ZCLHeader,
        *,
        general: bool,
        command_id: int,
        payload: foundation.CommandSchema,
    ) -> t.ZigbeePacket:
        """An answer from the addressed endpoint, echoing the TSN, with flipped direction."""
        header = zcl_header(
            tsn=hdr.tsn,
            command_id=command_id,
            general=general,
            direction=hdr.direction.flip(),
            disable_default_response=True,
            manufacturer=hdr.manufacturer,
        )
        return build_packet(
            src_nwk=self.nwk,
            src_ep=request.dst_ep,
            dst=nwk_address(COORDINATOR_NWK),
            dst_ep=request.src_ep,
            profile_id=request.profile_id,
            cluster_id=request.cluster_id,
            tsn=hdr.tsn,
            data=header.serialize() + payload.serialize(),
            lqi=self.lqi,
            rssi=self.rssi,
        )

    def _default_response(
        self, request: t.ZigbeePacket, hdr: foundation.ZCLHeader, status: Status
    ) -> list[t.ZigbeePacket]:
        # ZCL 2.5.12.2: only unicasts get one, and never in answer to a Default_Response
        if not (request.dst and request.dst.addr_mode in (t.AddrMode.NWK, t.AddrMode.IEEE)):
            return []
        if hdr.frame_control.is_general and hdr.command_id == GC.Default_Response:
            return []
        schema = foundation.GENERAL_COMMANDS[GC.Default_Response].schema
        payload = schema(command_id=hdr.command_id, status=status)
        return [
            self._reply(request, hdr, general=True, command_id=GC.Default_Response, payload=payload)
        ]

    def _error(
        self, request: t.ZigbeePacket, hdr: foundation.ZCLHeader, status: Status
    ) -> list[t.ZigbeePacket]:
        """Errors are reported even when the request disabled the Default_Response."""
        if hdr.frame_control.is_general and hdr.command_id in general.NOT_ANSWERED:
            return []
        return self._default_response(request, hdr, status)

    # -- reporting ----------------------------------------------------------------------

    def _collect_reports(self) -> list[t.ZigbeePacket]:
        """Report_Attributes for changed attributes whose reporting was configured."""
        out = []
        for endpoint in self.endpoints.values():
            by_cluster: dict[int, list[tuple[foundation.ZCLAttributeDef, Any]]] = {}
            for cluster_id, attr_id in endpoint.changed:
                state = endpoint.server.get(cluster_id)
                reporting = state.reporting.get(attr_id) if state else None
                if reporting is None:
                    continue
                value = endpoint.get(cluster_id, attr_id)
                if reporting.should_report(value):
                    reporting.last_reported = value
                    by_cluster.setdefault(cluster_id, []).append(
                        (state.cluster.attributes[attr_id], value)
                    )
            endpoint.changed.clear()
            for cluster_id, values in by_cluster.items():
                out.append(self._report_frame(endpoint, cluster_id, values))
        return out

    def _report_frame(
        self,
        endpoint: SimEndpoint,
        cluster_id: int,
        values: list[tuple[foundation.ZCLAttributeDef, Any]],
    ) -> t.ZigbeePacket:
        records = [foundation.Attribute(attrid=a.id, value=type_value(a, v)) for a, v in values]
        schema = foundation.GENERAL_COMMANDS[GC.Report_Attributes].schema
        return self._frame(
            endpoint,
            cluster_id,
            general=True,
            command_id=GC.Report_Attributes,
            direction=Direction.Server_to_Client,
            payload=schema(attribute_reports=records),
            disable_default_response=True,
        )

    def next_tsn(self) -> int:
        """Every frame gets a fresh TSN: zigpy drops identical frames seen within 10 s."""
        self._tsn = (self._tsn + 1) & 0xFF
        return self._tsn

    def _frame(
        self,
        endpoint: SimEndpoint,
        cluster_id: int,
        *,
        general: bool,
        command_id: int,
        direction: foundation.Direction,
        payload: foundation.CommandSchema,
        disable_default_response: bool,
        group: int | None = None,
    ) -> t.ZigbeePacket:
        tsn = self.next_tsn()
        header = zcl_header(
            tsn=tsn,
            command_id=command_id,
            general=general,
            direction=direction,
            disable_default_response=disable_default_response,
        )
        # ZLL devices talk HA profile outside touchlink commissioning
        profile = HA_PROFILE if endpoint.profile_id == zll.PROFILE_ID else endpoint.profile_id
        return build_packet(
            src_nwk=self.nwk,
            src_ep=endpoint.id,
            dst=nwk_address(COORDINATOR_NWK) if group is None else group_address(group),
            dst_ep=COORDINATOR_ENDPOINT,
            profile_id=profile,
            cluster_id=cluster_id,
            tsn=tsn,
            data=header.serialize() + payload.serialize(),
            lqi=self.lqi,
            rssi=self.rssi,
        )

    # -- timers -------------------------------------------------------------------------

    def tick(self) -> list[t.ZigbeePacket]:
        """Settle finished ramps (moves, identify, timed off) and return resulting reports.

        Called on every frame and by timers; call it yourself with an injected clock.
        """
        now = self.clock()
        for endpoint in self.endpoints.values():
            endpoint.finish_ramps(now)
        return self._collect_reports()

    def schedule_tick(self, delay: float) -> None:
        if math.isinf(delay):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no event loop: ramps still settle lazily on the next frame / tick()
        handle: asyncio.TimerHandle

        def fire() -> None:
            self._timers.pop(handle, None)
            packets = self.tick()
            if packets and self.transmit is not None:
                self.transmit(packets)

        handle = loop.call_later(max(0.0, delay) + 0.001, fire)
        self._timers[handle] = None

    def cancel_timers(self) -> None:
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()

    # -- unsolicited traffic ------------------------------------------------------------

    def device_annce(self) -> list[t.ZigbeePacket]:
        """ZDO Device_annce, broadcast as a device does after joining or power-up."""
        tsn = self.next_tsn()
        data = zdo_frame(tsn, zdo_t.ZDOCmd.Device_annce, [self.nwk, self.ieee, self.capability])
        return [
            build_packet(
                src_nwk=self.nwk,
                src_ep=ZDO_ENDPOINT,
                dst=t.AddrModeAddress(
                    addr_mode=t.AddrMode.Broadcast, address=t.BroadcastAddress.RX_ON_WHEN_IDLE
                ),
                dst_ep=ZDO_ENDPOINT,
                profile_id=ZDO_PROFILE,
                cluster_id=zdo_t.ZDOCmd.Device_annce,
                tsn=tsn,
                data=data,
                lqi=self.lqi,
                rssi=self.rssi,
            )
        ]

    def report(
        self, endpoint: int | None, cluster: ClusterRef, values: Mapping[AttributeRef, Any]
    ) -> list[t.ZigbeePacket]:
        """An unconditional Report_Attributes (periodic sensor report); stores the values."""
        ep = self.endpoint(endpoint, cluster)
        cls = cluster_class(cluster)
        records = []
        for ref, value in values.items():
            attr = attribute_def(cls, ref)
            ep.set(cls, attr.id, value)
            reporting = ep.server[cls.cluster_id].reporting.get(attr.id)
            if reporting is not None:
                reporting.last_reported = ep.get(cls, attr.id)
            ep.changed.pop((cls.cluster_id, attr.id), None)
            records.append((attr, ep.get(cls, attr.id)))
        return [self._report_frame(ep, cls.cluster_id, records), *self._collect_reports()]

    def set_attribute(
        self, endpoint: int | None, cluster: ClusterRef, attribute: AttributeRef, value: Any
    ) -> list[t.ZigbeePacket]:
        """Change a value locally (a button, a sensor reading); reports only if configured."""
        self.endpoint(endpoint, cluster).set(cluster, attribute, value)
        return self._collect_reports()

    def client_command(
        self,
        endpoint: int | None,
        cluster: ClusterRef,
        command: str,
        group: int | None = None,
        **args: Any,
    ) -> list[t.ZigbeePacket]:
        """A command from one of the device's client (out) clusters, e.g. a remote's
        ``toggle``: Client_to_Server, to the coordinator or, with ``group``, as a groupcast."""
        cls = cluster_class(cluster)
        ep = self.endpoint(endpoint, cls, client=True)
        definition = getattr(cls.ServerCommandDefs, command)
        return [
            self._frame(
                ep,
                cls.cluster_id,
                general=False,
                command_id=definition.id,
                direction=Direction.Client_to_Server,
                payload=definition.schema(**args),
                # a groupcast gets no Default_Response anyway; a unicast asks for one
                disable_default_response=group is not None,
                group=group,
            )
        ]

    def server_command(
        self, endpoint: int | None, cluster: ClusterRef, command: str, **args: Any
    ) -> list[t.ZigbeePacket]:
        """A command a server (in) cluster sends to its client, e.g. an IAS notification."""
        cls = cluster_class(cluster)
        ep = self.endpoint(endpoint, cls)
        definition = getattr(cls.ClientCommandDefs, command)
        return [
            self._frame(
                ep,
                cls.cluster_id,
                general=False,
                command_id=definition.id,
                direction=Direction.Server_to_Client,
                payload=definition.schema(**args),
                disable_default_response=False,
            )
        ]

    def zone_status_change(
        self,
        endpoint: int | None = None,
        *,
        alarm1: bool | None = None,
        alarm2: bool | None = None,
        tamper: bool | None = None,
        battery_low: bool | None = None,
        zone_status: int | None = None,
        delay: int = 0,
    ) -> list[t.ZigbeePacket]:
        """Update the IAS zone status and send a Zone Status Change Notification
        (plus a zone_status report if one was configured)."""
        ep = self.endpoint(endpoint, IasZone)
        bits = IasZone.ZoneStatus
        status = int(ep.get(IasZone, "zone_status", 0) if zone_status is None else zone_status)
        for flag, value in (
            (bits.Alarm_1, alarm1),
            (bits.Alarm_2, alarm2),
            (bits.Tamper, tamper),
            (bits.Battery, battery_low),
        ):
            if value is not None:
                status = status | flag if value else status & ~flag
        ep.set(IasZone, "zone_status", status)
        notification = self.server_command(
            ep.id,
            IasZone,
            "status_change_notification",
            zone_status=status,
            extended_status=0,
            zone_id=ep.get(IasZone, "zone_id", 0xFF),
            delay=delay,
        )
        return notification + self._collect_reports()
