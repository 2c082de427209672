"""The persistent memory of the emulated EmberZNet NCP (see :mod:`tests.emulators.ezsp`).

A real stick keeps its network in NVM3 tokens: node data (PAN, extended PAN, channel, TX
power, node type), network management (channel mask, manager, update id), keys and frame
counters, the trust center record, the child table, the link key table, and the
"restored EUI64" that lets a host give the stick another IEEE address. :class:`EzspNvram`
holds the same facts as plain fields, survives the emulator's restarts, and encodes the
token views bellows reads and writes with bellows' own token structs.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from typing import Any

import bellows.types as t
import zigpy.types as zt

UNSET_EUI64 = t.EUI64.convert("FF:FF:FF:FF:FF:FF:FF:FF")
WELL_KNOWN_TCLK = t.KeyData(b"ZigBeeAlliance09")
DEFAULT_TX_POWER = 8

# What a coordinator formed by bellows reports (hashed TCLK, global link key).
_FORMED_SECURITY = (
    t.EmberCurrentSecurityBitmask.GLOBAL_LINK_KEY
    | t.EmberCurrentSecurityBitmask.HAVE_TRUST_CENTER_LINK_KEY
    | t.EmberCurrentSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
)


@dataclass
class LinkKey:
    """One entry of the NCP's link key table."""

    eui64: t.EUI64
    key: t.KeyData
    tx_counter: int = 0
    rx_counter: int = 0


@dataclass
class Child:
    """One entry of the NCP's child table (end devices whose parent is the coordinator)."""

    eui64: t.EUI64
    nwk: int
    node_type: t.EmberNodeType = t.EmberNodeType.SLEEPY_END_DEVICE


@dataclass
class EzspNvram:
    """Everything an EmberZNet NCP keeps across power cycles.

    ``node_type == COORDINATOR`` means a network is stored (``formed``); a factory-new
    stick has ``UNKNOWN_DEVICE`` and ``networkInit`` answers ``NOT_JOINED``.
    """

    hardware_eui64: t.EUI64
    # MFG_CUSTOM_EUI_64 (USERDATA, write-once) and the NV3 "restored EUI64" token
    mfg_custom_eui64: t.EUI64 = field(default_factory=lambda: t.EUI64(UNSET_EUI64))
    restored_eui64: t.EUI64 = field(default_factory=lambda: t.EUI64(UNSET_EUI64))

    # NVM3KEY_STACK_NODE_DATA
    node_type: t.EmberNodeType = t.EmberNodeType.UNKNOWN_DEVICE
    pan_id: int = 0xFFFF
    extended_pan_id: t.ExtendedPanId = field(
        default_factory=lambda: t.ExtendedPanId.convert("FF:FF:FF:FF:FF:FF:FF:FF")
    )
    channel: int = 0
    tx_power: int = DEFAULT_TX_POWER
    # NVM3KEY_STACK_NETWORK_MANAGEMENT
    channels: t.Channels = t.Channels.NO_CHANNELS
    nwk_manager_id: int = 0x0000
    nwk_update_id: int = 0

    # NVM3KEY_STACK_KEYS and the frame counters
    network_key: t.KeyData | None = None
    network_key_seq: int = 0
    nwk_frame_counter: int = 0
    aps_frame_counter: int = 0

    # NVM3KEY_STACK_TRUST_CENTER: the (hashed) TC link key and the TC's address
    security_bitmask: t.EmberCurrentSecurityBitmask = field(
        default_factory=lambda: t.EmberCurrentSecurityBitmask(0)
    )
    tc_link_key: t.KeyData = field(default_factory=lambda: t.KeyData(WELL_KNOWN_TCLK))
    trust_center_eui64: t.EUI64 = field(default_factory=lambda: t.EUI64([0] * 8))
    trust_center_mode: int = 0

    key_table: dict[int, LinkKey] = field(default_factory=dict)
    child_table: dict[int, Child] = field(default_factory=dict)
    # Emulator bookkeeping, not a token: devices that joined through this NCP (IEEE → NWK)
    devices: dict[t.EUI64, int] = field(default_factory=dict)

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def blank(cls, ieee: t.EUI64 | str) -> EzspNvram:
        """A factory-new stick: no network, only its hardware address."""
        return cls(hardware_eui64=_eui64(ieee))

    @classmethod
    def formed(
        cls,
        *,
        ieee: t.EUI64 | str,
        channel: int = 15,
        pan_id: int = 0x1A62,
        extended_pan_id: zt.ExtendedPanId | str = "DD:DD:DD:DD:DD:DD:DD:DD",
        network_key: zt.KeyData | bytes | None = None,
        network_key_seq: int = 0,
        nwk_frame_counter: int = 0,
        hashed_tclk: bytes | None = None,
        tx_power: int = DEFAULT_TX_POWER,
        nwk_update_id: int = 0,
    ) -> EzspNvram:
        """A stick that already holds a network, as bellows would have formed it."""
        ieee = _eui64(ieee)
        return cls(
            hardware_eui64=ieee,
            node_type=t.EmberNodeType.COORDINATOR,
            pan_id=pan_id,
            extended_pan_id=_epid(extended_pan_id),
            channel=channel,
            tx_power=tx_power,
            channels=t.Channels.from_channel_list([channel]),
            nwk_update_id=nwk_update_id,
            network_key=t.KeyData(network_key if network_key is not None else os.urandom(16)),
            network_key_seq=network_key_seq,
            nwk_frame_counter=nwk_frame_counter,
            security_bitmask=_FORMED_SECURITY,
            tc_link_key=t.KeyData(hashed_tclk if hashed_tclk is not None else os.urandom(16)),
            trust_center_eui64=ieee,
        )

    def copy(self) -> EzspNvram:
        return copy.deepcopy(self)

    # -- derived facts ------------------------------------------------------------------

    @property
    def formed_network(self) -> bool:
        return self.node_type == t.EmberNodeType.COORDINATOR and self.network_key is not None

    @property
    def eui64(self) -> t.EUI64:
        """The address the stack uses after a boot: restored token, then USERDATA, then
        the hardware address."""
        for candidate in (self.restored_eui64, self.mfg_custom_eui64):
            if candidate != UNSET_EUI64:
                return candidate
        return self.hardware_eui64

    @property
    def hashed_tclk(self) -> bool:
        return (
            self.security_bitmask & t.EmberCurrentSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
        ) == t.EmberCurrentSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY

    def summary(self) -> dict[str, Any]:
        """The network as plain values, for assertions and debugging."""
        return {
            "formed": self.formed_network,
            "ieee": str(self.eui64),
            "channel": self.channel,
            "channels": list(self.channels),
            "pan_id": self.pan_id,
            "extended_pan_id": str(self.extended_pan_id),
            "network_key": self.network_key.serialize().hex() if self.network_key else None,
            "network_key_seq": self.network_key_seq,
            "nwk_frame_counter": self.nwk_frame_counter,
            "aps_frame_counter": self.aps_frame_counter,
            "tc_link_key": self.tc_link_key.serialize().hex(),
            "hashed_tclk": self.hashed_tclk,
            "trust_center_eui64": str(self.trust_center_eui64),
            "nwk_update_id": self.nwk_update_id,
            "tx_power": self.tx_power,
            "children": {str(c.eui64): c.nwk for c in self.child_table.values()},
            "key_table": {str(k.eui64): k.key.serialize().hex() for k in self.key_table.values()},
        }

    # -- stack operations ---------------------------------------------------------------

    def factory_reset(self, *, keep_outgoing_frame_counters: bool = False) -> None:
        """``tokenFactoryReset``: every stack token back to its default. Manufacturing
        tokens (USERDATA) and the restored EUI64 are not touched."""
        counters = (self.nwk_frame_counter, self.aps_frame_counter)
        fresh = EzspNvram(
            hardware_eui64=self.hardware_eui64,
            mfg_custom_eui64=self.mfg_custom_eui64,
            restored_eui64=self.restored_eui64,
            devices=self.devices,
        )
        self.__dict__.update(fresh.__dict__)
        if keep_outgoing_frame_counters:
            self.nwk_frame_counter, self.aps_frame_counter = counters

    def leave(self) -> None:
        """``leaveNetwork``: the node data and network key are gone."""
        self.node_type = t.EmberNodeType.UNKNOWN_DEVICE
        self.network_key = None
        self.child_table.clear()

    def form(
        self,
        parameters: t.EmberNetworkParameters,
        security: t.EmberInitialSecurityState | None,
    ) -> None:
        """``formNetwork`` with the security state staged by ``setInitialSecurityState``."""
        bits = t.EmberInitialSecurityBitmask
        if security is None:
            security = t.EmberInitialSecurityState(
                bitmask=bits.TRUST_CENTER_GLOBAL_LINK_KEY | bits.HAVE_PRECONFIGURED_KEY,
                preconfiguredKey=WELL_KNOWN_TCLK,
                networkKey=t.KeyData(os.urandom(16)),
                networkKeySequenceNumber=0,
                preconfiguredTrustCenterEui64=t.EUI64([0] * 8),
            )
        self.node_type = t.EmberNodeType.COORDINATOR
        self.pan_id = int(parameters.panId)
        self.extended_pan_id = t.ExtendedPanId(parameters.extendedPanId)
        self.channel = int(parameters.radioChannel)
        self.tx_power = int(parameters.radioTxPower)
        self.channels = t.Channels.from_channel_list([self.channel])
        self.nwk_manager_id = 0x0000
        self.nwk_update_id = 0  # the stack ignores nwkUpdateId on formation
        if security.bitmask & bits.HAVE_NETWORK_KEY:
            self.network_key = t.KeyData(security.networkKey)
            self.network_key_seq = int(security.networkKeySequenceNumber)
        else:
            self.network_key = t.KeyData(os.urandom(16))
            self.network_key_seq = 0
        self.tc_link_key = t.KeyData(security.preconfiguredKey)
        current = t.EmberCurrentSecurityBitmask(0)
        if security.bitmask & bits.TRUST_CENTER_GLOBAL_LINK_KEY:
            current |= t.EmberCurrentSecurityBitmask.GLOBAL_LINK_KEY
        if security.bitmask & bits.HAVE_PRECONFIGURED_KEY:
            current |= t.EmberCurrentSecurityBitmask.HAVE_TRUST_CENTER_LINK_KEY
        if (security.bitmask & bits.TRUST_CENTER_USES_HASHED_LINK_KEY) == (
            bits.TRUST_CENTER_USES_HASHED_LINK_KEY
        ):
            current |= t.EmberCurrentSecurityBitmask.TRUST_CENTER_USES_HASHED_LINK_KEY
        if security.bitmask & bits.DISTRIBUTED_TRUST_CENTER_MODE:
            current |= t.EmberCurrentSecurityBitmask.DISTRIBUTED_TRUST_CENTER_MODE
        self.security_bitmask = current
        # The coordinator is the trust center; a preconfigured TC address is only a hint
        self.trust_center_eui64 = self.eui64
        if not security.bitmask & bits.NO_FRAME_COUNTER_RESET:
            self.nwk_frame_counter = 0
            self.aps_frame_counter = 0

    # -- NV3 token views (what getTokenData / setTokenData see) -------------------------

    def read_token(self, token: int, index: int) -> bytes | None:
        """The token's bytes, or None for a token this NCP does not have."""
        key = t.NV3KeyId
        if token in (key.CREATOR_STACK_RESTORED_EUI64, key.NVM3KEY_STACK_RESTORED_EUI64):
            return self.restored_eui64.serialize() if index == 0 else None
        if token == key.NVM3KEY_STACK_NODE_DATA and index == 0:
            return t.NV3StackNodeData(
                panId=t.EmberPanId(self.pan_id),
                radioTxPower=t.int8s(self.tx_power),
                radioFreqChannel=t.uint8_t(self.channel),
                stackProfile=t.uint8_t(0x02),
                nodeType=self.node_type,
                zigbeeNodeId=t.EmberNodeId(
                    0x0000 if self.node_type == t.EmberNodeType.COORDINATOR else 0xFFFE
                ),
                extendedPanId=self.extended_pan_id,
            ).serialize()
        if token == key.NVM3KEY_STACK_NETWORK_MANAGEMENT and index == 0:
            return t.NV3StackNetworkManagementToken(
                active_channels=self.channels,
                manager_node_id=t.NWK(self.nwk_manager_id),
                update_id=t.uint8_t(self.nwk_update_id),
                padding=t.uint8_t(0),
            ).serialize()
        if token == key.NVM3KEY_STACK_TRUST_CENTER and index == 0:
            return t.NV3StackTrustCenterToken(
                mode=t.uint16_t(self.trust_center_mode),
                eui64=self.trust_center_eui64,
                key=self.tc_link_key,
            ).serialize()
        if token == key.NVM3KEY_STACK_CHILD_TABLE:
            child = self.child_table.get(index)
            if child is None:
                return None
            return t.NV3ChildTableEntry(
                eui64=child.eui64, id=t.NWK(child.nwk), flags=t.uint8_t(0x80)
            ).serialize()
        return None

    def write_token(self, token: int, index: int, data: bytes) -> bool:
        """Store a token written by the host; False if this NCP has no such token."""
        key = t.NV3KeyId
        if token in (key.CREATOR_STACK_RESTORED_EUI64, key.NVM3KEY_STACK_RESTORED_EUI64):
            if index != 0 or len(data) != 8:
                return False
            self.restored_eui64, _ = t.EUI64.deserialize(data)
            return True
        if token == key.NVM3KEY_STACK_NODE_DATA and index == 0:
            node, _ = t.NV3StackNodeData.deserialize(data)
            self.pan_id = int(node.panId)
            self.tx_power = int(node.radioTxPower)
            self.channel = int(node.radioFreqChannel)
            self.node_type = node.nodeType
            self.extended_pan_id = node.extendedPanId
            return True
        if token == key.NVM3KEY_STACK_NETWORK_MANAGEMENT and index == 0:
            mgmt, _ = t.NV3StackNetworkManagementToken.deserialize(data)
            self.channels = mgmt.active_channels
            self.nwk_manager_id = int(mgmt.manager_node_id)
            self.nwk_update_id = int(mgmt.update_id)
            return True
        if token == key.NVM3KEY_STACK_TRUST_CENTER and index == 0:
            tc, _ = t.NV3StackTrustCenterToken.deserialize(data)
            self.trust_center_mode = int(tc.mode)
            self.trust_center_eui64 = tc.eui64
            self.tc_link_key = tc.key
            return True
        if token == key.NVM3KEY_STACK_CHILD_TABLE and index in self.child_table:
            entry, _ = t.NV3ChildTableEntry.deserialize(data)
            child = self.child_table[index]
            child.eui64, child.nwk = entry.eui64, int(entry.id)
            return True
        return False


def _eui64(value: t.EUI64 | zt.EUI64 | str) -> t.EUI64:
    return t.EUI64.convert(value) if isinstance(value, str) else t.EUI64(value)


def _epid(value: zt.ExtendedPanId | str) -> t.ExtendedPanId:
    return t.ExtendedPanId.convert(value) if isinstance(value, str) else t.ExtendedPanId(value)
