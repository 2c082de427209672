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
* otherwise `daily-YYYY-MM-DD.json` (UTC), the first backup of each day that has no file
  yet. The last `KEEP_DAILY` are kept.

Files are mode 0600 in a 0700 directory: they hold the network key. A file that cannot be
written is a warning in the log, never a reason to stop the gateway.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zigpy.backups import NetworkBackup

LOGGER = logging.getLogger("gateway.backup")

KEEP_DAILY = 7
KEEP_CHANGED = 5
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
    ):
        self.directory = directory
        self.keep_daily = keep_daily
        self.keep_changed = keep_changed
        self.clock = clock
        self._latest: NetworkBackup | None = None
        self._scanned = False

    def attach(self, app: Any) -> None:
        """Listen to this zigpy application's backups (a hook of `Radio`, called before
        the application starts, so that the start-up backup is not missed)."""
        app.backups.add_listener(self)

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


def _stamp(path: Path) -> str:
    """The date (and time) in a backup file's name, for ordering across both kinds."""
    return path.stem.split("-", 1)[1] if "-" in path.stem else path.stem
