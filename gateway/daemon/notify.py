"""systemd's notify protocol (sd_notify(3)) in a few lines, without libsystemd.

With `Type=notify` systemd passes `NOTIFY_SOCKET`, a unix datagram socket (a path, or an
abstract name written with a leading `@`); each datagram is newline-separated `KEY=VALUE`
lines: `READY=1` ends start-up, `STATUS=` is what `systemctl status` shows, `STOPPING=1`
starts the stop, and `WATCHDOG=1` must arrive within `WATCHDOG_USEC` or systemd restarts
the service. Outside systemd there is no socket and every call does nothing. Sending never
raises: a notification lost must not take the gateway down.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping

LOGGER = logging.getLogger("gateway")


def _socket_address(value: str) -> str | None:
    if value.startswith("@"):
        return "\0" + value[1:]  # abstract namespace
    if value.startswith("/"):
        return value
    return None  # e.g. vsock: addresses, which a gateway on a Pi never gets


class SystemdNotifier:
    def __init__(self, address: str | None, watchdog_usec: int | None = None):
        self.address = address
        self.watchdog_usec = watchdog_usec
        self._sock: socket.socket | None = None

    @classmethod
    def from_environment(cls, env: Mapping[str, str] = os.environ) -> SystemdNotifier:
        address = _socket_address(env.get("NOTIFY_SOCKET", ""))
        usec: int | None = None
        pid = env.get("WATCHDOG_PID")
        if env.get("WATCHDOG_USEC", "").isdigit() and (not pid or pid == str(os.getpid())):
            usec = int(env["WATCHDOG_USEC"]) or None
        return cls(address, usec)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    @property
    def watchdog_interval(self) -> float | None:
        """Seconds between pings: half the timeout, as sd_watchdog_enabled(3) advises."""
        if not self.enabled or not self.watchdog_usec:
            return None
        return self.watchdog_usec / 2_000_000

    def send(self, *lines: str) -> bool:
        if self.address is None:
            return False
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto("\n".join(lines).encode(), self.address)
        except OSError as exc:
            LOGGER.debug("sd_notify to %r failed: %s", self.address, exc)
            return False
        return True

    def ready(self, status: str) -> bool:
        return self.send("READY=1", f"STATUS={status}")

    def status(self, status: str) -> bool:
        return self.send(f"STATUS={status}")

    def stopping(self, status: str = "Shutting down") -> bool:
        return self.send("STOPPING=1", f"STATUS={status}")

    async def watchdog(self) -> None:
        """Ping until cancelled. It runs on the event loop, so a loop that hangs stops the
        pings and systemd restarts the gateway."""
        interval = self.watchdog_interval
        if interval is None:
            return
        while True:
            self.send("WATCHDOG=1")
            await asyncio.sleep(interval)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
