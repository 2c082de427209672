"""Network backup and restore with zigpy's own backup manager.

The backup is the Open Coordinator Backup JSON that zigpy-cli, ZHA and Zigbee2MQTT also
read and write: network key and frame counter, PAN and extended PAN id, channel, the
coordinator's IEEE, and each device's NWK address and link key. With it a network moves
to a new stick (even one of another make) without re-pairing every device.

A backup is taken from the running daemon (`GET /api/<key>/config/zigbee/backup`, a
zigbridge extension), since the daemon owns the stick. A restore writes to the stick
directly and so needs the daemon stopped: the stick accepts one program at a time, and
zigpy reads the network from the stick only when it starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import zigpy.exceptions
from zigpy.backups import NetworkBackup

from radio.controller import RadioSettings, zigpy_config
from radio.selection import controller_class


class BackupError(Exception):
    """Why a backup could not be read or restored; the message is shown as-is."""


@dataclass(frozen=True, slots=True)
class NetworkSummary:
    pan_id: int
    extended_pan_id: str
    channel: int
    devices: int

    def __str__(self) -> str:
        return (
            f"PAN 0x{self.pan_id:04X}, extended PAN {self.extended_pan_id}, "
            f"channel {self.channel}, {self.devices} devices"
        )


def summary(backup: NetworkBackup) -> NetworkSummary:
    info = backup.network_info
    return NetworkSummary(
        int(info.pan_id), str(info.extended_pan_id), int(info.channel), len(info.nwk_addresses)
    )


async def create_backup(app: Any) -> dict[str, Any]:
    """A fresh backup of the running network, as Open Coordinator Backup JSON."""
    backup = await app.backups.create_backup(load_devices=True)
    return backup.as_open_coordinator_json()


def parse_backup(text: str, source: str) -> NetworkBackup:
    """Open Coordinator Backup JSON, or zigpy's own backup format."""
    try:
        backup = NetworkBackup.from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"{source} is not a Zigbee network backup ({exc})") from None
    if not backup.is_complete():
        raise BackupError(f"{source} is incomplete: it lacks the network key, PAN id or channel")
    return backup


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
