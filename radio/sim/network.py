"""The simulated network: which devices exist and how frames travel between them and the
coordinator. Transport-agnostic: an adapter (virtual radio, fake ZNP/EZSP) hands frames
from the coordinator to :meth:`SimNetwork.deliver` and sets :attr:`SimNetwork.uplink` to
receive what devices send.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import zigpy.exceptions
import zigpy.types as t

from .device import SimDevice
from .zcl import COORDINATOR_NWK

LOGGER = logging.getLogger(__name__)

Uplink = Callable[[t.ZigbeePacket], None]
Packets = t.ZigbeePacket | Iterable[t.ZigbeePacket]

# Broadcasts only routers receive (Zigbee spec 3.6.5). The others reach sleepy end devices
# too: their parent buffers the frame, or answers address discovery on their behalf.
_ROUTERS_ONLY = {
    t.BroadcastAddress.ALL_ROUTERS_AND_COORDINATOR,
    t.BroadcastAddress.LOW_POWER_ROUTER,
}


class SimNetwork:
    """Simulated devices plus the routing between them and one coordinator.

    Frames devices send reach :attr:`uplink` on a later loop iteration (``call_soon``),
    never from inside :meth:`deliver`, as with a real radio. Groupcasts a device sends reach
    the coordinator (in Group addressing mode, so the gateway sees the group) *and* every
    other device with an endpoint in that group, as they would in a real mesh.
    """

    def __init__(self, uplink: Uplink | None = None) -> None:
        self.uplink = uplink
        # Called when a device leaves (Mgmt_Leave_req or leave()); adapters tell zigpy.
        self.on_leave: Callable[[SimDevice], None] | None = None
        # Persisted per-device state (groups, scenes, reporting) by IEEE, for attach()
        self.saved_state: dict[str, Mapping[str, Any]] = {}
        self._devices: dict[t.EUI64, SimDevice] = {}
        self._nwk_index: dict[int, SimDevice] = {}  # a cache: tests may renumber devices

    # -- membership ---------------------------------------------------------------------

    def __iter__(self) -> Iterator[SimDevice]:
        return iter(list(self._devices.values()))

    def __len__(self) -> int:
        return len(self._devices)

    def __contains__(self, item: object) -> bool:
        """``ieee in network`` or ``device in network`` (that very object is on the air)."""
        if isinstance(item, SimDevice):
            return self._devices.get(item.ieee) is item
        try:
            return self._ieee(item) in self._devices  # type: ignore[arg-type]
        except (ValueError, TypeError):
            return False

    @property
    def devices(self) -> list[SimDevice]:
        return list(self._devices.values())

    @staticmethod
    def _ieee(ieee: t.EUI64 | str) -> t.EUI64:
        return t.EUI64.convert(ieee) if isinstance(ieee, str) else ieee

    def add(self, device: SimDevice) -> SimDevice:
        """Put a device on the air (no announcement)."""
        old = self._devices.get(device.ieee)
        if old is not None and old is not device:
            old.cancel_timers()
            old.transmit = None
        for other in self._devices.values():
            if other is not old and other.nwk == device.nwk:
                raise ValueError(f"NWK 0x{device.nwk:04X} is already used by {other}")
        device.left = False
        device.transmit = self.emit
        self._devices[device.ieee] = device
        self._nwk_index[device.nwk] = device
        return device

    def remove(self, ieee: t.EUI64 | str) -> SimDevice | None:
        """Take a device off the network silently (zigpy is not told); it forgets its
        saved state, like a device that was reset."""
        ieee = self._ieee(ieee)
        self.saved_state.pop(str(ieee), None)
        device = self._devices.pop(ieee, None)
        if device is not None:
            device.cancel_timers()
            device.transmit = None
            self._nwk_index.pop(device.nwk, None)
        return device

    def get(self, ieee: t.EUI64 | str) -> SimDevice:
        return self._devices[self._ieee(ieee)]

    def by_nwk(self, nwk: int) -> SimDevice:
        device = self._nwk_index.get(nwk)
        if device is not None and device.nwk == nwk and self._devices.get(device.ieee) is device:
            return device
        for device in self._devices.values():
            if device.nwk == nwk:
                self._nwk_index[nwk] = device
                return device
        raise KeyError(f"No simulated device with NWK 0x{nwk:04X}")

    def join(self, device: SimDevice) -> SimDevice:
        """A factory-new device joins: it goes on the air and sends Device_annce.
        Any state saved for that IEEE is discarded, as a reset device would."""
        self.saved_state.pop(str(device.ieee), None)
        self.add(device)
        self.emit(device.device_annce())
        return device

    def attach(self, device: SimDevice) -> SimDevice:
        """A device the coordinator already knows (after a restart): same IEEE/NWK, no
        announcement, and its saved groups/scenes/reporting come back. The saved state is
        dropped then: the device itself holds it (and :meth:`export_state` asks it)."""
        saved = self.saved_state.pop(str(device.ieee), None)
        if saved is None and (old := self._devices.get(device.ieee)) is not None:
            saved = old.export_state()  # replacing a device already attached
        if saved is not None:
            device.import_state(saved)
        return self.add(device)

    def announce(self, device: SimDevice) -> None:
        """A known device rejoins or power-cycles: Device_annce (zigpy re-scans groups)."""
        self.emit(device.device_annce())

    def leave(self, device: SimDevice) -> None:
        """The device leaves the network on its own (e.g. reset by the user)."""
        if self.remove(device.ieee) is not None and self.on_leave is not None:
            self.on_leave(device)

    def export_state(self) -> dict[str, Mapping[str, Any]]:
        """Per-device persistent state, merged over what was saved before."""
        state = dict(self.saved_state)
        for device in self._devices.values():
            state[str(device.ieee)] = device.export_state()
        return state

    # -- coordinator → devices ----------------------------------------------------------

    def deliver(self, packet: t.ZigbeePacket) -> None:
        """Carry a frame from the coordinator. Unicasts to an unknown, offline or failing
        device raise :class:`zigpy.exceptions.DeliveryError`; group and broadcast frames
        are fire-and-forget."""
        dst = packet.dst
        assert dst is not None
        if dst.addr_mode == t.AddrMode.Group:
            self._deliver_group(packet, int(dst.address), sender=None)
        elif dst.addr_mode == t.AddrMode.Broadcast:
            for device in self._broadcast_targets(t.BroadcastAddress(dst.address)):
                self._send_up(device, device.handle(packet))
        else:
            device = self._unicast_target(dst)
            self._check_reachable(device, dst)
            assert device is not None
            self._send_up(device, device.handle(packet))
            if device.left:
                self._leave_after_reply(device)

    def _unicast_target(self, dst: t.AddrModeAddress) -> SimDevice | None:
        if dst.addr_mode == t.AddrMode.IEEE:
            return self._devices.get(dst.address)
        try:
            return self.by_nwk(dst.address)
        except KeyError:
            return None

    @staticmethod
    def _check_reachable(device: SimDevice | None, dst: t.AddrModeAddress) -> None:
        if device is None:
            raise zigpy.exceptions.DeliveryError(
                f"No route to {dst}", status=t.NWKStatus.NWK_ROUTE_DISCOVERY_FAILED
            )
        if not device.online:
            status = (
                t.MACStatus.MAC_NO_ACK if device.router else t.MACStatus.MAC_TRANSACTION_EXPIRED
            )
            raise zigpy.exceptions.DeliveryError(f"{device} is not responding", status=status)
        if device.fail_next > 0:
            device.fail_next -= 1
            raise zigpy.exceptions.DeliveryError(
                f"{device}: injected delivery failure", status=t.MACStatus.MAC_NO_ACK
            )

    def _broadcast_targets(self, address: t.BroadcastAddress) -> list[SimDevice]:
        routers_only = address in _ROUTERS_ONLY
        return [d for d in self._devices.values() if d.online and (d.router or not routers_only)]

    def _deliver_group(self, packet: t.ZigbeePacket, group: int, sender: SimDevice | None) -> None:
        for device in self._devices.values():
            if device is sender or not device.online:
                continue
            for endpoint in device.endpoints.values():
                if endpoint.in_group(group):
                    self._send_up(device, device.handle(packet.replace(dst_ep=endpoint.id)))

    def _leave_after_reply(self, device: SimDevice) -> None:
        """Let the Mgmt_Leave_rsp reach the coordinator first, then leave."""
        try:
            asyncio.get_running_loop().call_soon(self.leave, device)
        except RuntimeError:
            self.leave(device)

    # -- devices → coordinator ----------------------------------------------------------

    def emit(self, packets: Packets) -> None:
        """Send frames a device produced (reports, button presses, announcements)."""
        if isinstance(packets, t.ZigbeePacket):
            packets = [packets]
        for packet in packets:
            assert packet.src is not None
            try:
                device = self.by_nwk(packet.src.address)
            except KeyError:
                LOGGER.debug("Dropping frame from a device not on the network: %r", packet)
                continue
            if not device.online:
                continue
            self._send_up(device, [packet])
            if packet.dst is not None and packet.dst.addr_mode == t.AddrMode.Group:
                self._deliver_group(packet, int(packet.dst.address), sender=device)

    def _send_up(self, device: SimDevice, packets: list[t.ZigbeePacket]) -> None:
        if not packets or device.mute:
            return
        uplink = self.uplink
        if uplink is None:
            LOGGER.debug("No uplink, dropping %d frame(s) from %s", len(packets), device)
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            for packet in packets:
                uplink(packet)
            return
        for packet in packets:
            if device.reply_delay > 0:
                loop.call_later(device.reply_delay, uplink, packet)
            else:
                loop.call_soon(uplink, packet)

    def is_coordinator(self, dst: t.AddrModeAddress, coordinator_ieee: t.EUI64 | None) -> bool:
        """Whether a destination is the coordinator itself (loopback, not the network)."""
        if dst.addr_mode == t.AddrMode.NWK:
            return dst.address == COORDINATOR_NWK
        return dst.addr_mode == t.AddrMode.IEEE and dst.address == coordinator_ieee
