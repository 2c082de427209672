"""An emulated Texas Instruments Z-Stack 3.30 coordinator (a CC2652 stick running the ZNP
firmware) that speaks the MT serial protocol over TCP, so the real, unmodified zigpy-znp
runs against it through ``socket://127.0.0.1:PORT``.

Behind it sits the same transport-independent :class:`~radio.sim.network.SimNetwork` as
the virtual radio: ``AF.DataRequestExt`` frames become :class:`zigpy.types.ZigbeePacket`\\ s
handed to :meth:`SimNetwork.deliver`; whatever the simulated devices send comes back up as
``AF.IncomingMsg`` (ZCL), ``ZDO.MsgCbIncoming`` (ZDO) and, for a device the coordinator
has never seen, ``ZDO.TCDevInd`` before its announcement. Frames are encoded and decoded
with zigpy-znp's own codecs (``zigpy_znp.frames``, ``zigpy_znp.commands``,
``zigpy_znp.types``); nothing is encoded by hand.

What is emulated (enough for ``startup()`` on a formed stick, formation from a blank one,
backups, joins, interviews, reports and commands) is listed in ``_HANDLERS``; anything
else answers ``RPCError.CommandNotRecognized`` as a real Z-Stack does.

Use::

    async with ZStackEmulator(formed_nvram()) as stick:      # or blank_nvram()
        config = {"device": {"path": stick.url}, "znp_config": {"skip_bootloader": False}}
        app = await zigpy_znp.zigbee.application.ControllerApplication.new(config, ...)
        stick.network.join(dimmable_light("00:5a:49:47:00:00:00:01", 0x1001))
        stick.requests_of(c.AF.DataRequestExt)   # every MT request is recorded
        stick.kill()                              # the stick vanishes (TCP reset)
        await stick.restart()                     # powers up again, same port and NVRAM
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
import struct
import time
from collections.abc import Callable
from typing import Any, Literal

import zigpy.exceptions
import zigpy.types as zt
import zigpy.zdo.types as zdo_t
import zigpy_znp.commands as c
import zigpy_znp.types as t
from zigpy_znp.exceptions import InvalidFrame
from zigpy_znp.frames import GeneralFrame, TransportFrame
from zigpy_znp.types.nvids import ExNvIds, OsalNvIds

from radio.sim.device import SimDevice
from radio.sim.network import SimNetwork
from radio.sim.zcl import parse_zdo, zdo_frame

from .znp_nvram import (
    ALIGN,
    NETWORK_STATE_ITEMS,
    ZSTACK,
    ZStackNvram,
    blank_nvram,
    encode,
    formed_nvram,
    make_nib,
    write_network,
)

__all__ = [
    "ZSTACK",
    "ZStackEmulator",
    "ZStackNvram",
    "blank_nvram",
    "encode",
    "formed_nvram",
    "make_nib",
]

LOGGER = logging.getLogger(__name__)

Mode = Literal["zstack", "silent", "garbage"]

SOF = 0xFE
MAX_NV_CHUNK = 244  # what fits one SYS.NVRead answer
MAX_OSAL_CHUNK = 248  # what fits one SYS.OSALNVRead(Ext) answer
CAPABILITIES = (
    t.MTCapabilities.SYS
    | t.MTCapabilities.AF
    | t.MTCapabilities.ZDO
    | t.MTCapabilities.UTIL
    | t.MTCapabilities.GP
    | t.MTCapabilities.APP_CNF
)
VERSION = {"TransportRev": 2, "ProductId": 1, "MajorRel": 2, "MinorRel": 7, "MaintRel": 1}
CODE_REVISION = 20240710  # a Koenkk Z-Stack 3.x.0 build date; >= 20210708 matters
# What a stick that is not running Z-Stack (or at the wrong baud rate) might send back
GARBAGE = b"\r\nERROR\r\n\x00\xfe\x05\x61\x01\x00\x00\x13\x37\xff"

NV_WRITE_REQUESTS = (
    c.SYS.OSALNVWrite.Req,
    c.SYS.OSALNVWriteExt.Req,
    c.SYS.OSALNVItemInit.Req,
    c.SYS.OSALNVDelete.Req,
    c.SYS.NVWrite.Req,
    c.SYS.NVCreate.Req,
    c.SYS.NVDelete.Req,
)
STATUS = t.Status
ErrorCode = c.rpc_error.ErrorCode
BDB = c.app_config.BDBCommissioningStatus
BDB_MODE = c.app_config.BDBCommissioningMode
ZDO_ENDPOINT = 0
ZDO_PROFILE = 0x0000


def _mt_status(status: Any) -> t.Status:
    """A zigpy delivery status as the Z-Stack status a DataConfirm would carry."""
    try:
        return t.Status(int(status))
    except (TypeError, ValueError):
        return STATUS.MAC_NO_ACK


class _Link(asyncio.Protocol):
    """One TCP connection (the serial line while the stick is plugged in)."""

    def __init__(self, stick: ZStackEmulator) -> None:
        self.stick = stick
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.stick._link_made(self)

    def data_received(self, data: bytes) -> None:
        self.stick._data_received(self, data)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self.stick._link_lost(self)


class ZStackEmulator:
    """A Z-Stack 3.30 coordinator on ``127.0.0.1``: a TCP server in the running event loop
    that accepts one client at a time, like a serial port.

    * ``nvram``: a :class:`ZStackNvram` (``formed_nvram(...)`` or ``blank_nvram()``); it is
      the stick's flash and survives :meth:`kill` / :meth:`restart`.
    * ``network``: the :class:`SimNetwork` of devices in radio range (created if omitted).
    * ``mode``: ``"zstack"`` (default); ``"silent"`` accepts and never answers;
      ``"garbage"`` answers every frame with bytes that are not MT frames.
    * ``requests``: every MT request received, decoded, in order (``requests_of`` filters).
    """

    def __init__(
        self,
        nvram: ZStackNvram | None = None,
        network: SimNetwork | None = None,
        *,
        mode: Mode = "zstack",
        host: str = "127.0.0.1",
        port: int = 0,
        code_revision: int = CODE_REVISION,
        seed: int = 1,
    ) -> None:
        self.nvram = nvram if nvram is not None else formed_nvram()
        self.network = network if network is not None else SimNetwork()
        self.network.uplink = self._uplink
        self.network.on_leave = self._device_left
        self.mode: Mode = mode
        self.host = host
        self.port = port
        self.code_revision = code_revision
        self._rng = random.Random(seed)

        self.requests: list[t.CommandBase] = []
        self.sent: list[t.CommandBase] = []
        self.garbage_received = 0  # bytes that were not part of any MT frame
        self.connections = 0  # clients accepted so far
        self.refused = 0  # clients turned away while another one was connected
        self.resets = 0
        self.dropped_uplink = 0  # device frames lost because no host was connected
        self.errors: list[Exception] = []  # exceptions in handlers (emulator bugs)

        # Volatile (RAM) state: lost on a reset or power cycle
        self.started = False
        self.endpoints: dict[int, c.AF.Register.Req] = {}
        self.permit_until = 0.0
        self._primary_channels: t.Channels | None = None

        self._server: asyncio.Server | None = None
        self._link: _Link | None = None
        self._changed = asyncio.Event()

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("the emulated coordinator has not been started")
        return f"socket://{self.host}:{self.port}"

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def connected(self) -> bool:
        return self._link is not None

    async def start(self) -> ZStackEmulator:
        """Power up and listen (on the same port as before, after a kill/close)."""
        if self._server is not None:
            return self
        self._power_on()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Link(self), self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        LOGGER.debug("Emulated Z-Stack listening on %s", self.url)
        return self

    async def __aenter__(self) -> ZStackEmulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
        for device in self.network:
            device.cancel_timers()

    def drop(self) -> None:
        """The serial line breaks (TCP reset) but the stick stays: the host may reconnect
        at once. Like a USB glitch."""
        link = self._link
        if link is not None and link.transport is not None:
            with contextlib.suppress(OSError):
                sock = link.transport.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            link.transport.abort()
        self._link_lost(link)

    def kill(self) -> None:
        """The stick vanishes (unplugged, crashed): the connection is reset and nothing
        listens until :meth:`restart`. NVRAM is kept; RAM state is lost."""
        self._stop_listening()
        self.drop()

    async def close(self) -> None:
        """Orderly shutdown: close the connection (FIN) and stop listening."""
        self._stop_listening()
        link = self._link
        if link is not None and link.transport is not None:
            link.transport.close()
        self._link_lost(link)
        await asyncio.sleep(0)

    async def restart(self) -> ZStackEmulator:
        """Power-cycle: drop any connection, then listen again on the same port."""
        self.kill()
        return await self.start()

    def _stop_listening(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()

    def _power_on(self) -> None:
        self.resets += 1
        self._reset_volatile()
        self._apply_startup_options()

    # -- connection plumbing ------------------------------------------------------------

    def _link_made(self, link: _Link) -> None:
        if self._link is not None or self._server is None:
            # A serial port is single-user: a second client is turned away.
            self.refused += 1
            assert link.transport is not None
            link.transport.close()
            return
        self._link = link
        self.connections += 1
        self._notify()

    def _link_lost(self, link: _Link | None) -> None:
        if link is not None and self._link is link:
            self._link = None
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``predicate()`` is truthy (checked on every connection change and
        every received request, and at least every 20 ms)."""
        async with asyncio.timeout(timeout):
            while not (result := predicate()):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), 0.02)
        return result

    def _data_received(self, link: _Link, data: bytes) -> None:
        if link is not self._link:
            return
        link.buffer += data
        for frame in self._extract_frames(link.buffer):
            try:
                self._frame_received(frame)
            except Exception as exc:  # an emulator bug: keep the line up, let tests see it
                LOGGER.exception("Emulated Z-Stack failed on %s", frame)
                self.errors.append(exc)

    def _extract_frames(self, buf: bytearray) -> list[GeneralFrame]:
        frames = []
        while buf:
            start = buf.find(SOF)
            if start < 0:
                self.garbage_received += len(buf)  # e.g. the 0xEF bootloader-skip bytes
                buf.clear()
                break
            self.garbage_received += start
            del buf[:start]
            if len(buf) < 5:
                break
            if buf[1] > 250:
                self.garbage_received += 1
                del buf[:1]
                continue
            if len(buf) < buf[1] + 5:
                break
            try:
                frame, rest = TransportFrame.deserialize(bytes(buf))
            except InvalidFrame:
                self.garbage_received += 1
                del buf[:1]
                continue
            del buf[: len(buf) - len(rest)]
            frames.append(frame.payload)
        return frames

    def _send(self, command: t.CommandBase) -> None:
        link = self._link
        if link is None or link.transport is None or link.transport.is_closing():
            return
        self.sent.append(command)
        link.transport.write(TransportFrame(command.to_frame(align=ALIGN)).serialize())

    def _send_soon(self, *commands: t.CommandBase) -> None:
        """Callbacks go out after the SRSP, on a later loop iteration, as on real hardware."""
        loop = asyncio.get_running_loop()
        for command in commands:
            loop.call_soon(self._send, command)

    def _frame_received(self, frame: GeneralFrame) -> None:
        cls = c.COMMANDS_BY_ID.get(frame.header)
        is_sreq = frame.header.type == t.CommandType.SREQ
        if cls is None or cls.Req is not cls:
            LOGGER.debug("Emulated Z-Stack: unknown frame %s", frame)
            if is_sreq:
                self._not_recognized(frame.header, ErrorCode.InvalidCommandId)
            return
        try:
            request = cls.from_frame(frame, align=ALIGN)
        except ValueError:
            if is_sreq:
                self._not_recognized(frame.header, ErrorCode.InvalidLength)
            return
        self.requests.append(request)
        self._notify()
        if self.mode == "silent":
            return
        if self.mode == "garbage":
            link = self._link
            if link is not None and link.transport is not None:
                link.transport.write(GARBAGE)
            return
        handler = _HANDLERS.get(cls)
        if handler is None:
            if is_sreq:
                self._not_recognized(frame.header, ErrorCode.InvalidCommandId)
            return
        handler(self, request)

    def _not_recognized(self, header: t.CommandHeader, code: ErrorCode) -> None:
        self._send(c.RPCError.CommandNotRecognized.Rsp(ErrorCode=code, RequestHeader=header))

    # -- inspection ----------------------------------------------------------------------

    def requests_of(self, *commands: Any) -> list[t.CommandBase]:
        """Received requests of the given kinds (``c.SYS.Ping`` or ``c.SYS.Ping.Req``)."""
        kinds = tuple(getattr(cmd, "Req", cmd) for cmd in commands)
        return [r for r in self.requests if isinstance(r, kinds)]

    def nv_writes(self) -> list[t.CommandBase]:
        """Every request that changed (or tried to change) non-volatile memory."""
        return [r for r in self.requests if isinstance(r, NV_WRITE_REQUESTS)]

    def data_requests(self, nwk: int | None = None) -> list[c.AF.DataRequestExt.Req]:
        """AF.DataRequestExt frames, optionally only those addressed to one NWK address."""
        out = self.requests_of(c.AF.DataRequestExt)
        if nwk is not None:
            out = [r for r in out if r.DstAddrModeAddress.address == nwk]
        return out

    @property
    def permitting_joins(self) -> bool:
        return time.monotonic() < self.permit_until

    @property
    def ieee(self) -> t.EUI64:
        return self.nvram.ieee

    @property
    def nwk(self) -> int:
        nib = self.nvram.nib
        return 0x0000 if nib is None else int(nib.nwkDevAddress)

    # -- devices --------------------------------------------------------------------------

    def join(self, device: SimDevice) -> SimDevice:
        """A factory-new device joins (TC join indication, then its announcement)."""
        return self.network.join(device)

    def _uplink(self, packet: zt.ZigbeePacket) -> None:
        """A frame from a simulated device, as the coordinator hands it to the host."""
        if self._link is None or self.mode != "zstack":
            self.dropped_uplink += 1
            return
        assert packet.src is not None and packet.dst is not None
        data = packet.data.serialize()
        src = int(packet.src.address)
        broadcast = packet.dst.addr_mode == zt.AddrMode.Broadcast
        if packet.src_ep == ZDO_ENDPOINT and packet.profile_id == ZDO_PROFILE:
            if packet.cluster_id == zdo_t.ZDOCmd.Device_annce:
                self._announced(data)
            self._send(
                c.ZDO.MsgCbIncoming.Callback(
                    Src=src,
                    IsBroadcast=broadcast,
                    ClusterId=packet.cluster_id,
                    SecurityUse=0,
                    TSN=data[0],
                    MacDst=int(packet.dst.address) if broadcast else self.nwk,
                    Data=data[1:],
                )
            )
            return
        group = int(packet.dst.address) if packet.dst.addr_mode == zt.AddrMode.Group else 0
        dst_ep = packet.dst_ep if packet.dst_ep not in (None, 0xFF) else 1
        self._send(
            c.AF.IncomingMsg.Callback(
                GroupId=group,
                ClusterId=packet.cluster_id,
                SrcAddr=src,
                SrcEndpoint=packet.src_ep,
                DstEndpoint=dst_ep,
                WasBroadcast=broadcast,
                LQI=packet.lqi if packet.lqi is not None else 255,
                SecurityUse=False,
                TimeStamp=int(time.monotonic() * 1000) & 0xFFFFFFFF,
                TSN=packet.tsn or 0,
                Data=data,
                MacSrcAddr=src,
                MsgResultRadius=packet.radius or 0,
            )
        )

    def _announced(self, data: bytes) -> None:
        """Device_annce: a device that joined through this coordinator for the first time
        is preceded by a trust-center join indication, and remembered in NV."""
        try:
            _, (nwk, ieee, capability) = parse_zdo(zdo_t.ZDOCmd.Device_annce, data)
        except (ValueError, KeyError):
            return
        known = {e.extAddr: e for e in self.nvram.address_manager()}
        if ieee not in known:
            self._send(c.ZDO.TCDevInd.Callback(SrcNwk=nwk, SrcIEEE=ieee, ParentNwk=self.nwk))
        if ieee not in known or known[ieee].nwkAddr != nwk:
            router = bool(capability & zdo_t.MACCapabilityFlags.FullFunctionDevice)
            self.nvram.remember_device(ieee, nwk, child=not router)

    def _device_left(self, device: SimDevice) -> None:
        self.nvram.forget_device(device.ieee)
        self._send(
            c.ZDO.LeaveInd.Callback(
                NWK=device.nwk, IEEE=device.ieee, Request=False, Remove=False, Rejoin=False
            )
        )

    # -- volatile state -------------------------------------------------------------------

    def _reset_volatile(self) -> None:
        self.started = False
        self.endpoints.clear()
        self.permit_until = 0.0
        self._primary_channels = None

    def _apply_startup_options(self) -> None:
        """What Z-Stack does at boot: honour STARTUP_OPTION, restore a deleted EXTADDR."""
        nv = self.nvram
        options = nv.read(OsalNvIds.STARTUP_OPTION, t.StartupOptions, t.StartupOptions(0))
        if options & t.StartupOptions.ClearState:
            for nvid in NETWORK_STATE_ITEMS:
                nv.osal.pop(int(nvid), None)
            for key in [k for k in nv.items if k[1] == ExNvIds.NWK_SEC_MATERIAL_TABLE]:
                del nv.items[key]
            for ieee in [e.extAddr for e in nv.address_manager()]:
                nv.forget_device(ieee)
        if options & (t.StartupOptions.ClearState | t.StartupOptions.ClearConfig):
            nv.write(
                OsalNvIds.STARTUP_OPTION,
                options & ~(t.StartupOptions.ClearState | t.StartupOptions.ClearConfig),
            )
        if int(OsalNvIds.EXTADDR) not in nv.osal:
            nv.write(OsalNvIds.EXTADDR, nv.hardware_ieee)

    # == MT handlers ======================================================================

    # -- SYS ------------------------------------------------------------------------------

    def _ping(self, req: c.SYS.Ping.Req) -> None:
        self._send(req.Rsp(Capabilities=CAPABILITIES))

    def _version(self, req: c.SYS.Version.Req) -> None:
        self._send(
            req.Rsp(
                **VERSION,
                CodeRevision=self.code_revision,
                BootloaderBuildType=c.sys.BootloaderBuildType.NON_BOOTLOADER_BUILD,
                BootloaderRevision=0xFFFFFFFF,
            )
        )

    def _reset(self, req: c.SYS.ResetReq.Req) -> None:
        self._power_on()
        self._send_soon(c.SYS.ResetInd.Callback(Reason=t.ResetReason.PowerUp, **VERSION))

    def _set_tx_power(self, req: c.SYS.SetTxPower.Req) -> None:
        self._send(req.Rsp(StatusOrPower=0))  # Z-Stack 3.30 answers a status

    def _osal_nv_length(self, req: c.SYS.OSALNVLength.Req) -> None:
        self._send(req.Rsp(ItemLen=len(self.nvram.osal.get(int(req.Id), b""))))

    def _osal_nv_read(self, req: Any) -> None:
        value = self.nvram.osal.get(int(req.Id))
        if value is None or req.Offset > len(value):
            self._send(req.Rsp(Status=STATUS.INVALID_PARAMETER, Value=b""))
            return
        chunk = value[req.Offset : req.Offset + MAX_OSAL_CHUNK]
        self._send(req.Rsp(Status=STATUS.SUCCESS, Value=chunk))

    def _osal_nv_write(self, req: Any) -> None:
        value = self.nvram.osal.get(int(req.Id))
        if value is None:
            self._send(req.Rsp(Status=STATUS.NV_ITEM_UNINIT))
            return
        end = req.Offset + len(req.Value)
        if end > len(value):
            self._send(req.Rsp(Status=STATUS.NV_BAD_ITEM_LEN))
            return
        self.nvram.osal[int(req.Id)] = value[: req.Offset] + bytes(req.Value) + value[end:]
        self._send(req.Rsp(Status=STATUS.SUCCESS))

    def _osal_nv_item_init(self, req: c.SYS.OSALNVItemInit.Req) -> None:
        if int(req.Id) in self.nvram.osal:
            self._send(req.Rsp(Status=STATUS.SUCCESS))  # it already existed
            return
        initial = bytes(req.Value)[: req.ItemLen]
        self.nvram.osal[int(req.Id)] = initial.ljust(req.ItemLen, b"\xff")
        self._send(req.Rsp(Status=STATUS.NV_ITEM_UNINIT))  # "created"

    def _osal_nv_delete(self, req: c.SYS.OSALNVDelete.Req) -> None:
        value = self.nvram.osal.get(int(req.Id))
        if value is None:
            status = STATUS.NV_ITEM_UNINIT
        elif len(value) != req.ItemLen:
            status = STATUS.NV_BAD_ITEM_LEN
        else:
            del self.nvram.osal[int(req.Id)]
            status = STATUS.SUCCESS
        self._send(req.Rsp(Status=status))

    def _nv_length(self, req: c.SYS.NVLength.Req) -> None:
        value = self.nvram.get(req.SysId, req.ItemId, req.SubId)
        self._send(req.Rsp(Length=0 if value is None else len(value)))

    def _nv_read(self, req: c.SYS.NVRead.Req) -> None:
        value = self.nvram.get(req.SysId, req.ItemId, req.SubId)
        if value is None or req.Offset > len(value):
            self._send(req.Rsp(Status=STATUS.NV_ITEM_UNINIT, Value=b""))
            return
        size = min(req.Length or MAX_NV_CHUNK, MAX_NV_CHUNK)
        self._send(req.Rsp(Status=STATUS.SUCCESS, Value=value[req.Offset : req.Offset + size]))

    def _nv_write(self, req: c.SYS.NVWrite.Req) -> None:
        value = self.nvram.get(req.SysId, req.ItemId, req.SubId)
        if value is None:
            self._send(req.Rsp(Status=STATUS.NV_ITEM_UNINIT))
            return
        end = req.Offset + len(req.Value)
        if end > len(value):
            self._send(req.Rsp(Status=STATUS.NV_BAD_ITEM_LEN))
            return
        new = value[: req.Offset] + bytes(req.Value) + value[end:]
        self.nvram.put(req.SysId, req.ItemId, req.SubId, new)
        self._send(req.Rsp(Status=STATUS.SUCCESS))

    def _nv_create(self, req: c.SYS.NVCreate.Req) -> None:
        if self.nvram.get(req.SysId, req.ItemId, req.SubId) is not None:
            self._send(req.Rsp(Status=STATUS.SUCCESS))
            return
        self.nvram.put(req.SysId, req.ItemId, req.SubId, b"\xff" * req.Length)
        self._send(req.Rsp(Status=STATUS.NV_ITEM_UNINIT))

    def _nv_delete(self, req: c.SYS.NVDelete.Req) -> None:
        existed = self.nvram.delete(req.SysId, req.ItemId, req.SubId)
        self._send(req.Rsp(Status=STATUS.SUCCESS if existed else STATUS.NV_ITEM_UNINIT))

    # -- UTIL -----------------------------------------------------------------------------

    def _assoc_find_device(self, req: c.UTIL.AssocFindDevice.Req) -> None:
        # 36 bytes = the aligned Z-Stack 3.30 associated_devices_t: zigpy-znp infers the
        # struct alignment from this length.
        self._send(req.Rsp(Device=b"\xff" * 36))

    def _assoc_get_with_address(self, req: c.UTIL.AssocGetWithAddress.Req) -> None:
        unused, _ = c.util.Device.deserialize(b"\x00" * 64, align=ALIGN)
        self._send(req.Rsp(Device=unused.replace(nodeRelation=c.util.NodeRelation.NOTUSED)))

    def _success(self, req: Any) -> None:
        self._send(req.Rsp(Status=STATUS.SUCCESS))

    # -- APP_CONFIG -------------------------------------------------------------------------

    def _bdb_set_channel(self, req: c.AppConfig.BDBSetChannel.Req) -> None:
        if req.IsPrimary:
            self._primary_channels = req.Channel
        self._send(req.Rsp(Status=STATUS.SUCCESS))

    def _bdb_start_commissioning(self, req: c.AppConfig.BDBStartCommissioning.Req) -> None:
        self._send(req.Rsp(Status=STATUS.SUCCESS))
        if not req.Mode & BDB_MODE.NwkFormation:
            self._send_soon(
                c.AppConfig.BDBCommissioningNotification.Callback(
                    Status=BDB.Success, Mode=req.Mode, RemainingModes=BDB_MODE.NONE
                )
            )
            return
        if self.nvram.is_formed:
            # Resuming: Z-Stack restores the network, then reports the formation it was
            # asked for as failed (it is already on a network).
            self.started = True
            self._send_soon(
                c.AppConfig.BDBCommissioningNotification.Callback(
                    Status=BDB.NetworkRestored,
                    Mode=BDB_MODE.NONE,
                    RemainingModes=BDB_MODE.NwkFormation,
                ),
                c.ZDO.StateChangeInd.Callback(State=t.DeviceState.StartedAsCoordinator),
                c.AppConfig.BDBCommissioningNotification.Callback(
                    Status=BDB.FormationFailure,
                    Mode=BDB_MODE.NwkFormation,
                    RemainingModes=BDB_MODE.NONE,
                ),
            )
            return
        self._form_network()
        self.started = True
        self._send_soon(
            c.AppConfig.BDBCommissioningNotification.Callback(
                Status=BDB.InProgress,
                Mode=BDB_MODE.NwkFormation,
                RemainingModes=BDB_MODE.NwkFormation,
            ),
            c.ZDO.StateChangeInd.Callback(State=t.DeviceState.StartingAsCoordinator),
            c.ZDO.StateChangeInd.Callback(State=t.DeviceState.StartedAsCoordinator),
            c.AppConfig.BDBCommissioningNotification.Callback(
                Status=BDB.Success, Mode=BDB_MODE.NwkFormation, RemainingModes=BDB_MODE.NONE
            ),
        )

    def _form_network(self) -> None:
        """Formation from the commissioning settings in NV (PAN id 0xFFFF = pick one,
        extended PAN id 0 = use our IEEE, the primary channel mask or CHANLIST)."""
        nv = self.nvram
        mask = self._primary_channels or nv.read(OsalNvIds.CHANLIST, t.Channels)
        channels = list(mask or []) or [11]
        pan_id = nv.read(OsalNvIds.PANID, t.uint16_t, 0xFFFF)
        if pan_id in (0xFFFF, 0xFFFE, 0x0000):
            pan_id = self._rng.randint(0x0001, 0xFFF7)
        epid = nv.read(OsalNvIds.APS_USE_EXT_PANID, t.EUI64)
        if epid is None or epid in (t.EUI64(bytes(8)), t.EUI64(b"\xff" * 8)):
            epid = nv.ieee
        key = nv.read(OsalNvIds.PRECFGKEY, t.KeyData)
        if key is None or key == t.KeyData(bytes(16)):
            key = t.KeyData(self._rng.randbytes(16))
        write_network(
            nv,
            channel=channels[0],
            pan_id=pan_id,
            extended_pan_id=epid,
            network_key=key,
            channel_mask=mask,
        )
        if int(OsalNvIds.TCLK_SEED) not in nv.osal:
            nv.write(OsalNvIds.TCLK_SEED, t.KeyData(self._rng.randbytes(16)))

    # -- AF ---------------------------------------------------------------------------------

    def _af_register(self, req: c.AF.Register.Req) -> None:
        if req.Endpoint in self.endpoints:
            self._send(req.Rsp(Status=STATUS.APS_DUPLICATE_ENTRY))
            return
        self.endpoints[req.Endpoint] = req
        self._send(req.Rsp(Status=STATUS.SUCCESS))

    def _af_data_request(self, req: Any) -> None:
        if isinstance(req, c.AF.DataRequestSrcRtg.Req):
            dst = zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=req.DstAddr)
        else:
            dst = req.DstAddrModeAddress.as_zigpy_type()
        group = dst.addr_mode == zt.AddrMode.Group
        # A groupcast has no destination endpoint (zigpy-znp sends 0): every member
        # endpoint gets it. Otherwise endpoint 0 means ZDO.
        zdo = req.DstEndpoint == ZDO_ENDPOINT and not group
        if zdo:
            profile = ZDO_PROFILE
        elif req.SrcEndpoint in self.endpoints:
            profile = int(self.endpoints[req.SrcEndpoint].ProfileId)
        else:
            self._send(req.Rsp(Status=STATUS.INVALID_PARAMETER))  # unregistered source ep
            return
        self._send(req.Rsp(Status=STATUS.SUCCESS))
        packet = zt.ZigbeePacket(
            src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=self.nwk),
            src_ep=req.SrcEndpoint,
            dst=dst,
            dst_ep=None if group else req.DstEndpoint,
            tsn=req.TSN,
            profile_id=profile,
            cluster_id=req.ClusterId,
            data=zt.SerializableBytes(bytes(req.Data)),
            radius=req.Radius,
        )
        status = STATUS.SUCCESS
        if self.network.is_coordinator(dst, self.ieee):
            self._loopback(packet)
        else:
            try:
                self.network.deliver(packet)
            except zigpy.exceptions.DeliveryError as exc:
                status = _mt_status(exc.status)
        # ZDO requests and broadcasts get no AF.DataConfirm (zigpy-znp waits for none)
        if not zdo and dst.addr_mode != zt.AddrMode.Broadcast:
            self._send_soon(
                c.AF.DataConfirm.Callback(Status=status, Endpoint=req.SrcEndpoint, TSN=req.TSN)
            )

    # -- ZDO --------------------------------------------------------------------------------

    def _permit_join(self, req: c.ZDO.MgmtPermitJoinReq.Req) -> None:
        own = req.AddrMode == t.AddrMode.NWK and req.Dst == self.nwk
        if own or req.AddrMode == t.AddrMode.Broadcast:
            self.permit_until = time.monotonic() + req.Duration if req.Duration else 0.0
        src = req.Dst if req.AddrMode == t.AddrMode.NWK else self.nwk
        self._send(req.Rsp(Status=STATUS.SUCCESS))
        self._send_soon(c.ZDO.MgmtPermitJoinRsp.Callback(Src=src, Status=zdo_t.Status.SUCCESS))

    def _ext_route_chk(self, req: c.ZDO.ExtRouteChk.Req) -> None:
        self._send(req.Rsp(Status=c.zdo.RoutingStatus.SUCCESS))

    def _mgmt_nwk_update(self, req: c.ZDO.MgmtNWKUpdateReq.Req) -> None:
        self._send(req.Rsp(Status=STATUS.SUCCESS))
        if req.ScanDuration == zdo_t.NwkUpdate.CHANNEL_CHANGE_REQ:
            self._change_channel(next(iter(req.Channels)))

    def _change_channel(self, channel: int) -> None:
        nib = self.nvram.nib
        if nib is not None:
            self.nvram.write(
                OsalNvIds.NIB,
                nib.replace(nwkLogicalChannel=channel, nwkUpdateId=(nib.nwkUpdateId + 1) & 0xFF),
            )

    def _loopback(self, packet: zt.ZigbeePacket) -> None:
        """ZDO requests zigpy sends the coordinator itself (its self-interview, energy
        scans): answered by the stack, as a ZDO message callback."""
        if packet.dst_ep != ZDO_ENDPOINT:
            return
        try:
            hdr, args = parse_zdo(packet.cluster_id, packet.data.serialize())
        except (ValueError, KeyError):
            return
        answer = self._coordinator_zdo(hdr.command_id, args)
        if answer is None:
            return
        command = zdo_t.ZDOCmd(hdr.command_id | 0x8000)
        if command not in zdo_t.CLUSTERS:
            return
        self._send_soon(
            c.ZDO.MsgCbIncoming.Callback(
                Src=self.nwk,
                IsBroadcast=False,
                ClusterId=command,
                SecurityUse=0,
                TSN=hdr.tsn,
                MacDst=self.nwk,
                Data=zdo_frame(hdr.tsn, command, answer)[1:],
            )
        )

    def _coordinator_zdo(self, command: zdo_t.ZDOCmd, args: list[Any]) -> list[Any] | None:
        ok = zdo_t.Status.SUCCESS
        nwk = zt.NWK(self.nwk)
        if command == zdo_t.ZDOCmd.Node_Desc_req:
            return [ok, nwk, self._node_descriptor()]
        if command == zdo_t.ZDOCmd.Active_EP_req:
            return [ok, nwk, sorted(self.endpoints)]
        if command == zdo_t.ZDOCmd.Simple_Desc_req:
            reg = self.endpoints.get(args[1])
            if reg is None:
                return [zdo_t.Status.NOT_ACTIVE, nwk, None]
            return [
                ok,
                nwk,
                zdo_t.SizePrefixedSimpleDescriptor(
                    endpoint=reg.Endpoint,
                    profile=reg.ProfileId,
                    device_type=reg.DeviceId,
                    device_version=reg.DeviceVersion,
                    input_clusters=list(reg.InputClusters),
                    output_clusters=list(reg.OutputClusters),
                ),
            ]
        if command == zdo_t.ZDOCmd.Mgmt_NWK_Update_req:
            update: zdo_t.NwkUpdate = args[0]
            if update.ScanDuration == zdo_t.NwkUpdate.CHANNEL_CHANGE_REQ:
                self._change_channel(next(iter(update.ScanChannels)))
                return None
            if update.ScanDuration > 0x05:
                return None
            channels = list(update.ScanChannels)
            energies = [60 if ch in (12, 13, 17, 18, 22, 23) else 12 for ch in channels]
            return [ok, update.ScanChannels, 0, 0, energies]
        if command == zdo_t.ZDOCmd.Mgmt_Rtg_req:
            return [ok, zdo_t.Routes(Entries=0, StartIndex=args[0], RoutingTableList=[])]
        return [zdo_t.Status.NOT_SUPPORTED]

    def _node_descriptor(self) -> zdo_t.NodeDescriptor:
        flags = zdo_t.MACCapabilityFlags
        return zdo_t.NodeDescriptor(
            logical_type=zdo_t.LogicalType.Coordinator,
            complex_descriptor_available=0,
            user_descriptor_available=0,
            reserved=0,
            aps_flags=0,
            frequency_band=zdo_t.NodeDescriptor.FrequencyBand.Freq2400MHz,
            mac_capability_flags=(
                flags.AlternatePanCoordinator
                | flags.FullFunctionDevice
                | flags.MainsPowered
                | flags.RxOnWhenIdle
                | flags.AllocateAddress
            ),
            manufacturer_code=0x0000,
            maximum_buffer_size=80,
            maximum_incoming_transfer_size=160,
            server_mask=0x2C41,
            maximum_outgoing_transfer_size=160,
            descriptor_capability_field=zdo_t.NodeDescriptor.DescriptorCapability.NONE,
        )


_HANDLERS: dict[type, Callable[[ZStackEmulator, Any], None]] = {
    c.SYS.Ping.Req: ZStackEmulator._ping,
    c.SYS.Version.Req: ZStackEmulator._version,
    c.SYS.ResetReq.Req: ZStackEmulator._reset,
    c.SYS.SetTxPower.Req: ZStackEmulator._set_tx_power,
    c.SYS.OSALNVLength.Req: ZStackEmulator._osal_nv_length,
    c.SYS.OSALNVRead.Req: ZStackEmulator._osal_nv_read,
    c.SYS.OSALNVReadExt.Req: ZStackEmulator._osal_nv_read,
    c.SYS.OSALNVWrite.Req: ZStackEmulator._osal_nv_write,
    c.SYS.OSALNVWriteExt.Req: ZStackEmulator._osal_nv_write,
    c.SYS.OSALNVItemInit.Req: ZStackEmulator._osal_nv_item_init,
    c.SYS.OSALNVDelete.Req: ZStackEmulator._osal_nv_delete,
    c.SYS.NVLength.Req: ZStackEmulator._nv_length,
    c.SYS.NVRead.Req: ZStackEmulator._nv_read,
    c.SYS.NVWrite.Req: ZStackEmulator._nv_write,
    c.SYS.NVCreate.Req: ZStackEmulator._nv_create,
    c.SYS.NVDelete.Req: ZStackEmulator._nv_delete,
    c.UTIL.AssocFindDevice.Req: ZStackEmulator._assoc_find_device,
    c.UTIL.AssocGetWithAddress.Req: ZStackEmulator._assoc_get_with_address,
    c.UTIL.AssocRemove.Req: ZStackEmulator._success,
    c.UTIL.AssocAdd.Req: ZStackEmulator._success,
    c.UTIL.LEDControl.Req: ZStackEmulator._success,
    c.AppConfig.BDBSetChannel.Req: ZStackEmulator._bdb_set_channel,
    c.AppConfig.BDBStartCommissioning.Req: ZStackEmulator._bdb_start_commissioning,
    c.AppConfig.BDBAddInstallCode.Req: ZStackEmulator._success,
    c.AppConfig.BDBSetJoinUsesInstallCodeKey.Req: ZStackEmulator._success,
    c.AF.Register.Req: ZStackEmulator._af_register,
    c.AF.DataRequestExt.Req: ZStackEmulator._af_data_request,
    c.AF.DataRequestSrcRtg.Req: ZStackEmulator._af_data_request,
    c.ZDO.MsgCallbackRegister.Req: ZStackEmulator._success,
    c.ZDO.MgmtPermitJoinReq.Req: ZStackEmulator._permit_join,
    c.ZDO.ExtRouteChk.Req: ZStackEmulator._ext_route_chk,
    c.ZDO.ExtRouteDisc.Req: ZStackEmulator._success,
    c.ZDO.MgmtNWKUpdateReq.Req: ZStackEmulator._mgmt_nwk_update,
}
