"""Checks run before anything starts, so a person gets one clear line instead of a traceback."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from radio.failures import StartupError

__all__ = ["StartupError", "check_data_dir", "check_port_free", "check_serial_device"]


def check_data_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StartupError(
            f"data directory {path} is not writable ({exc.strerror or exc}); "
            "choose another with --data-dir or fix its permissions"
        ) from None


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
