"""Automatic network backups in `<data-dir>/backups/`, as Open Coordinator Backup JSON files
that `zigbridge restore` (and zigpy-cli, ZHA, Zigbee2MQTT) read.

zigpy's own `BackupManager` already backs the network up: at every start (its periodic
loop begins with one), every `backup_period` (24 h by default) while running, after a
channel change, after a restore and on every `GET /config/zigbee/backup`. Each one raises
its `network_backup_created` listener event, and that is all this module listens to: no
timer of its own. For each backup it decides whether to keep a file:

* `changed-YYYY-MM-DDTHHMMSSZ.json` when the network differs from the newest file here
  (none yet, a newly formed network, a restore, another channel or stick): zigpy's
  `is_compatible_with`, which ignores frame counters. The last `KEEP_CHANGED` are kept.
* also `changed-…` when the same network now has other devices (children, their short
  addresses or link keys): a backup made before a device joined would not bring it back.
* otherwise `daily-YYYY-MM-DD.json` (UTC), the first backup of each day that has no file
  yet. The last `KEEP_DAILY` are kept.

Devices joining or leaving also ask zigpy for a backup: `AFTER_JOINS` seconds after the last
of them (a pairing session is one backup), at most one per `MIN_INTERVAL`, so that the day
a network is formed does not end with only its empty start-up backup on file.

Files are mode 0600 in a 0700 directory: they hold the network key. A file that cannot be
written is a warning in the log, never a reason to stop the gateway.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zigpy.backups import NetworkBackup

from radio import events as ev

LOGGER = logging.getLogger("gateway.backup")

KEEP_DAILY = 7
KEEP_CHANGED = 5
AFTER_JOINS = 60.0
MIN_INTERVAL = 600.0
DAILY = "daily-"
CHANGED = "changed-"


class AutoBackup:
    """Listens to zigpy's backup manager; keeps the backup files in `directory`."""

    def __init__(
        self,
        directory: Path,
        *,
        keep_daily: int = KEEP_DAILY,
        keep_changed: int = KEEP_CHANGED,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        after_joins: float = AFTER_JOINS,
        min_interval: float = MIN_INTERVAL,
    ):
        self.directory = directory
        self.keep_daily = keep_daily
        self.keep_changed = keep_changed
        self.clock = clock
        self.after_joins = after_joins
        self.min_interval = min_interval
        self._latest: NetworkBackup | None = None
        self._scanned = False
        self._app: Any = None
        self._pending: asyncio.TimerHandle | None = None
        self._last_asked = float("-inf")
        self._task: asyncio.Task | None = None

    def attach(self, app: Any) -> None:
        """Listen to this zigpy application's backups (a hook of `Radio`, called before
        the application starts, so that the start-up backup is not missed)."""
        app.backups.add_listener(self)
        self._app = app

    def on_radio_event(self, event: Any) -> None:
        """A device joined, was interviewed or was removed: back up a little later."""
        if not isinstance(event, ev.DeviceJoined | ev.DeviceRemoved) and not (
            isinstance(event, ev.DeviceInitialized) and not event.restored
        ):
            return
        loop = asyncio.get_running_loop()
        if self._pending is not None:
            self._pending.cancel()
        wait = max(self.after_joins, self._last_asked + self.min_interval - loop.time())
        self._pending = loop.call_later(wait, self._ask)

    def _ask(self) -> None:
        self._pending = None
        if self._app is None:
            return
        self._last_asked = asyncio.get_running_loop().time()
        self._task = asyncio.get_running_loop().create_task(self._backup(self._app))

    async def _backup(self, app: Any) -> None:
        try:
            await app.backups.create_backup(load_devices=True)  # raises our listener event
        except Exception as exc:  # the radio went away meanwhile: the next join asks again
            LOGGER.info("No network backup after the joins: %s", exc)

    def stop(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        if self._task is not None:
            self._task.cancel()

    # zigpy's BackupManager listener event
    def network_backup_created(self, backup: NetworkBackup) -> None:
        try:
            self.save(backup)
        except OSError as exc:
            LOGGER.warning(
                "Could not save the automatic network backup in %s: %s",
                self.directory,
                exc.strerror or exc,
            )

    def save(self, backup: NetworkBackup) -> Path | None:
        """Write the backup if it is a network change or the first of the day; returns
        the file written, or None."""
        latest = self.latest()
        now = self.clock().astimezone(UTC)
        if latest is None or not backup.is_compatible_with(latest):
            path = self._unique(f"{CHANGED}{now:%Y-%m-%dT%H%M%SZ}")
            reason = "a new network" if latest is None else "the network changed"
        elif _devices(backup) != _devices(latest):
            path = self._unique(f"{CHANGED}{now:%Y-%m-%dT%H%M%SZ}")
            reason = "devices joined or left"
        else:
            today = f"{now:%Y-%m-%d}"
            if any(_stamp(p).startswith(today) for p in self.files()):
                return None  # today's network is on file already (a daily or a change)
            path = self.directory / f"{DAILY}{today}.json"
            reason = "daily"
        self._write(path, backup)
        self._latest = backup
        LOGGER.info("Saved a network backup (%s) to %s", reason, path)
        self.prune()
        return path

    def files(self, prefix: str = "") -> list[Path]:
        """The backup files, oldest first (their names sort by time)."""
        if not self.directory.is_dir():
            return []
        names = (DAILY, CHANGED) if not prefix else (prefix,)
        found = [
            p for p in self.directory.iterdir() if p.suffix == ".json" and p.name.startswith(names)
        ]
        return sorted(found, key=lambda p: (_stamp(p), p.name))

    def latest(self) -> NetworkBackup | None:
        """The newest backup on disk (read once, then remembered)."""
        if not self._scanned:
            self._scanned = True
            for path in reversed(self.files()):
                try:
                    self._latest = NetworkBackup.from_dict(json.loads(path.read_text()))
                    break
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    LOGGER.warning("Ignoring unreadable backup %s: %s", path, exc)
        return self._latest

    def prune(self) -> None:
        for prefix, keep in ((DAILY, self.keep_daily), (CHANGED, self.keep_changed)):
            files = self.files(prefix)
            for old in files[: max(0, len(files) - keep)]:
                try:
                    old.unlink()
                except OSError as exc:
                    LOGGER.warning("Could not remove old backup %s: %s", old, exc)

    def _unique(self, stem: str) -> Path:
        path = self.directory / f"{stem}.json"
        n = 1
        while path.exists():
            n += 1
            path = self.directory / f"{stem}-{n}.json"
        return path

    def _write(self, path: Path, backup: NetworkBackup) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        text = json.dumps(backup.as_open_coordinator_json(), indent=2) + "\n"
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _devices(backup: NetworkBackup) -> tuple:
    """What a restore needs to bring the devices back: children, short addresses, keys."""
    info = backup.network_info
    return (
        sorted(map(str, info.children)),
        sorted((str(ieee), int(nwk)) for ieee, nwk in info.nwk_addresses.items()),
        sorted(str(key.partner_ieee) for key in info.key_table),
    )


def _stamp(path: Path) -> str:
    """The date (and time) in a backup file's name, for ordering across both kinds."""
    return path.stem.split("-", 1)[1] if "-" in path.stem else path.stem
