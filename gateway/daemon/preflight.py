"""Checks run before anything starts, so a person gets one clear line instead of a traceback."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import socket
import stat
from pathlib import Path

from gateway.core.persistence import DB_FILENAME
from radio.controller import ZIGPY_DB_FILENAME
from radio.failures import StartupError

__all__ = [
    "DataDirLock",
    "StartupError",
    "check_data_dir",
    "check_port_free",
    "check_serial_device",
    "secure_data_dir",
]

LOGGER = logging.getLogger("gateway")

SECRET_DATABASES = (DB_FILENAME, ZIGPY_DB_FILENAME)
"""zigbridge's database holds every API key, zigpy's the network key."""
LOCK_FILENAME = "zigbridge.pid"


def check_data_dir(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise StartupError(f"data directory {path} is a file; choose a directory with --data-dir")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"data directory {path} is not writable ({exc.strerror or exc}); "
            "choose another with --data-dir or fix its permissions"
        ) from None


def secure_data_dir(path: Path) -> None:
    """Only the owner may read the data directory and the databases, whatever the umask:
    they hold the network key and the API keys. Existing ones are tightened (said once in
    the log). SQLite gives a database's -wal and -shm files the database's own mode."""
    _tighten(path, 0o700)
    for name in SECRET_DATABASES:
        db = path / name
        if not db.exists():
            os.close(os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        for extra in (db, db.with_name(name + "-wal"), db.with_name(name + "-shm")):
            if extra.exists():
                _tighten(extra, 0o600)


def _tighten(path: Path, mode: int) -> None:
    current = stat.S_IMODE(path.stat().st_mode)
    if current & ~mode:
        path.chmod(current & mode)
        LOGGER.info("Made %s readable by its owner only (was %o)", path, current)


class DataDirLock:
    """An exclusive lock on the data directory for as long as the daemon runs: a second
    daemon on the same directory would hand out the same ids and overwrite the first's
    changes. The lock file holds the pid of the daemon that has it."""

    def __init__(self, path: Path) -> None:
        self.path = path / LOCK_FILENAME
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise StartupError(
                f"another zigbridge (pid {pid}) is running with data directory "
                f"{self.path.parent}; stop it first, or give this one another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def check_port_free(host: str, port: int, what: str) -> None:
    """Bind and release the port; a port in use fails here rather than after the radio has
    started (uvicorn and websockets would report it deep in a traceback)."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"{what} port {port} on {host} is already in use "
                    f"(is another zigbridge or deCONZ running?); choose another with --{what}-port"
                ) from None
            raise StartupError(f"cannot listen on {host}:{port} for {what}: {exc}") from None


def check_serial_device(path: str | None) -> None:
    """A local serial path must exist and be readable and writable. `socket://` and other
    URL-style paths are left to zigpy's serial layer."""
    if not path or "://" in path:
        return
    if not os.path.exists(path):
        raise StartupError(
            f"serial port {path} does not exist; is the stick plugged in? "
            "(`ls /dev/serial/by-id/` lists the sticks the system sees)"
        )
    if not os.access(path, os.R_OK | os.W_OK):
        raise StartupError(
            f"no permission to open serial port {path}; add your user to the 'dialout' group "
            "(sudo usermod -aG dialout $USER, then log in again)"
        )
