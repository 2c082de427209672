"""The non-volatile memory of an emulated Z-Stack 3.30 coordinator (CC2652).

Z-Stack 3.30 keeps two kinds of NV items, and zigpy-znp uses both:

* legacy OSAL items, addressed by a 16-bit id (:class:`OsalNvIds`): the NIB, keys,
  the IEEE address, stack settings;
* "extended" items, addressed by ``(sys_id, item_id, sub_id)`` (:class:`ExNvIds`): tables
  such as the address manager, TC link keys and the network security material. ExNV item
  ``(ZSTACK, LEGACY, n)`` is the same storage as OSAL item ``n``.

Values are raw bytes exactly as the firmware would store them (structs *aligned*, as on the
CC26x2). Everything is generated here from a handful of network parameters; there are no
binary fixtures. zigpy-znp's own types do the encoding, so nothing is encoded by hand.

Typical use::

    nv = formed_nvram(channel=15, pan_id=0x1A62)   # a stick that already runs a network
    nv = blank_nvram()                              # factory new: zigpy forms a network
    nv.nib.nwkLogicalChannel, nv.network_key, nv.address_manager()
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import zigpy_znp.const as znp_const
import zigpy_znp.types as t
from zigpy_znp.types.nvids import ExNvIds, NvSysIds, OsalNvIds

ALIGN = True  # CC26x2 / Z-Stack 3.30: structs are stored and sent aligned

DEFAULT_IEEE = "00:12:4b:00:2a:5c:10:01"  # a TI OUI, as on a real CC2652 stick
DEFAULT_NETWORK = {
    "channel": 15,
    "pan_id": 0x1A62,
    "extended_pan_id": "5a:49:47:42:52:49:44:47",
    "network_key": "7a:69:67:62:72:69:64:67:65:2d:74:65:73:74:6b:79",
}

# Capacity of the pre-sized tables (Z-Stack builds size them at compile time).
ADDRMGR_ENTRIES = 32
TCLK_ENTRIES = 32
APS_KEY_DATA_ENTRIES = 8
APS_LINK_KEY_TABLE_BYTES = 2 + 8 * 6  # count (uint16) + 8 aligned 5-byte entries

EMPTY_ADDRMGR_ENTRY = znp_const.EMPTY_ADDR_MGR_ENTRY_ZSTACK3
EMPTY_TCLK_ENTRY = t.TCLKDevEntry(
    txFrmCntr=0,
    rxFrmCntr=0,
    extAddr=t.EUI64.convert("00:00:00:00:00:00:00:00"),
    keyAttributes=t.KeyAttributes.DEFAULT_KEY,
    keyType=t.KeyType.NONE,
    SeedShift_IcIndex=0,
)
EMPTY_APS_KEY = t.APSKeyDataTableEntry(Key=t.KeyData(bytes(16)), TxFrameCounter=0, RxFrameCounter=0)

# What zigpy-znp's `_write_stack_settings` wants; a stick that already ran zigpy-znp has them
ZIGPY_STACK_SETTINGS: dict[OsalNvIds, Any] = {
    OsalNvIds.CONCENTRATOR_ENABLE: t.Bool(True),
    OsalNvIds.CONCENTRATOR_DISCOVERY: t.uint8_t(120),
    OsalNvIds.CONCENTRATOR_RC: t.Bool(True),
    OsalNvIds.SRC_RTG_EXPIRY_TIME: t.uint8_t(255),
    OsalNvIds.NWK_CHILD_AGE_ENABLE: t.Bool(False),
    OsalNvIds.BCAST_DELIVERY_TIME: t.uint8_t(30),
    OsalNvIds.ZDO_DIRECT_CB: t.Bool(True),
}
# Z-Stack's own defaults for the same items (a factory-new stick)
FACTORY_STACK_SETTINGS: dict[OsalNvIds, Any] = {
    OsalNvIds.CONCENTRATOR_ENABLE: t.Bool(False),
    OsalNvIds.CONCENTRATOR_DISCOVERY: t.uint8_t(0),
    OsalNvIds.CONCENTRATOR_RC: t.Bool(False),
    OsalNvIds.SRC_RTG_EXPIRY_TIME: t.uint8_t(10),
    OsalNvIds.NWK_CHILD_AGE_ENABLE: t.Bool(True),
    OsalNvIds.BCAST_DELIVERY_TIME: t.uint8_t(30),
    OsalNvIds.ZDO_DIRECT_CB: t.Bool(False),
}

# Items a ClearState start-up option wipes (the network the stick was on)
NETWORK_STATE_ITEMS = (
    OsalNvIds.NIB,
    OsalNvIds.BDBNODEISONANETWORK,
    OsalNvIds.NWK_ACTIVE_KEY_INFO,
    OsalNvIds.NWK_ALTERN_KEY_INFO,
)

ZSTACK = int(NvSysIds.ZSTACK)
LEGACY = int(ExNvIds.LEGACY)


def encode(value: Any) -> bytes:
    """A value as Z-Stack stores it (structs and lists aligned)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, t.CStruct | t.BaseListType):
        return value.serialize(align=ALIGN)
    return value.serialize()


def decode(data: bytes, item_type: Any, *, allow_trailing: bool = False) -> Any:
    if issubclass(item_type, t.CStruct | t.BaseListType):
        value, rest = item_type.deserialize(data, align=ALIGN)
    else:
        value, rest = item_type.deserialize(data)
    if rest and not allow_trailing:
        raise ValueError(f"{len(rest)} bytes left after decoding {item_type.__name__}")
    return value


def make_nib(
    *,
    channel: int,
    pan_id: int,
    extended_pan_id: t.EUI64,
    channel_mask: t.Channels | None = None,
    nwk_update_id: int = 0,
) -> t.NIB:
    """The NIB of a coordinator that has formed a network (plausible Z-Stack 3.30 values)."""
    no_key = t.NwkKeyDesc(KeySeqNum=0, Key=t.KeyData(bytes(16)))
    return t.NIB(
        SequenceNum=0,
        PassiveAckTimeout=5,
        MaxBroadcastRetries=2,
        MaxChildren=0,
        MaxDepth=20,
        MaxRouters=0,
        dummyNeighborTable=0,
        BroadcastDeliveryTime=30,
        ReportConstantCost=0,
        RouteDiscRetries=0,
        dummyRoutingTable=0,
        SecureAllFrames=1,
        SecurityLevel=5,
        SymLink=1,
        CapabilityFlags=0x8F,
        TransactionPersistenceTime=7,
        nwkProtocolVersion=2,
        RouteDiscoveryTime=13,
        RouteExpiryTime=30,
        nwkDevAddress=0x0000,
        nwkLogicalChannel=channel,
        nwkCoordAddress=0x0000,
        nwkCoordExtAddress=t.EUI64.convert("00:00:00:00:00:00:00:00"),
        nwkPanId=pan_id,
        nwkState=t.NwkState.NWK_ROUTER,
        channelList=channel_mask or t.Channels.from_channel_list([channel]),
        beaconOrder=15,
        superFrameOrder=15,
        scanDuration=4,
        battLifeExt=0,
        allocatedRouterAddresses=1,
        allocatedEndDeviceAddresses=1,
        nodeDepth=0,
        extendedPANID=extended_pan_id,
        nwkKeyLoaded=True,
        spare1=no_key,
        spare2=no_key,
        spare3=0,
        spare4=0,
        nwkLinkStatusPeriod=15,
        nwkRouterAgeLimit=3,
        nwkUseMultiCast=False,
        nwkIsConcentrator=True,
        nwkConcentratorDiscoveryTime=120,
        nwkConcentratorRadius=10,
        nwkAllFresh=1,
        nwkManagerAddr=0x0000,
        nwkTotalTransmissions=0,
        nwkUpdateId=nwk_update_id,
    )


class ZStackNvram:
    """Raw NV storage: ``osal[id] -> bytes`` and ``items[(sys_id, item_id, sub_id)] -> bytes``.

    The emulated coordinator reads and writes it byte for byte as MT requests ask; the
    typed helpers below are for tests (what did zigpy-znp write?) and for generating
    content. ``copy()`` snapshots it, ``as_dict()``/``from_dict()`` round-trip through JSON.
    """

    def __init__(
        self,
        osal: dict[int, bytes] | None = None,
        items: dict[tuple[int, int, int], bytes] | None = None,
        *,
        hardware_ieee: t.EUI64 | str = DEFAULT_IEEE,
    ) -> None:
        self.osal: dict[int, bytes] = {int(k): bytes(v) for k, v in (osal or {}).items()}
        self.items: dict[tuple[int, int, int], bytes] = {
            (int(s), int(i), int(n)): bytes(v) for (s, i, n), v in (items or {}).items()
        }
        # The factory-programmed address Z-Stack falls back to when EXTADDR is deleted
        self.hardware_ieee = t.EUI64.convert(str(hardware_ieee))

    def __repr__(self) -> str:
        state = "formed" if self.is_formed else "not formed"
        return f"<ZStackNvram {state}, {len(self.osal)} OSAL items, {len(self.items)} items>"

    def copy(self) -> ZStackNvram:
        return copy.deepcopy(self)

    # -- raw access (what the MT handlers use) ----------------------------------------

    def get(self, sys_id: int, item_id: int, sub_id: int) -> bytes | None:
        if sys_id == ZSTACK and item_id == LEGACY:
            return self.osal.get(sub_id)
        return self.items.get((sys_id, item_id, sub_id))

    def put(self, sys_id: int, item_id: int, sub_id: int, value: bytes) -> None:
        if sys_id == ZSTACK and item_id == LEGACY:
            self.osal[sub_id] = bytes(value)
        else:
            self.items[(sys_id, item_id, sub_id)] = bytes(value)

    def delete(self, sys_id: int, item_id: int, sub_id: int) -> bool:
        if sys_id == ZSTACK and item_id == LEGACY:
            return self.osal.pop(sub_id, None) is not None
        return self.items.pop((sys_id, item_id, sub_id), None) is not None

    # -- typed access -----------------------------------------------------------------

    def read(self, nvid: int, item_type: Any, default: Any = None) -> Any:
        data = self.osal.get(int(nvid))
        return default if data is None else decode(data, item_type)

    def write(self, nvid: int, value: Any) -> None:
        self.osal[int(nvid)] = encode(value)

    def table(self, item_id: int, item_type: Any = None) -> list[Any]:
        """An ExNV table's entries, in sub-id order, up to the first missing one (as
        zigpy-znp reads it)."""
        out = []
        for sub_id in range(0x10000):
            data = self.items.get((ZSTACK, int(item_id), sub_id))
            if data is None:
                break
            out.append(data if item_type is None else decode(data, item_type))
        return out

    def set_table(self, item_id: int, entries: list[Any], *, size: int, fill: Any) -> None:
        """(Re)create a table of ``size`` entries: ``entries`` first, then ``fill``."""
        for sub_id in list(k[2] for k in self.items if k[:2] == (ZSTACK, int(item_id))):
            del self.items[(ZSTACK, int(item_id), sub_id)]
        for sub_id in range(max(size, len(entries))):
            value = entries[sub_id] if sub_id < len(entries) else fill
            self.items[(ZSTACK, int(item_id), sub_id)] = encode(value)

    # -- what tests usually want to know ------------------------------------------------

    @property
    def nib(self) -> t.NIB | None:
        return self.read(OsalNvIds.NIB, t.NIB)

    @property
    def is_formed(self) -> bool:
        nib = self.nib
        return (
            nib is not None
            and nib.nwkLogicalChannel != 0
            and bool(nib.nwkKeyLoaded)
            and self.read(OsalNvIds.BDBNODEISONANETWORK, t.uint8_t) == 1
        )

    @property
    def ieee(self) -> t.EUI64:
        return self.read(OsalNvIds.EXTADDR, t.EUI64, self.hardware_ieee)

    @property
    def network_key(self) -> t.KeyData | None:
        desc = self.read(OsalNvIds.NWK_ACTIVE_KEY_INFO, t.NwkKeyDesc)
        return None if desc is None else desc.Key

    @property
    def frame_counter(self) -> int | None:
        nib = self.nib
        for entry in self.table(ExNvIds.NWK_SEC_MATERIAL_TABLE, t.NwkSecMaterialDesc):
            if nib is not None and entry.ExtendedPanID == nib.extendedPANID:
                return int(entry.FrameCounter)
        return None

    def address_manager(self) -> list[t.AddrMgrEntry]:
        """The used address-manager entries (devices the coordinator knows)."""
        return [
            e
            for e in self.table(ExNvIds.ADDRMGR, t.AddrMgrEntry)
            if e.type != EMPTY_ADDRMGR_ENTRY.type
            and e.type != t.AddrMgrUserType.Default
            and e.extAddr != EMPTY_ADDRMGR_ENTRY.extAddr
        ]

    def remember_device(self, ieee: t.EUI64, nwk: int, *, child: bool) -> None:
        """What Z-Stack does when a device joins through it: an address-manager entry
        (plus Assoc for a child end device) and a hashed TC link key entry."""
        kind = t.AddrMgrUserType.Security | (t.AddrMgrUserType.Assoc if child else 0)
        self._upsert(
            ExNvIds.ADDRMGR,
            t.AddrMgrEntry,
            lambda e: e.extAddr == ieee,
            lambda e: e.extAddr == EMPTY_ADDRMGR_ENTRY.extAddr,
            t.AddrMgrEntry(type=kind, nwkAddr=nwk, extAddr=ieee),
        )
        self._upsert(
            ExNvIds.TCLK_TABLE,
            t.TCLKDevEntry,
            lambda e: e.extAddr == ieee,
            lambda e: e.extAddr == EMPTY_TCLK_ENTRY.extAddr,
            t.TCLKDevEntry(
                txFrmCntr=0,
                rxFrmCntr=0,
                extAddr=ieee,
                keyAttributes=t.KeyAttributes.VERIFIED_KEY,
                keyType=t.KeyType.NONE,
                SeedShift_IcIndex=0,
            ),
        )

    def forget_device(self, ieee: t.EUI64) -> None:
        for item_id, entry_type, empty in (
            (ExNvIds.ADDRMGR, t.AddrMgrEntry, EMPTY_ADDRMGR_ENTRY),
            (ExNvIds.TCLK_TABLE, t.TCLKDevEntry, EMPTY_TCLK_ENTRY),
        ):
            for sub_id, entry in enumerate(self.table(item_id, entry_type)):
                if entry.extAddr == ieee:
                    self.items[(ZSTACK, int(item_id), sub_id)] = encode(empty)

    def _upsert(self, item_id, entry_type, same, free, value) -> None:
        entries = self.table(item_id, entry_type)
        for predicate in (same, free):
            for sub_id, entry in enumerate(entries):
                if predicate(entry):
                    self.items[(ZSTACK, int(item_id), sub_id)] = encode(value)
                    return
        # table full: Z-Stack would refuse the join; the emulator just does not persist it

    # -- serialisation ------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {
            "hardware_ieee": str(self.hardware_ieee),
            "osal": {f"0x{k:04X}": v.hex() for k, v in sorted(self.osal.items())},
            "items": {
                f"{s}:0x{i:04X}:0x{n:04X}": v.hex() for (s, i, n), v in sorted(self.items.items())
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZStackNvram:
        items = {}
        for key, value in data["items"].items():
            s, i, n = key.split(":")
            items[(int(s), int(i, 16), int(n, 16))] = bytes.fromhex(value)
        return cls(
            {int(k, 16): bytes.fromhex(v) for k, v in data["osal"].items()},
            items,
            hardware_ieee=data["hardware_ieee"],
        )

    def describe(self) -> Iterator[str]:
        """Human-readable dump, for debugging a failing test."""
        for key, value in sorted(self.osal.items()):
            try:
                name = OsalNvIds(key).name
            except ValueError:
                name = f"0x{key:04X}"
            yield f"OSAL {name}: {value.hex()}"
        for (s, i, n), value in sorted(self.items.items()):
            yield f"NV {s}/{ExNvIds(i).name}/{n}: {value.hex()}"


def _factory_items(nv: ZStackNvram, rng: random.Random) -> None:
    """What every Z-Stack 3.30 image has from its first boot."""
    nv.write(OsalNvIds.EXTADDR, nv.hardware_ieee)
    nv.write(OsalNvIds.STARTUP_OPTION, t.StartupOptions(0))
    nv.write(OsalNvIds.LOGICAL_TYPE, t.DeviceLogicalType.Coordinator)
    nv.write(OsalNvIds.PANID, t.uint16_t(0xFFFF))
    nv.write(OsalNvIds.CHANLIST, t.Channels.from_channel_list([11]))
    nv.write(OsalNvIds.APS_USE_EXT_PANID, t.EUI64(bytes(8)))
    nv.write(OsalNvIds.PRECFGKEY, t.KeyData(bytes(16)))
    nv.write(OsalNvIds.PRECFGKEYS_ENABLE, t.Bool(False))
    nv.write(OsalNvIds.TCLK_SEED, t.KeyData(rng.randbytes(16)))
    nv.write(OsalNvIds.APS_LINK_KEY_TABLE, bytes(APS_LINK_KEY_TABLE_BYTES))
    nv.set_table(ExNvIds.ADDRMGR, [], size=ADDRMGR_ENTRIES, fill=EMPTY_ADDRMGR_ENTRY)
    nv.set_table(ExNvIds.TCLK_TABLE, [], size=TCLK_ENTRIES, fill=EMPTY_TCLK_ENTRY)
    nv.set_table(ExNvIds.APS_KEY_DATA_TABLE, [], size=APS_KEY_DATA_ENTRIES, fill=EMPTY_APS_KEY)


def blank_nvram(*, ieee: str = DEFAULT_IEEE, seed: int = 1) -> ZStackNvram:
    """A factory-new stick: no network, Z-Stack's default settings."""
    nv = ZStackNvram(hardware_ieee=ieee)
    _factory_items(nv, random.Random(seed))
    for nvid, value in FACTORY_STACK_SETTINGS.items():
        nv.write(nvid, value)
    return nv


def write_network(
    nv: ZStackNvram,
    *,
    channel: int,
    pan_id: int,
    extended_pan_id: t.EUI64,
    network_key: t.KeyData,
    frame_counter: int = 0,
    channel_mask: t.Channels | None = None,
) -> None:
    """Put a formed network into NV, as Z-Stack's own formation leaves it."""
    nv.write(
        OsalNvIds.NIB,
        make_nib(
            channel=channel,
            pan_id=pan_id,
            extended_pan_id=extended_pan_id,
            channel_mask=channel_mask,
        ),
    )
    nv.write(OsalNvIds.BDBNODEISONANETWORK, t.uint8_t(1))
    key = t.NwkKeyDesc(KeySeqNum=0, Key=network_key)
    nv.write(OsalNvIds.NWK_ACTIVE_KEY_INFO, key)
    nv.write(OsalNvIds.NWK_ALTERN_KEY_INFO, key)
    nv.write(OsalNvIds.EXTENDED_PAN_ID, extended_pan_id)
    nv.write(OsalNvIds.APS_USE_EXT_PANID, extended_pan_id)
    nv.write(OsalNvIds.PANID, t.uint16_t(pan_id))
    nv.write(OsalNvIds.PRECFGKEY, network_key)
    nv.write(OsalNvIds.CHANLIST, channel_mask or t.Channels.from_channel_list([channel]))
    nv.put(
        ZSTACK,
        ExNvIds.NWK_SEC_MATERIAL_TABLE,
        0,
        encode(t.NwkSecMaterialDesc(FrameCounter=frame_counter, ExtendedPanID=extended_pan_id)),
    )


def formed_nvram(
    *,
    ieee: str = DEFAULT_IEEE,
    channel: int = DEFAULT_NETWORK["channel"],
    pan_id: int = DEFAULT_NETWORK["pan_id"],
    extended_pan_id: str = DEFAULT_NETWORK["extended_pan_id"],
    network_key: str | bytes = DEFAULT_NETWORK["network_key"],
    frame_counter: int = 0,
    seed: int = 1,
) -> ZStackNvram:
    """A stick that already runs a network and was set up by zigpy-znp before (stack
    settings as zigpy-znp wants them, NVRAM migration done): start-up writes nothing."""
    nv = ZStackNvram(hardware_ieee=ieee)
    _factory_items(nv, random.Random(seed))
    for nvid, value in ZIGPY_STACK_SETTINGS.items():
        nv.write(nvid, value)
    key = (
        t.KeyData(network_key) if isinstance(network_key, bytes) else t.KeyData.convert(network_key)
    )
    write_network(
        nv,
        channel=channel,
        pan_id=pan_id,
        extended_pan_id=t.EUI64.convert(extended_pan_id),
        network_key=key,
        frame_counter=frame_counter,
    )
    nv.write(OsalNvIds.ZIGPY_ZNP_MIGRATION_ID, t.uint8_t(1))
    nv.write(OsalNvIds.HAS_CONFIGURED_ZSTACK3, znp_const.ZSTACK_CONFIGURE_SUCCESS)
    return nv
