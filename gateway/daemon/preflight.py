"""Checks run before anything starts, so a person gets one clear line instead of a traceback."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

import zigpy.exceptions


class StartupError(Exception):
    """A problem the user must fix; the message is printed as-is and the daemon exits."""


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


def describe_radio_failure(path: str | None, exc: BaseException) -> str:
    """One line for a radio that would not start (never zigpy's multi-line text: it can
    include the network key)."""
    if isinstance(exc, zigpy.exceptions.NetworkSettingsInconsistent):
        new, old = exc.new_state.network_info, exc.old_state.network_info
        return (
            f"the stick on {path} holds another Zigbee network (PAN 0x{new.pan_id:04X}, "
            f"extended PAN {new.extended_pan_id}) than the one zigbridge runs (PAN "
            f"0x{old.pan_id:04X}, extended PAN {old.extended_pan_id}); plug in the right "
            "stick, or restore the network backup onto this one"
        )
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, zigpy.exceptions.TransientConnectionError | ConnectionError) or (
        isinstance(cause, ConnectionError)
    ):
        reason = getattr(cause, "strerror", None) or str(cause or exc) or "connection refused"
        return f"cannot connect to {path} ({reason}); is the coordinator on and reachable?"
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    lowered = text.lower()
    if "busy" in lowered or "lock" in lowered or getattr(exc, "errno", None) == errno.EBUSY:
        return (
            f"serial port {path} is busy: another program (ZHA, Zigbee2MQTT, deCONZ, "
            "ModemManager?) has it open"
        )
    if isinstance(exc, TimeoutError) or "timeout" in lowered or "timed out" in lowered:
        return (
            f"the radio on {path} did not answer; check --radio matches the stick's firmware "
            "and --baudrate its speed"
        )
    if isinstance(exc, AttributeError | TypeError | KeyError | IndexError | AssertionError):
        # what the radio libraries raise when the link drops or answers nonsense mid-start
        return (
            f"the radio on {path} dropped the connection or answered nonsense during start-up; "
            "check --radio matches the stick's firmware and --baudrate its speed"
        )
    return f"could not start the radio on {path}: {text}"
