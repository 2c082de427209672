"""``VirtualRadio``: an in-process zigpy radio whose network is a :class:`SimNetwork`.

Use it like any zigpy radio::

    app = await VirtualRadio.new(sim_config(nv_path, db_path), auto_form=True)
    app.network.join(catalogue.dimmable_light("00:5a:49:47:00:00:00:01", 0x1001))

``config["device"]["path"]`` names the JSON "NVRAM" (or ``":memory:"``). A radio that is
slow to start can be simulated with ``VirtualRadio.with_startup_delay(10.0)``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, ClassVar

import zigpy.application
import zigpy.config as conf
import zigpy.device
import zigpy.endpoint
import zigpy.exceptions
import zigpy.state
import zigpy.types as t
import zigpy.zdo.types as zdo_t

from . import zdo
from .device import DEFAULT_MANUFACTURER_CODE, SimDevice
from .network import SimNetwork
from .nvram import MEMORY, Nvram
from .zcl import COORDINATOR_NWK, ZDO_ENDPOINT, parse_zdo

LOGGER = logging.getLogger(__name__)

MANUFACTURER = "zigbridge"
MODEL = "Virtual Coordinator"
FIRMWARE_VERSION = "sim-1.0"
NEIGHBORS_PER_FRAME = 3  # what fits a real Mgmt_Lqi_rsp


def sim_config(
    nv_path: str = MEMORY,
    database_path: str | None = None,
    *,
    channel: int = 15,
    **overrides: Any,
) -> dict[str, Any]:
    """zigpy config for the virtual radio: fixed channel (no energy scan), and no OTA,
    topology scans, backups or watchdog, which only add noise in a simulation."""
    config: dict[str, Any] = {
        conf.CONF_DEVICE: {conf.CONF_DEVICE_PATH: nv_path},
        conf.CONF_DATABASE: database_path,
        conf.CONF_NWK: {conf.CONF_NWK_CHANNEL: channel},
        conf.CONF_OTA: {conf.CONF_OTA_ENABLED: False},
        conf.CONF_TOPO_SCAN_ENABLED: False,
        conf.CONF_NWK_BACKUP_ENABLED: False,
        conf.CONF_WATCHDOG_ENABLED: False,
    }
    config.update(overrides)
    return config


class SimCoordinator(zigpy.device.Device):
    """The coordinator's own zigpy device, built statically (no loopback interview)."""

    @property
    def manufacturer(self) -> str:
        return MANUFACTURER

    @manufacturer.setter
    def manufacturer(self, value: str) -> None:
        pass

    @property
    def model(self) -> str:
        return MODEL

    @model.setter
    def model(self, value: str) -> None:
        pass


class VirtualRadio(zigpy.application.ControllerApplication):
    DISPLAY_NAME = "Virtual radio"
    DESCRIPTION = "zigbridge in-process simulated Zigbee network"

    # Seconds connect() takes: simulates a stick that is slow to answer (benchmarks).
    startup_delay: ClassVar[float] = 0.0

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        # Late-bound: a real radio library looks `packet_received` up on every frame, so the
        # radio layer may wrap it on the instance (to see each frame's destination).
        self.network = SimNetwork(uplink=lambda packet: self.packet_received(packet))
        self.network.on_leave = self._device_left
        self.nvram: Nvram | None = None
        self.permit_until: float = 0.0  # loop time the join window closes
        self.permit_history: list[tuple[float, int]] = []  # (wall time, seconds)
        self.multicast_groups: set[int] = set()

    @classmethod
    def with_startup_delay(cls, seconds: float) -> type[VirtualRadio]:
        """A VirtualRadio subclass whose ``connect()`` takes ``seconds``."""
        return type(f"{cls.__name__}Delayed", (cls,), {"startup_delay": seconds})

    # -- connection and NV --------------------------------------------------------------

    async def connect(self) -> None:
        if self.startup_delay:
            await asyncio.sleep(self.startup_delay)
        path = self.config[conf.CONF_DEVICE][conf.CONF_DEVICE_PATH]
        # Not in a worker thread, though it is file I/O: what a thread allocates stays in its
        # own malloc arena once freed (0.65 MiB of RSS for 200 devices' saved state), and
        # the file is small and local.
        self.nvram = Nvram.open(path)
        # The devices' saved state moves to the network, which hands each device its own
        # as it attaches; it is exported again whenever the NV file is written.
        self.network.saved_state, self.nvram.devices = self.nvram.devices, {}

    async def disconnect(self) -> None:
        if self.nvram is None:
            return
        await self._save(self.nvram)
        for device in self.network:
            device.cancel_timers()
        self.nvram = None

    async def _save(self, nv: Nvram) -> None:
        """Write the NV file with the devices' state as it is now, without keeping it."""
        nv.devices = self.network.export_state()
        try:
            await asyncio.to_thread(nv.save)
        finally:
            nv.devices = {}

    def _nv(self) -> Nvram:
        if self.nvram is None:
            raise zigpy.exceptions.ControllerException("The virtual radio is not connected")
        return self.nvram

    async def load_network_info(self, *, load_devices: bool = False) -> None:
        nv = self._nv()
        if nv.network_info is None or nv.node_info is None:
            raise zigpy.exceptions.NetworkNotFormed()
        network_info = zigpy.state.NetworkInfo.from_dict(nv.network_info)
        if load_devices:
            devices = self.network.devices
            network_info = network_info.replace(
                children=[d.ieee for d in devices if d.is_end_device],
                nwk_addresses={d.ieee: d.nwk for d in devices},
            )
        self.state.network_info = network_info
        self.state.node_info = zigpy.state.NodeInfo.from_dict(nv.node_info)

    async def write_network_info(
        self, *, network_info: zigpy.state.NetworkInfo, node_info: zigpy.state.NodeInfo
    ) -> None:
        nv = self._nv()
        # zigpy forms with IEEE "unknown" (use the hardware address) and a plain int NWK,
        # which NodeInfo.as_dict() cannot serialise.
        ieee = nv.hardware_ieee if node_info.ieee == t.EUI64.UNKNOWN else node_info.ieee
        node_info = node_info.replace(
            ieee=ieee,
            nwk=t.NWK(node_info.nwk),
            manufacturer=MANUFACTURER,
            model=MODEL,
            version=FIRMWARE_VERSION,
        )
        tc_link_key = network_info.tc_link_key
        if tc_link_key.partner_ieee == t.EUI64.UNKNOWN:
            network_info = network_info.replace(tc_link_key=tc_link_key.replace(partner_ieee=ieee))
        network_info = network_info.replace(
            source=f"zigbridge-sim@{FIRMWARE_VERSION}", children=[], nwk_addresses={}
        )
        nv.network_info = network_info.as_dict()
        nv.node_info = node_info.as_dict()
        await self._save(nv)

    async def reset_network_info(self) -> None:
        nv = self._nv()
        nv.network_info = None
        nv.node_info = None
        self.network.saved_state = {}
        await asyncio.to_thread(nv.save)  # with no devices' state (`nv.devices` is empty)

    # -- network ------------------------------------------------------------------------

    async def start_network(self) -> None:
        await self.load_network_info()
        coordinator = SimCoordinator(self, self.state.node_info.ieee, self.state.node_info.nwk)
        coordinator.node_desc = zdo_t.NodeDescriptor(
            logical_type=zdo_t.LogicalType.Coordinator,
            complex_descriptor_available=0,
            user_descriptor_available=0,
            reserved=0,
            aps_flags=0,
            frequency_band=zdo_t.NodeDescriptor.FrequencyBand.Freq2400MHz,
            mac_capability_flags=(
                zdo_t.MACCapabilityFlags.AlternatePanCoordinator
                | zdo_t.MACCapabilityFlags.FullFunctionDevice
                | zdo_t.MACCapabilityFlags.MainsPowered
                | zdo_t.MACCapabilityFlags.RxOnWhenIdle
                | zdo_t.MACCapabilityFlags.AllocateAddress
            ),
            manufacturer_code=DEFAULT_MANUFACTURER_CODE,
            maximum_buffer_size=82,
            maximum_incoming_transfer_size=128,
            server_mask=0x2C01,  # primary trust center, stack compliance revision 22
            maximum_outgoing_transfer_size=128,
            descriptor_capability_field=zdo_t.NodeDescriptor.DescriptorCapability.NONE,
        )
        coordinator.status = zigpy.device.Status.ENDPOINTS_INIT
        self.devices[coordinator.ieee] = coordinator
        await self.register_endpoints()

    async def add_endpoint(self, descriptor: zdo_t.SimpleDescriptor) -> None:
        endpoint = self._device.add_endpoint(descriptor.endpoint)
        endpoint.status = zigpy.endpoint.Status.ZDO_INIT
        endpoint.profile_id = descriptor.profile
        endpoint.device_type = descriptor.device_type
        for cluster_id in descriptor.input_clusters:
            endpoint.add_input_cluster(cluster_id)
        for cluster_id in descriptor.output_clusters:
            endpoint.add_output_cluster(cluster_id)

    async def force_remove(self, dev: zigpy.device.Device) -> None:
        self.network.remove(dev.ieee)

    async def permit_ncp(self, time_s: int = 60) -> None:
        # Recorded only: joins from tests and the demo driver are always accepted.
        self.permit_until = asyncio.get_running_loop().time() + time_s
        self.permit_history.append((time.time(), time_s))

    async def permit_with_link_key(
        self, node: t.EUI64, link_key: t.KeyData, time_s: int = 60
    ) -> None:
        await self.permit(time_s)

    @property
    def permitting_joins(self) -> bool:
        return asyncio.get_running_loop().time() < self.permit_until

    async def _subscribe_to_multicast_group(self, group_id: t.Group, endpoint_id: int) -> None:
        # The sim already passes every device groupcast up; remember it for inspection.
        self.multicast_groups.add(int(group_id))

    async def _unsubscribe_from_multicast_group(self, group_id: t.Group, endpoint_id: int) -> None:
        self.multicast_groups.discard(int(group_id))

    def _device_left(self, device: SimDevice) -> None:
        self.handle_leave(device.nwk, device.ieee)

    # -- data path ----------------------------------------------------------------------

    async def send_packet(self, packet: t.ZigbeePacket) -> None:
        self._nv()  # not connected → ControllerException
        assert packet.dst is not None
        coordinator_ieee = self.state.node_info.ieee
        if self.network.is_coordinator(packet.dst, coordinator_ieee):
            self._loopback(packet)
            return
        self.network.deliver(packet)

    def _loopback(self, packet: t.ZigbeePacket) -> None:
        """Answer the ZDO requests zigpy sends the coordinator itself."""
        if packet.dst_ep != ZDO_ENDPOINT:
            raise zigpy.exceptions.DeliveryError(
                "The virtual coordinator does not answer ZCL requests to itself"
            )
        hdr, args = parse_zdo(packet.cluster_id, packet.data.serialize())
        answer = self._coordinator_zdo_answer(hdr.command_id, args)
        if answer is None:
            raise zigpy.exceptions.DeliveryError(f"Unsupported loopback request {hdr.command_id!r}")
        command = zdo_t.ZDOCmd(hdr.command_id | 0x8000)
        reply = zdo.reply(COORDINATOR_NWK, hdr.tsn, command, answer)
        asyncio.get_running_loop().call_soon(self.packet_received, reply)

    def _coordinator_zdo_answer(self, command: zdo_t.ZDOCmd, args: list[Any]) -> list | None:
        coordinator = self._device
        nwk = self.state.node_info.nwk
        status = zdo_t.Status
        if command == zdo_t.ZDOCmd.Node_Desc_req:
            return [status.SUCCESS, nwk, coordinator.node_desc]
        if command == zdo_t.ZDOCmd.Active_EP_req:
            return [status.SUCCESS, nwk, [ep.endpoint_id for ep in coordinator.non_zdo_endpoints]]
        if command == zdo_t.ZDOCmd.Simple_Desc_req:
            endpoint = coordinator.endpoints.get(args[1])
            if endpoint is None or endpoint.endpoint_id == ZDO_ENDPOINT:
                return [status.NOT_ACTIVE, nwk]
            descriptor = zdo_t.SizePrefixedSimpleDescriptor(
                endpoint=endpoint.endpoint_id,
                profile=endpoint.profile_id,
                device_type=endpoint.device_type,
                device_version=0,
                input_clusters=list(endpoint.in_clusters),
                output_clusters=list(endpoint.out_clusters),
            )
            return [status.SUCCESS, nwk, descriptor]
        if command == zdo_t.ZDOCmd.Mgmt_Lqi_req:
            return [status.SUCCESS, self._neighbors(start=args[0])]
        if command == zdo_t.ZDOCmd.Mgmt_Rtg_req:
            return [
                status.SUCCESS,
                zdo_t.Routes(Entries=0, StartIndex=args[0], RoutingTableList=[]),
            ]
        if command == zdo_t.ZDOCmd.Mgmt_NWK_Update_req:
            update: zdo_t.NwkUpdate = args[0]
            if update.ScanDuration > 0x05:
                return None  # a channel change request: handled via move_network_to_channel
            channels = list(update.ScanChannels)
            return [status.SUCCESS, update.ScanChannels, 0, 0, [_energy(c) for c in channels]]
        return None

    def _neighbors(self, start: int) -> zdo_t.Neighbors:
        """The coordinator's neighbor table: in the sim every device is its direct child."""
        devices = self.network.devices
        epid = self.state.network_info.extended_pan_id
        page = [
            zdo_t.Neighbor(
                extended_pan_id=epid,
                ieee=device.ieee,
                nwk=device.nwk,
                device_type=(
                    zdo_t.DeviceType.Router if device.router else zdo_t.DeviceType.EndDevice
                ),
                rx_on_when_idle=(
                    zdo_t.RxOnWhenIdle.On if device.router else zdo_t.RxOnWhenIdle.Off
                ),
                relationship=zdo_t.Relationship.Child,
                reserved1=0,
                permit_joining=zdo_t.PermitJoins.Unknown,
                reserved2=0,
                depth=1,
                lqi=device.lqi,
            )
            for device in devices[start : start + NEIGHBORS_PER_FRAME]
        ]
        return zdo_t.Neighbors(Entries=len(devices), StartIndex=start, NeighborTableList=page)

    async def _move_network_to_channel(self, new_channel: int, new_nwk_update_id: int) -> None:
        """zigpy has told the devices; now the coordinator itself moves."""
        nv = self._nv()
        assert nv.network_info is not None
        network_info = zigpy.state.NetworkInfo.from_dict(nv.network_info).replace(
            channel=new_channel,
            channel_mask=t.Channels.from_channel_list([new_channel]),
            nwk_update_id=new_nwk_update_id,
        )
        nv.network_info = network_info.as_dict()
        await self._save(nv)
        self.state.network_info = network_info  # settled at once, as on a real stick


def _energy(channel: int) -> int:
    """A quiet, deterministic RF environment; channels overlapping common Wi-Fi are busier."""
    return 60 if channel in (12, 13, 17, 18, 22, 23) else 12
