"""An emulated Silicon Labs EmberZNet NCP (ASH + EZSP v13 over TCP) for the real bellows.

``FakeEzspNcp`` listens on 127.0.0.1 and is reached as ``socket://127.0.0.1:PORT``, like a
network-attached stick or zigbeed. Everything on the wire is encoded and decoded with
bellows' own pieces: the ASH framing is ``bellows.ash.AshProtocol`` (subclassed as the NCP
end), the command tables are ``bellows.ezsp.v13.EZSPv13.COMMANDS`` and the payloads are
``bellows.types``. Nothing is copied from bellows' test suite.

Behind the radio sits the same :class:`radio.sim.SimNetwork` as behind the virtual radio:
``sendUnicast``/``sendMulticast``/``sendBroadcast`` become ``SimNetwork.deliver``, frames
devices send become ``incomingMessageHandler`` callbacks, and a device's first
``Device_annce`` is preceded by ``trustCenterJoinHandler``, as a real trust center does.

Typical use::

    ncp = FakeEzspNcp(EzspNvram.formed(ieee="00:0b:57:ff:fe:00:00:01", channel=15))
    await ncp.start()
    ... Daemon(radio=RadioSettings("ezsp", ncp.url, ...)) ...
    ncp.network.join(dimmable_light(...))
    assert "formNetwork" not in ncp.command_names()
    await ncp.restart()  # power-cycle: RAM is lost, ``ncp.nvram`` is kept

The NCP is pinned to EZSP v13 (EmberZNet 7.4.x): it answers bellows' legacy version(4)
probe with 13 and bellows switches to its v13 protocol class.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any, Literal

import bellows.ash as ash
import bellows.types as t
import zigpy.types as zt
import zigpy.zdo.types as zdo_t
from bellows.ezsp.v13 import EZSPv13

from radio.sim.network import SimNetwork
from radio.sim.zcl import COORDINATOR_NWK, ZDO_ENDPOINT, ZDO_PROFILE, parse_zdo
from radio.sim.zdo import reply as zdo_reply

from .ezsp_nvram import Child, EzspNvram, LinkKey

LOGGER = logging.getLogger(__name__)

EZSP_VERSION = 13
STACK_TYPE = 2  # mesh stack
STACK_VERSION = (7, 4, 3, 0)  # EmberZNet 7.4.3.0: EZSP v13
STACK_BUILD = 0
MFG_STRING = b"zigbridge"
MFG_BOARD_NAME = b"FakeEzspNcp"
MANUFACTURER_CODE = 0x1049  # Silicon Labs

COMMANDS = EZSPv13.COMMANDS
COMMANDS_BY_ID = {frame_id: name for name, (frame_id, _, _) in COMMANDS.items()}
VERSION_FRAME_ID = COMMANDS["version"][0]

# Commands that change what the stick keeps across a power cycle (or its network): a
# failed start-up must send none of them.
NVRAM_WRITES = frozenset(
    {
        "formNetwork",
        "leaveNetwork",
        "setInitialSecurityState",
        "setTokenData",
        "setMfgToken",
        "tokenFactoryReset",
        "clearKeyTable",
        "importLinkKey",
        "importKey",
        "setChildData",
        "eraseKeyTableEntry",
    }
)
# setValue writes a token only for these values
_COUNTER_VALUES = frozenset(
    {t.EzspValueId.VALUE_NWK_FRAME_COUNTER, t.EzspValueId.VALUE_APS_FRAME_COUNTER}
)

# Setters and queries a running stack just acknowledges: their all-zero reply means
# SUCCESS / nothing to report.
ACKNOWLEDGED = frozenset(
    {
        "setPolicy",
        "setConcentrator",
        "setSourceRouteDiscoveryMode",
        "setManufacturerCode",
        "setRadioPower",
        "gpSinkTableClearAll",
        "gpProxyTableProcessGpPairing",
        "setExtendedTimeout",
        "setSourceRoute",
        "nop",
        "importTransientKey",
        "clearTransientLinkKeys",
    }
)

CONFIG_DEFAULTS: dict[t.EzspConfigId, int] = {
    t.EzspConfigId.CONFIG_SECURITY_LEVEL: 5,
    t.EzspConfigId.CONFIG_KEY_TABLE_SIZE: 4,
    t.EzspConfigId.CONFIG_ADDRESS_TABLE_SIZE: 8,
    t.EzspConfigId.CONFIG_MULTICAST_TABLE_SIZE: 8,
    t.EzspConfigId.CONFIG_ROUTE_TABLE_SIZE: 16,
    t.EzspConfigId.CONFIG_SOURCE_ROUTE_TABLE_SIZE: 7,
    t.EzspConfigId.CONFIG_MAX_END_DEVICE_CHILDREN: 6,
    t.EzspConfigId.CONFIG_STACK_PROFILE: 2,
    t.EzspConfigId.CONFIG_PACKET_BUFFER_COUNT: 75,
    t.EzspConfigId.CONFIG_SUPPORTED_NETWORKS: 1,
}

Mode = Literal["ezsp", "silent", "ash-only"]


@dataclass(frozen=True)
class EzspCommand:
    """One EZSP command the host sent, decoded with bellows' schema."""

    name: str
    args: dict[str, Any]
    session: int  # 1 for the first TCP connection, 2 for the next, ...

    @property
    def writes_nvram(self) -> bool:
        if self.name == "setValue":
            return self.args.get("valueId") in _COUNTER_VALUES
        return self.name in NVRAM_WRITES


@dataclass
class _Endpoint:
    endpoint: int
    profile: int
    device_type: int
    device_version: int
    input_clusters: list[int]
    output_clusters: list[int]


@dataclass
class _Ram:
    """What the NCP forgets on every reset."""

    network_up: bool = False
    endpoints: dict[int, _Endpoint] = field(default_factory=dict)
    multicast: dict[int, t.EmberMulticastTableEntry] = field(default_factory=dict)
    config: dict[t.EzspConfigId, int] = field(default_factory=lambda: dict(CONFIG_DEFAULTS))
    values: dict[t.EzspValueId, bytes] = field(default_factory=dict)
    security: t.EmberInitialSecurityState | None = None
    permit_until: float = 0.0
    address_table: dict[int, tuple[t.EUI64, int]] = field(default_factory=dict)
    eui64: t.EUI64 | None = None  # latched at boot


def _zero(typ: Any) -> Any:
    """The all-zero value of a bellows/zigpy type (SUCCESS for a status enum)."""
    if isinstance(typ, type) and issubclass(typ, list) and getattr(typ, "_length", None) is None:
        return typ([])
    value, _ = typ.deserialize(bytes(128))
    return value


def _coerce(typ: Any, value: Any) -> Any:
    return value if isinstance(value, typ) else typ(value)


class _NcpAsh(ash.AshProtocol):
    """bellows' ASH state machine, used from the NCP end of the line."""

    def __init__(self, ncp: FakeEzspNcp) -> None:
        super().__init__(_EzspEndpoint(ncp, self))
        self.ncp = ncp

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if not self.ncp._connection_made(self, transport):  # type: ignore[arg-type]
            transport.close()
            return
        super().connection_made(transport)

    def send_rstack(self, code: t.NcpResetCode) -> None:
        self._tx_seq = 0
        self._rx_seq = 0
        self._cancel_pending_data_frames(ash.NcpFailure(code=code))
        with contextlib.suppress(ash.NcpFailure):
            self._write_frame(ash.RStackFrame(version=2, reset_code=code))

    async def send_frame(self, data: bytes) -> None:
        """Send one DATA frame and wait for the host's ACK (retransmitting like bellows).

        Unlike ``send_data`` this is not shielded, so cancelling it on a reset or a
        dropped connection leaves no orphan task behind."""
        await self._send_data_frame(
            ash.DataFrame(frm_num=None, re_tx=None, ack_num=None, ezsp_frame=data)
        )

    def rst_frame_received(self, frame: ash.RstFrame) -> None:
        super().rst_frame_received(frame)
        self.ncp._reboot(t.NcpResetCode.RESET_SOFTWARE)


class _EzspEndpoint:
    """The "protocol" AshProtocol hands whole EZSP frames to."""

    def __init__(self, ncp: FakeEzspNcp, ash_protocol: _NcpAsh) -> None:
        self.ncp = ncp
        self.ash = ash_protocol

    def connection_made(self, _ash: Any) -> None:
        pass

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.ncp._ash is self.ash:
            self.ncp._connection_lost(exc)

    def eof_received(self) -> None:
        pass

    def reset_received(self, code: t.NcpResetCode) -> None:
        pass

    def error_received(self, code: t.NcpResetCode) -> None:
        pass

    def data_received(self, frame: bytes) -> None:
        self.ncp._frame_received(frame)


class _Silent(asyncio.Protocol):
    """A port that accepts the connection and never says a word."""

    def __init__(self, ncp: FakeEzspNcp) -> None:
        self.ncp = ncp

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.ncp._transport = transport  # type: ignore[assignment]
        self.ncp.sessions += 1

    def data_received(self, data: bytes) -> None:
        self.ncp.raw_received += data

    def connection_lost(self, exc: BaseException | None) -> None:
        self.ncp._transport = None


class FakeEzspNcp:
    """An EmberZNet NCP on a TCP port, with a simulated Zigbee network behind it.

    * ``nvram`` (:class:`EzspNvram`) is the stick's persistent memory; it survives
      :meth:`close`, :meth:`kill` and :meth:`restart`, RAM state (endpoints, multicast
      table, whether the network is up) does not.
    * ``network`` is the :class:`SimNetwork` the radio talks to; put devices on the air
      with ``network.join(device)`` (factory-new, needs permit join) or
      ``network.attach(device)`` (already known, after a restart).
    * ``commands`` records every EZSP command received (see :meth:`writes`).
    * ``mode``: ``"ezsp"`` (normal), ``"silent"`` (the port accepts and never answers, a
      dead stick or a wrong device) or ``"ash-only"`` (ASH resets work, EZSP is never
      answered: a hung firmware).
    """

    def __init__(
        self,
        nvram: EzspNvram,
        *,
        network: SimNetwork | None = None,
        mode: Mode = "ezsp",
        enforce_permit_join: bool = True,
        member_of_all_groups: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        boot_delay: float = 0.02,
    ) -> None:
        self.nvram = nvram
        self.network = network if network is not None else SimNetwork()
        self.network.uplink = self._uplink
        self.network.on_leave = self._device_left
        self.mode: Mode = mode
        self.enforce_permit_join = enforce_permit_join
        self.member_of_all_groups = member_of_all_groups
        self.host = host
        self.port = port
        self.boot_delay = boot_delay

        self.commands: list[EzspCommand] = []
        self.unhandled: list[EzspCommand] = []  # commands the emulator does not know
        self.errors: list[EzspCommand] = []  # commands the emulator failed on (its bugs)
        self.refused_joins: list[t.EUI64] = []
        # Device groupcasts the firmware did not pass up (group not in its multicast table)
        self.dropped_groupcasts: list[zt.ZigbeePacket] = []
        self.raw_received = bytearray()  # bytes seen in "silent" mode
        self.sessions = 0

        self._server: asyncio.Server | None = None
        self._transport: asyncio.Transport | None = None
        self._ash: _NcpAsh | None = None
        self._ram = _Ram()
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._writer: asyncio.Task | None = None
        self._boot: asyncio.TimerHandle | None = None
        self._last_seq = 0
        self._aps_seq = 0
        self._connected = asyncio.Event()

    # -- constructors and lifecycle -----------------------------------------------------

    @classmethod
    def formed(cls, **kwargs: Any) -> FakeEzspNcp:
        """A stick holding a network; keyword arguments go to :meth:`EzspNvram.formed`."""
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in _NCP_OPTIONS}
        return cls(EzspNvram.formed(**kwargs), **options)

    @classmethod
    def blank(cls, ieee: t.EUI64 | str, **options: Any) -> FakeEzspNcp:
        """A factory-new stick: bellows (zigpy's ``auto_form``) forms the network."""
        return cls(EzspNvram.blank(ieee), **options)

    @property
    def url(self) -> str:
        return f"socket://{self.host}:{self.port}"

    @property
    def connected(self) -> bool:
        return self._transport is not None

    @property
    def network_up(self) -> bool:
        return self._ram.network_up

    @property
    def eui64(self) -> t.EUI64:
        return self._ram.eui64 or self.nvram.eui64

    async def start(self) -> FakeEzspNcp:
        """Listen (on the same port again after :meth:`close`/:meth:`kill`)."""
        if self._server is not None:
            return self
        loop = asyncio.get_running_loop()
        factory = (lambda: _Silent(self)) if self.mode == "silent" else (lambda: _NcpAsh(self))
        self._server = await loop.create_server(factory, self.host, self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        """Stop listening and close the host's connection cleanly (unplug, politely)."""
        await self._shutdown(abort=False)

    async def kill(self) -> None:
        """Drop the connection at once (the stick is yanked out)."""
        await self._shutdown(abort=True)

    async def restart(self) -> None:
        """Power-cycle: the connection drops, RAM is lost, the NVRAM stays."""
        await self.kill()
        await self.start()

    def crash(self, code: t.NcpResetCode = t.NcpResetCode.RESET_WATCHDOG) -> None:
        """The firmware resets on its own (watchdog, assert) while the host is connected:
        RAM is lost and an unsolicited RSTACK goes out, which bellows treats as a failure."""
        if self._ash is not None:
            self._reboot(code)

    async def __aenter__(self) -> FakeEzspNcp:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_connected(self, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    async def _shutdown(self, *, abort: bool) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        transport = self._transport
        if transport is not None:
            if abort:
                transport.abort()
            else:
                transport.close()
        self._connection_lost(None)
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    # -- record -------------------------------------------------------------------------

    def command_names(self, session: int | None = None) -> list[str]:
        return [c.name for c in self.commands if session is None or c.session == session]

    def commands_named(self, name: str) -> list[EzspCommand]:
        return [c for c in self.commands if c.name == name]

    def writes(self, session: int | None = None) -> list[EzspCommand]:
        """Commands that changed (or would change) the stick's persistent state."""
        return [
            c for c in self.commands if c.writes_nvram and (session is None or c.session == session)
        ]

    def sent_to(self, nwk: int) -> list[EzspCommand]:
        """``sendUnicast`` commands addressed to a NWK address."""
        return [
            c
            for c in self.commands
            if c.name == "sendUnicast" and int(c.args["indexOrDestination"]) == nwk
        ]

    # -- connection ---------------------------------------------------------------------

    def _connection_made(self, ash_protocol: _NcpAsh, transport: asyncio.Transport) -> bool:
        if self._transport is not None:
            LOGGER.warning("Refusing a second client: the NCP has one serial port")
            return False
        self._transport = transport
        self._ash = ash_protocol
        self.sessions += 1
        self._connected.set()
        # Power-on: like zigbeed, announce the (re)boot with RSTACK once the host listens
        loop = asyncio.get_running_loop()
        self._boot = loop.call_later(self.boot_delay, self._reboot, t.NcpResetCode.RESET_POWER_ON)
        return True

    def _connection_lost(self, exc: BaseException | None) -> None:
        if self._boot is not None:
            self._boot.cancel()
            self._boot = None
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        self._transport = None
        self._ash = None
        self._connected.clear()
        self._ram = _Ram()
        self._outbox = asyncio.Queue()

    def _reboot(self, code: t.NcpResetCode) -> None:
        """Reset: RAM state is lost; answer with RSTACK."""
        self._boot = None
        if self._writer is not None:
            self._writer.cancel()
        self._outbox = asyncio.Queue()
        self._ram = _Ram(eui64=self.nvram.eui64)
        if self._ash is None:
            return
        self._ash.send_rstack(code)
        self._writer = asyncio.get_running_loop().create_task(self._write_loop(self._ash))

    async def _write_loop(self, ash_protocol: _NcpAsh) -> None:
        outbox = self._outbox
        while True:
            frame = await outbox.get()
            try:
                await ash_protocol.send_frame(frame)
            except (ash.NcpFailure, ash.NotAcked, TimeoutError, RuntimeError) as exc:
                LOGGER.debug("NCP frame not delivered to the host: %r", exc)
                if self._transport is None:
                    return

    # -- EZSP framing -------------------------------------------------------------------

    def _frame_received(self, data: bytes) -> None:
        if self.mode == "ash-only" or len(data) < 3:
            return
        if data[2] == 0x00:  # legacy header [seq, fc, id]: only `version` is understood
            seq, frame_id, params = data[0], data[2], data[3:]
            legacy = True
        elif data[2] == 0x01 and len(data) >= 5:  # [seq, fc_lo, fc_hi, id_lo, id_hi]
            seq = data[0]
            frame_id, params = t.uint16_t.deserialize(data[3:])
            legacy = False
        else:
            LOGGER.warning("Unsupported EZSP frame format: %s", data.hex())
            return
        self._last_seq = seq
        name = COMMANDS_BY_ID.get(frame_id)
        if name is None or (legacy and frame_id != VERSION_FRAME_ID):
            self._respond(seq, "invalidCommand", {"status": t.EzspStatus.ERROR_INVALID_FRAME_ID})
            return
        args = self._decode(name, params)
        command = EzspCommand(name, args, self.sessions)
        self.commands.append(command)
        LOGGER.debug("NCP received %s(%s)", name, args)
        handler = getattr(self, f"_cmd_{name}", None)
        if handler is None and name not in ACKNOWLEDGED:
            self.unhandled.append(command)
            LOGGER.warning("NCP emulator does not implement %s; answering invalidCommand", name)
            self._respond(seq, "invalidCommand", {"status": t.EzspStatus.ERROR_INVALID_FRAME_ID})
            return
        try:
            fields, callbacks = handler(args) if handler is not None else {}, []
            if isinstance(fields, tuple):
                fields, callbacks = fields
            self._respond(seq, name, fields or {}, legacy=legacy)
        except Exception:  # a bug in the emulator: keep serving, let the test see it
            LOGGER.exception("NCP emulator failed on %s(%s)", name, args)
            self.errors.append(command)
            self._respond(seq, "invalidCommand", {"status": t.EzspStatus.ERROR_INVALID_VALUE})
            return
        for cb_name, cb_fields in callbacks:
            self.callback(cb_name, **cb_fields)

    @staticmethod
    def _decode(name: str, params: bytes) -> dict[str, Any]:
        _, tx_schema, _ = COMMANDS[name]
        if name == "addEndpoint":
            # Two anonymous cluster lists back to back: split them by the counts.
            head = dict(tx_schema)
            head.pop("inputClusterList")
            head.pop("outputClusterList")
            values, rest = t.deserialize_dict(params, head)
            ids = [int.from_bytes(rest[i : i + 2], "little") for i in range(0, len(rest) - 1, 2)]
            n_in = values["inputClusterCount"]
            values["inputClusterList"] = ids[:n_in]
            values["outputClusterList"] = ids[n_in : n_in + values["outputClusterCount"]]
            return values
        if isinstance(tx_schema, dict):
            values, _ = t.deserialize_dict(params, tx_schema)
            return values
        value, _ = tx_schema.deserialize(params)
        return {"request": value}

    def _encode(self, name: str, fields: dict[str, Any]) -> bytes:
        _, _, rx_schema = COMMANDS[name]
        if not isinstance(rx_schema, dict):
            return rx_schema(**fields).serialize()
        unknown = set(fields) - set(rx_schema)
        if unknown:
            raise ValueError(f"{name} has no fields {unknown}")
        return b"".join(
            (_coerce(typ, fields[key]) if key in fields else _zero(typ)).serialize()
            for key, typ in rx_schema.items()
        )

    def _respond(
        self, seq: int, name: str, fields: dict[str, Any], *, legacy: bool = False
    ) -> None:
        frame_id = COMMANDS[name][0]
        payload = self._encode(name, fields)
        if legacy:
            header = bytes([seq, 0x80, frame_id])
        else:
            header = bytes([seq, 0x80, 0x01]) + t.uint16_t(frame_id).serialize()
        self._send(header + payload)

    def callback(self, name: str, **fields: Any) -> None:
        """Send an asynchronous callback frame (e.g. ``stackStatusHandler``)."""
        frame_id = COMMANDS[name][0]
        # A callback carries a sequence number the host is not waiting on: the last one
        # it used, whose response has already gone out.
        header = bytes([self._last_seq, 0x90, 0x01]) + t.uint16_t(frame_id).serialize()
        self._send(header + self._encode(name, fields))

    def _send(self, frame: bytes) -> None:
        if self._ash is None:
            return
        self._outbox.put_nowait(frame)

    # -- start-up and identity ----------------------------------------------------------

    def _cmd_version(self, args: dict) -> dict:
        major, minor, patch, special = STACK_VERSION
        return {
            "protocolVersion": EZSP_VERSION,
            "stackType": STACK_TYPE,
            "stackVersion": (major << 12) | (minor << 8) | (patch << 4) | special,
        }

    def _cmd_customFrame(self, args: dict) -> dict:
        # No XNCP extensions: the probe fails like on stock firmware
        return {"status": t.EmberStatus.INVALID_CALL, "reply": b""}

    def _cmd_getMfgToken(self, args: dict) -> dict:
        token = args["tokenId"]
        data = {
            t.EzspMfgTokenId.MFG_STRING: MFG_STRING.ljust(16, b"\x00"),
            t.EzspMfgTokenId.MFG_BOARD_NAME: MFG_BOARD_NAME.ljust(16, b"\x00"),
            t.EzspMfgTokenId.MFG_CUSTOM_EUI_64: self.nvram.mfg_custom_eui64.serialize(),
            t.EzspMfgTokenId.MFG_MANUF_ID: t.uint16_t(MANUFACTURER_CODE).serialize(),
        }.get(token, b"\xff" * 2)
        return {"tokenData": data}

    def _cmd_setMfgToken(self, args: dict) -> dict:
        if args["tokenId"] != t.EzspMfgTokenId.MFG_CUSTOM_EUI_64:
            return {"status": t.EmberStatus.BAD_ARGUMENT}
        if self.nvram.mfg_custom_eui64 != t.EUI64.convert("FF:FF:FF:FF:FF:FF:FF:FF"):
            return {"status": t.EmberStatus.ERR_FLASH_WRITE_INHIBITED}  # USERDATA is write-once
        self.nvram.mfg_custom_eui64, _ = t.EUI64.deserialize(args["tokenData"])
        return {"status": t.EmberStatus.SUCCESS}

    def _cmd_getTokenData(self, args: dict) -> dict:
        data = self.nvram.read_token(int(args["token"]), int(args["index"]))
        if data is None:
            return {"status": t.EmberStatus.NOT_FOUND}
        return {"status": t.EmberStatus.SUCCESS, "value": t.LVBytes32(data)}

    def _cmd_setTokenData(self, args: dict) -> dict:
        ok = self.nvram.write_token(int(args["token"]), int(args["index"]), args["token_data"])
        return {"status": t.EmberStatus.SUCCESS if ok else t.EmberStatus.NOT_FOUND}

    def _cmd_getValue(self, args: dict) -> dict:
        value_id = args["valueId"]
        if value_id == t.EzspValueId.VALUE_VERSION_INFO:
            major, minor, patch, special = STACK_VERSION
            data = t.uint16_t(STACK_BUILD).serialize() + bytes([major, minor, patch, special])
        elif value_id == t.EzspValueId.VALUE_FREE_BUFFERS:
            data = bytes([200])
        elif value_id == t.EzspValueId.VALUE_NWK_FRAME_COUNTER:
            data = t.uint32_t(self.nvram.nwk_frame_counter).serialize()
        elif value_id == t.EzspValueId.VALUE_APS_FRAME_COUNTER:
            data = t.uint32_t(self.nvram.aps_frame_counter).serialize()
        elif value_id in self._ram.values:
            data = self._ram.values[value_id]
        else:
            return {"status": t.EzspStatus.ERROR_INVALID_ID, "value": b""}
        return {"status": t.EzspStatus.SUCCESS, "value": data}

    def _cmd_setValue(self, args: dict) -> dict:
        value_id, data = args["valueId"], bytes(args["value"])
        counters = (t.EzspValueId.VALUE_NWK_FRAME_COUNTER, t.EzspValueId.VALUE_APS_FRAME_COUNTER)
        if value_id in counters:
            if self._ram.network_up:  # only settable before the network is up
                return {"status": t.EzspStatus.ERROR_INVALID_CALL}
            counter, _ = t.uint32_t.deserialize(data)
            if value_id == t.EzspValueId.VALUE_NWK_FRAME_COUNTER:
                self.nvram.nwk_frame_counter = int(counter)
            else:
                self.nvram.aps_frame_counter = int(counter)
        else:
            self._ram.values[value_id] = data
        return {"status": t.EzspStatus.SUCCESS}

    def _cmd_getConfigurationValue(self, args: dict) -> dict:
        return {"status": t.EzspStatus.SUCCESS, "value": self._ram.config.get(args["configId"], 0)}

    def _cmd_setConfigurationValue(self, args: dict) -> dict:
        if self._ram.network_up:  # the stack sizes its tables before networkInit only
            return {"status": t.EzspStatus.ERROR_INVALID_CALL}
        self._ram.config[args["configId"]] = int(args["value"])
        return {"status": t.EzspStatus.SUCCESS}

    def _cmd_addEndpoint(self, args: dict) -> dict:
        ep = int(args["endpoint"])
        if ep in self._ram.endpoints or self._ram.network_up:
            return {"status": t.EzspStatus.ERROR_INVALID_CALL}
        self._ram.endpoints[ep] = _Endpoint(
            endpoint=ep,
            profile=int(args["profileId"]),
            device_type=int(args["deviceId"]),
            device_version=int(args["deviceVersion"]),
            input_clusters=[int(c) for c in args["inputClusterList"]],
            output_clusters=[int(c) for c in args["outputClusterList"]],
        )
        return {"status": t.EzspStatus.SUCCESS}

    def _cmd_getEui64(self, args: dict) -> dict:
        return {"eui64": self.eui64}

    def _cmd_getNodeId(self, args: dict) -> dict:
        return {"nodeId": 0x0000 if self._ram.network_up else 0xFFFE}

    def _cmd_readCounters(self, args: dict) -> dict:
        return {"values": [0] * len(t.EmberCounterType)}

    _cmd_readAndClearCounters = _cmd_readCounters

    # -- network ------------------------------------------------------------------------

    def _network_up(self) -> list[tuple[str, dict]]:
        self._ram.network_up = True
        return [("stackStatusHandler", {"status": t.EmberStatus.NETWORK_UP})]

    def _cmd_networkState(self, args: dict) -> dict:
        up = self._ram.network_up
        status = t.EmberNetworkStatus.JOINED_NETWORK if up else t.EmberNetworkStatus.NO_NETWORK
        return {"status": status}

    def _cmd_networkInit(self, args: dict) -> Any:
        if self._ram.network_up:
            return {"status": t.EmberStatus.INVALID_CALL}
        if not self.nvram.formed_network:
            return {"status": t.EmberStatus.NOT_JOINED}
        return {"status": t.EmberStatus.SUCCESS}, self._network_up()

    def _cmd_formNetwork(self, args: dict) -> Any:
        if self._ram.network_up:
            return {"status": t.EmberStatus.INVALID_CALL}
        params: t.EmberNetworkParameters = args["parameters"]
        if not 11 <= params.radioChannel <= 26:
            return {"status": t.EmberStatus.PHY_INVALID_CHANNEL}
        self.nvram.form(params, self._ram.security)
        return {"status": t.EmberStatus.SUCCESS}, self._network_up()

    def _cmd_leaveNetwork(self, args: dict) -> Any:
        if not self._ram.network_up:
            return {"status": t.EmberStatus.INVALID_CALL}
        self._ram.network_up = False
        self.nvram.leave()
        return {"status": t.EmberStatus.SUCCESS}, [
            ("stackStatusHandler", {"status": t.EmberStatus.NETWORK_DOWN})
        ]

    def _cmd_tokenFactoryReset(self, args: dict) -> dict:
        self.nvram.factory_reset(keep_outgoing_frame_counters=bool(args["excludeOutgoingFC"]))
        return {}

    def _cmd_getNetworkParameters(self, args: dict) -> dict:
        nv = self.nvram
        if not self._ram.network_up:
            return {"status": t.EmberStatus.NOT_JOINED, "nodeType": t.EmberNodeType.UNKNOWN_DEVICE}
        return {
            "status": t.EmberStatus.SUCCESS,
            "nodeType": nv.node_type,
            "parameters": t.EmberNetworkParameters(
                extendedPanId=nv.extended_pan_id,
                panId=t.EmberPanId(nv.pan_id),
                radioTxPower=t.uint8_t(nv.tx_power),
                radioChannel=t.uint8_t(nv.channel),
                joinMethod=t.EmberJoinMethod.USE_MAC_ASSOCIATION,
                nwkManagerId=t.EmberNodeId(nv.nwk_manager_id),
                nwkUpdateId=t.uint8_t(nv.nwk_update_id),
                channels=nv.channels,
            ),
        }

    def _cmd_startScan(self, args: dict) -> Any:
        channels = list(args["channelMask"])
        callbacks: list[tuple[str, dict]] = []
        if args["scanType"] == t.EzspNetworkScanType.ENERGY_SCAN:
            for channel in channels:
                rssi = -60 if channel in (12, 13, 17, 18, 22, 23) else -90
                callbacks.append(
                    ("energyScanResultHandler", {"channel": channel, "maxRssiValue": rssi})
                )
        callbacks.append(("scanCompleteHandler", {"channel": 0, "status": t.EmberStatus.SUCCESS}))
        return {"status": t.EmberStatus.SUCCESS}, callbacks

    def _cmd_permitJoining(self, args: dict) -> dict:
        loop = asyncio.get_running_loop()
        self._ram.permit_until = loop.time() + int(args["duration"])
        return {"status": t.EmberStatus.SUCCESS}

    @property
    def permitting_joins(self) -> bool:
        return asyncio.get_running_loop().time() < self._ram.permit_until

    # -- security -----------------------------------------------------------------------

    def _cmd_setInitialSecurityState(self, args: dict) -> dict:
        if self._ram.network_up:
            return {"status": t.EmberStatus.INVALID_CALL}
        self._ram.security = args["state"]
        return {"status": t.EmberStatus.SUCCESS}

    def _cmd_getCurrentSecurityState(self, args: dict) -> dict:
        if not self._ram.network_up:
            return {"status": t.EmberStatus.NOT_JOINED}
        return {
            "status": t.EmberStatus.SUCCESS,
            "state": t.EmberCurrentSecurityState(
                bitmask=self.nvram.security_bitmask,
                trustCenterLongAddress=self.nvram.trust_center_eui64,
            ),
        }

    def _cmd_exportKey(self, args: dict) -> dict:
        context: t.SecurityManagerContextV13 = args["context"]
        kind = context.core_key_type
        if kind == t.SecurityManagerKeyType.NETWORK and self.nvram.network_key is not None:
            return {"key": self.nvram.network_key, "status": t.sl_Status.OK}
        if kind == t.SecurityManagerKeyType.TC_LINK:
            return {"key": self.nvram.tc_link_key, "status": t.sl_Status.OK}
        return {"key": t.KeyData(bytes(16)), "status": t.sl_Status.NOT_FOUND}

    def _cmd_getNetworkKeyInfo(self, args: dict) -> dict:
        nv = self.nvram
        return {
            "status": t.sl_Status.OK,
            "network_key_info": t.SecurityManagerNetworkKeyInfo(
                network_key_set=t.Bool(nv.network_key is not None),
                alternate_network_key_set=t.Bool.false,
                network_key_sequence_number=t.uint8_t(nv.network_key_seq),
                alt_network_key_sequence_number=t.uint8_t(0),
                network_key_frame_counter=t.uint32_t(nv.nwk_frame_counter),
            ),
        }

    def _key_table_size(self) -> int:
        return self._ram.config[t.EzspConfigId.CONFIG_KEY_TABLE_SIZE]

    def _cmd_exportLinkKeyByIndex(self, args: dict) -> dict:
        entry = self.nvram.key_table.get(int(args["index"]))
        if entry is None:
            return {"status": t.sl_Status.NOT_FOUND}
        bits = t.EmberKeyStructBitmask
        return {
            "eui64": entry.eui64,
            "plaintext_key": entry.key,
            "key_data": t.SecurityManagerAPSKeyMetadata(
                bitmask=bits.KEY_HAS_OUTGOING_FRAME_COUNTER
                | bits.KEY_HAS_INCOMING_FRAME_COUNTER
                | bits.KEY_HAS_PARTNER_EUI64,
                outgoing_frame_counter=t.uint32_t(entry.tx_counter),
                incoming_frame_counter=t.uint32_t(entry.rx_counter),
                ttl_in_seconds=t.uint16_t(0),
            ),
            "status": t.sl_Status.OK,
        }

    def _cmd_importLinkKey(self, args: dict) -> dict:
        index = int(args["index"])
        if index >= self._key_table_size():
            return {"status": t.sl_Status.INVALID_INDEX}
        self.nvram.key_table[index] = LinkKey(args["address"], args["key"])
        return {"status": t.sl_Status.OK}

    def _cmd_clearKeyTable(self, args: dict) -> dict:
        self.nvram.key_table.clear()
        return {"status": t.EmberStatus.SUCCESS}

    def _cmd_findKeyTableEntry(self, args: dict) -> dict:
        for index, entry in self.nvram.key_table.items():
            if entry.eui64 == args["address"]:
                return {"index": index}
        return {"index": 0xFF}

    def _cmd_eraseKeyTableEntry(self, args: dict) -> dict:
        if self.nvram.key_table.pop(int(args["index"]), None) is None:
            return {"status": t.EmberStatus.INDEX_OUT_OF_RANGE}
        return {"status": t.EmberStatus.SUCCESS}

    # -- tables -------------------------------------------------------------------------

    def _cmd_getChildData(self, args: dict) -> dict:
        child = self.nvram.child_table.get(int(args["index"]))
        if child is None:
            return {"status": t.EmberStatus.NOT_JOINED}
        return {
            "status": t.EmberStatus.SUCCESS,
            "child_data": t.EmberChildDataV10(
                eui64=child.eui64,
                type=child.node_type,
                id=t.EmberNodeId(child.nwk),
                phy=0,
                power=0,
                timeout=0,
                timeout_remaining=0,
            ),
        }

    def _cmd_setChildData(self, args: dict) -> dict:
        data: t.EmberChildDataV10 = args["child_data"]
        self.nvram.child_table[int(args["index"])] = Child(data.eui64, int(data.id), data.type)
        self.nvram.devices[data.eui64] = int(data.id)
        return {"status": t.EmberStatus.SUCCESS}

    def _cmd_getAddressTableRemoteNodeId(self, args: dict) -> dict:
        entry = self._ram.address_table.get(int(args["addressTableIndex"]))
        return {"nodeId": entry[1] if entry else t.EmberDistinguishedNodeId.TABLE_ENTRY_UNUSED}

    def _cmd_getAddressTableRemoteEui64(self, args: dict) -> dict:
        entry = self._ram.address_table.get(int(args["addressTableIndex"]))
        return {"eui64": entry[0] if entry else t.EUI64([0] * 8)}

    def _cmd_replaceAddressTableEntry(self, args: dict) -> dict:
        index = int(args["addressTableIndex"])
        old = self._ram.address_table.get(index, (t.EUI64([0] * 8), 0xFFFF))
        self._ram.address_table[index] = (args["newEui64"], int(args["newId"]))
        return {
            "status": t.EmberStatus.SUCCESS,
            "oldEui64": old[0],
            "oldId": old[1],
            "oldExtendedTimeout": t.Bool.false,
        }

    def _known_nwk(self, ieee: t.EUI64) -> int | None:
        if ieee in self.network:
            return int(self.network.get(ieee).nwk)
        return self.nvram.devices.get(ieee)

    def _cmd_lookupNodeIdByEui64(self, args: dict) -> dict:
        nwk = self._known_nwk(args["eui64"])
        return {"nodeId": 0xFFFF if nwk is None else nwk}

    def _cmd_lookupEui64ByNodeId(self, args: dict) -> dict:
        nwk = int(args["nodeId"])
        for ieee, known in self.nvram.devices.items():
            if known == nwk:
                return {"status": t.EmberStatus.SUCCESS, "eui64": ieee}
        return {"status": t.EmberStatus.ERR_FATAL}

    def _cmd_getExtendedTimeout(self, args: dict) -> dict:
        return {"extendedTimeout": t.Bool.false}

    def _cmd_getMulticastTableEntry(self, args: dict) -> dict:
        index = int(args["index"])
        entry = self._ram.multicast.get(index) or t.EmberMulticastTableEntry(
            multicastId=t.EmberMulticastId(0), endpoint=t.uint8_t(0), networkIndex=t.uint8_t(0)
        )
        return {"status": t.EmberStatus.SUCCESS, "value": entry}

    def _cmd_setMulticastTableEntry(self, args: dict) -> dict:
        index = int(args["index"])
        if index >= self._ram.config[t.EzspConfigId.CONFIG_MULTICAST_TABLE_SIZE]:
            return {"status": t.EmberStatus.INDEX_OUT_OF_RANGE}
        self._ram.multicast[index] = args["value"]
        return {"status": t.EmberStatus.SUCCESS}

    def multicast_groups(self) -> set[int]:
        """Groups the NCP passes up (those in its multicast table)."""
        return {int(e.multicastId) for e in self._ram.multicast.values() if e.endpoint}

    def _cmd_removeDevice(self, args: dict) -> dict:
        ieee = args["targetLong"]
        self.nvram.devices.pop(ieee, None)
        for index, child in list(self.nvram.child_table.items()):
            if child.eui64 == ieee:
                del self.nvram.child_table[index]
        self.network.remove(ieee)
        return {"status": t.EmberStatus.SUCCESS}

    # -- data path: coordinator → devices -----------------------------------------------

    def _next_aps_seq(self) -> int:
        self._aps_seq = (self._aps_seq + 1) % 256
        return self._aps_seq

    def _cmd_sendUnicast(self, args: dict) -> Any:
        return self._transmit(
            t.EmberOutgoingMessageType(args["type"]),
            int(args["indexOrDestination"]),
            args["apsFrame"],
            int(args["messageTag"]),
            bytes(args["messageContents"]),
            zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=int(args["indexOrDestination"])),
        )

    def _cmd_sendMulticast(self, args: dict) -> Any:
        aps: t.EmberApsFrame = args["apsFrame"]
        return self._transmit(
            t.EmberOutgoingMessageType.OUTGOING_MULTICAST,
            int(aps.groupId),
            aps,
            int(args["messageTag"]),
            bytes(args["messageContents"]),
            zt.AddrModeAddress(addr_mode=zt.AddrMode.Group, address=int(aps.groupId)),
        )

    _cmd_sendMulticastWithAlias = _cmd_sendMulticast

    def _cmd_sendBroadcast(self, args: dict) -> Any:
        dest = int(args["destination"])
        return self._transmit(
            t.EmberOutgoingMessageType.OUTGOING_BROADCAST,
            dest,
            args["apsFrame"],
            int(args["messageTag"]),
            bytes(args["messageContents"]),
            zt.AddrModeAddress(addr_mode=zt.AddrMode.Broadcast, address=dest),
        )

    def _cmd_proxyBroadcast(self, args: dict) -> Any:
        fields, callbacks = self._cmd_sendBroadcast(args)
        return {"status": fields["status"], "apsSequence": fields["sequence"]}, callbacks

    def _transmit(
        self,
        kind: t.EmberOutgoingMessageType,
        dest: int,
        aps: t.EmberApsFrame,
        tag: int,
        contents: bytes,
        dst: zt.AddrModeAddress,
    ) -> tuple[dict, list]:
        if not self._ram.network_up:
            return {"status": t.EmberStatus.NETWORK_DOWN, "sequence": 0}, []
        sequence = self._next_aps_seq()
        self.nvram.nwk_frame_counter += 1
        packet = zt.ZigbeePacket(
            src=zt.AddrModeAddress(addr_mode=zt.AddrMode.NWK, address=COORDINATOR_NWK),
            src_ep=int(aps.sourceEndpoint),
            dst=dst,
            dst_ep=None if dst.addr_mode == zt.AddrMode.Group else int(aps.destinationEndpoint),
            tsn=int(aps.sequence),
            profile_id=int(aps.profileId),
            cluster_id=int(aps.clusterId),
            data=zt.SerializableBytes(contents),
            tx_options=(
                zt.TransmitOptions.ACK
                if aps.options & t.EmberApsOption.APS_OPTION_RETRY
                else zt.TransmitOptions.NONE
            ),
        )
        status = t.EmberStatus.SUCCESS
        try:
            if dst.addr_mode == zt.AddrMode.NWK and dest == COORDINATOR_NWK:
                self._loopback(packet)
            else:
                self.network.deliver(packet)
        except Exception as exc:  # DeliveryError from the sim: no route / no MAC ACK
            LOGGER.debug("Delivery of %r failed: %s", packet, exc)
            status = t.EmberStatus.DELIVERY_FAILED
        sent = {
            "type": kind,
            "indexOrDestination": dest,
            "apsFrame": aps,
            "messageTag": tag,
            "status": status,
            "messageContents": contents,
        }
        return {"status": t.EmberStatus.SUCCESS, "sequence": sequence}, [
            ("messageSentHandler", sent)
        ]

    def _loopback(self, packet: zt.ZigbeePacket) -> None:
        """ZDO requests bellows sends the coordinator itself (its own interview)."""
        if packet.dst_ep != ZDO_ENDPOINT or packet.profile_id != ZDO_PROFILE:
            return  # the host's own ZCL endpoints: nothing to answer
        hdr, args = parse_zdo(packet.cluster_id, packet.data.serialize())
        status = zdo_t.Status
        command = hdr.command_id
        if command == zdo_t.ZDOCmd.Node_Desc_req:
            answer = [status.SUCCESS, COORDINATOR_NWK, self._node_descriptor()]
        elif command == zdo_t.ZDOCmd.Active_EP_req:
            answer = [status.SUCCESS, COORDINATOR_NWK, sorted(self._ram.endpoints)]
        elif command == zdo_t.ZDOCmd.Simple_Desc_req:
            ep = self._ram.endpoints.get(args[1])
            if ep is None:
                answer = [status.NOT_ACTIVE, COORDINATOR_NWK]
            else:
                answer = [
                    status.SUCCESS,
                    COORDINATOR_NWK,
                    zdo_t.SizePrefixedSimpleDescriptor(
                        endpoint=ep.endpoint,
                        profile=ep.profile,
                        device_type=ep.device_type,
                        device_version=ep.device_version,
                        input_clusters=ep.input_clusters,
                        output_clusters=ep.output_clusters,
                    ),
                ]
        else:
            answer = [status.NOT_SUPPORTED]
        response = zdo_t.ZDOCmd(command | 0x8000)
        if response in zdo_t.CLUSTERS:
            asyncio.get_running_loop().call_soon(
                self._uplink, zdo_reply(COORDINATOR_NWK, hdr.tsn, response, answer)
            )

    @staticmethod
    def _node_descriptor() -> zdo_t.NodeDescriptor:
        return zdo_t.NodeDescriptor(
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
            manufacturer_code=MANUFACTURER_CODE,
            maximum_buffer_size=84,
            maximum_incoming_transfer_size=128,
            server_mask=0x2C41,
            maximum_outgoing_transfer_size=128,
            descriptor_capability_field=zdo_t.NodeDescriptor.DescriptorCapability.NONE,
        )

    # -- data path: devices → coordinator -----------------------------------------------

    def _uplink(self, packet: zt.ZigbeePacket) -> None:
        """A frame from the air (or the coordinator's own ZDO) for the host."""
        if self._ash is None or not self._ram.network_up:
            return  # the radio is off or not on the network: nobody hears it
        assert packet.src is not None and packet.dst is not None
        sender = int(packet.src.address)
        announce = (
            packet.profile_id == ZDO_PROFILE and packet.cluster_id == zdo_t.ZDOCmd.Device_annce
        )
        if announce and not self._admit(packet, sender):
            return
        dst = packet.dst
        group = 0
        if dst.addr_mode == zt.AddrMode.Group:
            group = int(dst.address)
            if not self.member_of_all_groups and group not in self.multicast_groups():
                LOGGER.debug("Dropping groupcast to 0x%04X: not in the multicast table", group)
                self.dropped_groupcasts.append(packet)
                return
            kind = t.EmberIncomingMessageType.INCOMING_MULTICAST
        elif dst.addr_mode == zt.AddrMode.Broadcast:
            kind = t.EmberIncomingMessageType.INCOMING_BROADCAST
        else:
            kind = t.EmberIncomingMessageType.INCOMING_UNICAST
        aps = t.EmberApsFrame(
            profileId=t.uint16_t(packet.profile_id),
            clusterId=t.uint16_t(packet.cluster_id),
            sourceEndpoint=t.uint8_t(packet.src_ep),
            destinationEndpoint=t.uint8_t(packet.dst_ep if packet.dst_ep is not None else 0xFF),
            options=t.EmberApsOption.APS_OPTION_NONE,
            groupId=t.uint16_t(group),
            sequence=t.uint8_t(packet.tsn if packet.tsn is not None else self._next_aps_seq()),
        )
        self.callback(
            "incomingMessageHandler",
            type=kind,
            apsFrame=aps,
            lastHopLqi=packet.lqi if packet.lqi is not None else 255,
            lastHopRssi=packet.rssi if packet.rssi is not None else -40,
            sender=sender,
            bindingIndex=0xFF,
            addressIndex=0xFF,
            messageContents=packet.data.serialize(),
        )

    def _admit(self, packet: zt.ZigbeePacket, nwk: int) -> bool:
        """A Device_annce: a new device is let in by the trust center first."""
        _hdr, args = parse_zdo(packet.cluster_id, packet.data.serialize())
        _nwk, ieee, capability = args
        if ieee in self.nvram.devices:
            self.nvram.devices[ieee] = nwk
            return True  # a known device rejoining or power-cycled
        if self.enforce_permit_join and not self.permitting_joins:
            LOGGER.warning("NCP refuses %s: joining is not permitted", ieee)
            self.refused_joins.append(ieee)
            return False
        self.nvram.devices[ieee] = nwk
        router = bool(capability & zdo_t.MACCapabilityFlags.FullFunctionDevice)
        if not router:
            index = next(i for i in range(64) if i not in self.nvram.child_table)
            self.nvram.child_table[index] = Child(ieee, nwk)
        self.callback(
            "trustCenterJoinHandler",
            newNodeId=nwk,
            newNodeEui64=ieee,
            status=t.EmberDeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN,
            policyDecision=t.EmberJoinDecision.USE_PRECONFIGURED_KEY,
            parentOfNewNodeId=0x0000,
        )
        return True

    def _device_left(self, device: Any) -> None:
        """A device left on its own: the trust center tells the host."""
        self.nvram.devices.pop(device.ieee, None)
        for index, child in list(self.nvram.child_table.items()):
            if child.eui64 == device.ieee:
                del self.nvram.child_table[index]
        if self._ash is None or not self._ram.network_up:
            return
        self.callback(
            "trustCenterJoinHandler",
            newNodeId=int(device.nwk),
            newNodeEui64=device.ieee,
            status=t.EmberDeviceUpdate.DEVICE_LEFT,
            policyDecision=t.EmberJoinDecision.NO_ACTION,
            parentOfNewNodeId=0x0000,
        )


_NCP_OPTIONS = {
    "network",
    "mode",
    "enforce_permit_join",
    "member_of_all_groups",
    "host",
    "port",
    "boot_delay",
}
