"""Network backup and restore with zigpy's own backup manager.

The backup is the Open Coordinator Backup JSON that zigpy-cli, ZHA and Zigbee2MQTT also
read and write: network key and frame counter, PAN and extended PAN id, channel, the
coordinator's IEEE, and each device's NWK address and link key. With it a network moves
to a new stick (even one of another make) without re-pairing every device.

A backup is taken from the running daemon (`GET /api/<key>/config/zigbee/backup`, a
zigbridge extension), since the daemon owns the stick. A restore writes to the stick
directly and so needs the daemon stopped: the stick accepts one program at a time, and
zigpy reads the network from the stick only when it starts.

A file to restore is read and checked field by field (`read_backup`) before anything talks
to the stick, so a corrupt one is one line naming the problem and the stick is untouched.
Zigbee2MQTT's `coordinator_backup.json` is this format too (zigbee-herdsman writes NWK
addresses without leading zeros and its own `metadata.internal`; zigpy's parser copes, and
a missing `metadata.internal` is supplied here).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zigpy.exceptions
from zigpy.backups import NetworkBackup

from radio.controller import RadioSettings, zigpy_config
from radio.failures import StartupError
from radio.selection import controller_class

OPEN_COORDINATOR_FORMAT = "zigpy/open-coordinator-backup"
MAX_BACKUP_BYTES = 16 * 1024 * 1024  # a network of thousands of devices is well under 1 MB


class BackupError(Exception):
    """Why a backup could not be restored; the message is shown as-is."""


class BadBackupFile(StartupError):
    """The backup file is missing, unreadable or not a valid network backup (the stick is
    not touched); the message is one line naming the file."""


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    pan_id: int
    extended_pan_id: str
    channel: int
    devices: int
    coordinator: str = ""
    source: str = ""

    def __str__(self) -> str:
        return (
            f"PAN 0x{self.pan_id:04X}, extended PAN {self.extended_pan_id}, "
            f"channel {self.channel}, {self.devices} devices"
        )


def summary(backup: NetworkBackup) -> NetworkSummary:
    info = backup.network_info
    devices = set(info.nwk_addresses) | set(info.children)
    return NetworkSummary(
        int(info.pan_id),
        str(info.extended_pan_id),
        int(info.channel),
        len(devices),
        str(backup.node_info.ieee),
        str(info.source or ""),
    )


async def create_backup(app: Any) -> dict[str, Any]:
    """A fresh backup of the running network, as Open Coordinator Backup JSON."""
    backup = await app.backups.create_backup(load_devices=True)
    return backup.as_open_coordinator_json()


def read_backup(path: Path) -> NetworkBackup:
    """Read and check a backup file; every problem is a BadBackupFile naming it."""
    where = f"backup {path}"
    if path.is_dir():
        raise BadBackupFile(f"{where} is not a file: it is a directory")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BACKUP_BYTES + 1)
    except FileNotFoundError:
        raise BadBackupFile(f"{where} does not exist") from None
    except OSError as exc:
        raise BadBackupFile(f"cannot read {where}: {exc.strerror or exc}") from None
    if len(data) > MAX_BACKUP_BYTES:
        raise BadBackupFile(f"{where} is not a network backup: it is larger than 16 MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadBackupFile(f"{where} is not JSON: it is not UTF-8 text") from None
    return parse_backup(text, str(path))


def parse_backup(text: str, source: str) -> NetworkBackup:
    """Open Coordinator Backup JSON (zigbridge, zigpy-cli, ZHA, Zigbee2MQTT) or zigpy's own
    backup format, checked field by field first: zigpy's parser takes a 17-byte key's first
    16 bytes and reports a missing field as a bare KeyError."""
    where = f"backup {source}"
    if not text.strip():
        raise BadBackupFile(f"{where} is not a network backup: the file is empty")
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise BadBackupFile(f"{where} is not JSON: {exc}") from None
    except RecursionError:
        raise BadBackupFile(f"{where} is not a network backup: it is nested too deeply") from None
    if not isinstance(obj, dict):
        raise BadBackupFile(
            f"{where} is not a network backup: it holds a JSON {_json_type(obj)}, not an object"
        )
    if "metadata" in obj:
        try:
            obj = check_open_coordinator(obj)
        except Invalid as exc:
            raise BadBackupFile(f"{where} is not a valid Open Coordinator Backup: {exc}") from None
        kind = "Open Coordinator Backup"
    elif "network_info" in obj:
        kind = "zigpy network backup"
    else:
        raise BadBackupFile(
            f"{where} is not a network backup: it has neither `metadata` (Open Coordinator "
            "Backup, as zigbridge, ZHA and Zigbee2MQTT write) nor `network_info` (zigpy)"
        )
    try:
        backup = NetworkBackup.from_dict(obj)
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        reason = f"missing {exc}" if isinstance(exc, KeyError) else _first_line(exc)
        raise BadBackupFile(f"{where} is not a valid {kind}: {reason}") from None
    if not backup.is_complete():
        raise BadBackupFile(
            f"{where} is not a complete network backup: it lacks the coordinator IEEE, the "
            "network key, the PAN id or the channel"
        )
    return backup


# ---- the Open Coordinator Backup format, field by field ------------------------------------


class Invalid(ValueError):
    """One field is missing or wrong; the message names it."""


def check_open_coordinator(obj: dict[str, Any]) -> dict[str, Any]:
    """Check a version 1 Open Coordinator Backup; returns it ready for zigpy's parser
    (a copy, with the optional `metadata.internal` that zigpy indexes unconditionally)."""
    metadata = _field(obj, "metadata", dict)
    fmt = _field(metadata, "format", str, "metadata.")
    if fmt != OPEN_COORDINATOR_FORMAT:
        raise Invalid(f"metadata.format is {fmt!r}, not {OPEN_COORDINATOR_FORMAT!r}")
    version = _field(metadata, "version", int, "metadata.")
    if version != 1:
        raise Invalid(f"metadata.version is {version}; only version 1 is known")
    _field(metadata, "source", str, "metadata.")
    if "internal" in metadata:
        _field(metadata, "internal", dict, "metadata.")
    _hex(obj, "coordinator_ieee", 8)
    _hex(obj, "pan_id", 2)
    _hex(obj, "extended_pan_id", 8)
    _int(obj, "nwk_update_id", 0, 0xFF)
    _int(obj, "security_level", 0, 7)
    _int(obj, "channel", 11, 26)
    mask = _field(obj, "channel_mask", list)
    for channel in mask:
        if isinstance(channel, bool) or not isinstance(channel, int) or not 11 <= channel <= 26:
            raise Invalid(f"channel_mask must list channels 11 to 26, not {channel!r}")
    key = _field(obj, "network_key", dict)
    _hex(key, "key", 16, "network_key.")
    _int(key, "sequence_number", 0, 0xFF, "network_key.")
    _int(key, "frame_counter", 0, 0xFFFFFFFF, "network_key.")
    if obj.get("stack_specific") is not None:
        _field(obj, "stack_specific", dict)
    devices = _field(obj, "devices", list)
    for i, device in enumerate(devices):
        where = f"devices[{i}]."
        if not isinstance(device, dict):
            raise Invalid(f"devices[{i}] must be an object, not {_describe(device)}")
        _hex(device, "ieee_address", 8, where)
        nwk = device.get("nwk_address", _MISSING)
        if nwk is _MISSING:
            raise Invalid(f"{where}nwk_address is missing")
        if nwk is not None and (
            not isinstance(nwk, str) or not _HEX.fullmatch(nwk) or len(nwk) > 4
        ):
            raise Invalid(f"{where}nwk_address must be null or 1 to 4 hex digits, not {nwk!r}")
        if "is_child" in device:
            _field(device, "is_child", bool, where)
        if "link_key" in device:
            link = _field(device, "link_key", dict, where)
            _hex(link, "key", 16, f"{where}link_key.")
            _int(link, "tx_counter", 0, 0xFFFFFFFF, f"{where}link_key.")
            _int(link, "rx_counter", 0, 0xFFFFFFFF, f"{where}link_key.")
    ready = copy.deepcopy(obj)
    ready["metadata"].setdefault("internal", {})
    return ready


_MISSING = object()
_HEX = re.compile(r"[0-9A-Fa-f]+")
_TYPE_NAMES: dict[type, str] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    int: "an integer",
    bool: "true or false",
}


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    kind = "a number" if isinstance(value, float) else _TYPE_NAMES.get(type(value), "a value")
    shown = repr(value) if not isinstance(value, dict | list) else ""
    return f"{kind} ({shown[:40]})" if shown else kind


def _json_type(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _field(obj: dict[str, Any], name: str, kind: type, prefix: str = "") -> Any:
    if name not in obj:
        raise Invalid(f"{prefix}{name} is missing")
    value = obj[name]
    wrong_bool = kind is int and isinstance(value, bool)
    if not isinstance(value, kind) or wrong_bool:
        raise Invalid(f"{prefix}{name} must be {_TYPE_NAMES[kind]}, not {_describe(value)}")
    return value


def _int(obj: dict[str, Any], name: str, low: int, high: int, prefix: str = "") -> int:
    value = _field(obj, name, int, prefix)
    if not low <= value <= high:
        raise Invalid(f"{prefix}{name} must be from {low} to {high}, not {value}")
    return value


def _hex(obj: dict[str, Any], name: str, size: int, prefix: str = "") -> str:
    value = _field(obj, name, str, prefix)
    if not _HEX.fullmatch(value) or len(value) != 2 * size:
        what = f"{2 * size} hex digits ({size} bytes)"
        if _HEX.fullmatch(value):
            raise Invalid(f"{prefix}{name} must be {what}, not {len(value)} digits")
        raise Invalid(f"{prefix}{name} must be {what}, not {value[:40]!r}")
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()
    return text[0][:200] if text else type(exc).__name__


async def restore_backup(
    settings: RadioSettings, backup: NetworkBackup, *, force: bool = False
) -> NetworkSummary:
    """Write the backup's network to the stick. A stick that already holds a *different*
    network is only overwritten with `force`: its devices would all have to re-pair."""
    config = zigpy_config(settings)
    app = await controller_class(settings.radio_type).new(config, start_radio=False)
    try:
        await app.connect()
        try:
            await app.load_network_info(load_devices=False)
            current = app.state.network_info.extended_pan_id
        except zigpy.exceptions.NetworkNotFormed:
            current = None
        wanted = backup.network_info.extended_pan_id
        if current is not None and current != wanted and not force:
            raise BackupError(
                f"the stick holds another network (extended PAN {current}, the backup is "
                f"{wanted}); its devices would have to pair again. Use --force to replace it"
            )
        await app.backups.restore_backup(backup)
    finally:
        await app.shutdown()
    return summary(backup)
