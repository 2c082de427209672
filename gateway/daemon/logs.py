"""Logging set-up: readable lines for people, JSON lines for journald/Loki, and a level per
namespace so that `radio` can be debugged without drowning in zigpy's frames.

Under systemd (stderr is the journal stream named by `JOURNAL_STREAM`) each line starts with
a syslog priority prefix such as `<4>`: journald strips it and files the line at that
priority, so `journalctl -u zigbridge -p warning` works. The timestamp is left out there,
because the journal stamps every line itself.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TextIO

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")

NAMESPACES: dict[str, tuple[str, ...]] = {
    "zigpy": ("zigpy", "bellows", "zigpy_znp", "zigpy_deconz", "aiosqlite"),
    "radio": ("radio",),
    "gateway": ("gateway",),
    "api": ("gateway.api",),
    "ws": ("gateway.ws",),
    "events": ("gateway.events",),
    "websockets": ("websockets",),
}
"""Short names a person sets levels for, and the loggers each one covers."""

QUIET_UNLESS_DEBUG = ("zigpy", "websockets")
"""Libraries that say much at INFO that nobody can act on (zigpy's frames, each websocket
connection): WARNING unless the global level is DEBUG or the namespace has its own level."""

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
JOURNAL_FORMAT = "%(levelname)-7s %(name)s: %(message)s"

_SYSLOG_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}
# Attributes every LogRecord has; anything else was passed with `extra=` and goes into JSON.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


@dataclass(frozen=True, slots=True)
class LogSettings:
    """The `[log]` section of the settings (`gateway.daemon.settings`)."""

    level: str
    format: str
    levels: Mapping[str, str]  # namespace -> level


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the
    exception or `extra=` fields when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _iso_utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry:
                entry[key] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


class _PriorityPrefix(logging.Formatter):
    """Wraps a formatter and prefixes each line with its syslog priority for journald."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record).replace("\n", "\n ")  # one journal entry per record
        return f"<{_SYSLOG_PRIORITY.get(record.levelname, 6)}>{text}"


def _iso_utc(created: float) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
    return f"{seconds}.{int(created % 1 * 1000):03d}Z"


def under_journald(stream: TextIO) -> bool:
    """True when `stream` is the journal socket systemd connected (sd_journal_stream_fd)."""
    expected = os.environ.get("JOURNAL_STREAM")
    if not expected:
        return False
    try:
        st = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return expected == f"{st.st_dev}:{st.st_ino}"


def make_formatter(fmt: str, *, journal: bool) -> logging.Formatter:
    if fmt == "json":
        formatter: logging.Formatter = JsonFormatter()
    else:
        formatter = logging.Formatter(JOURNAL_FORMAT if journal else TEXT_FORMAT)
    return _PriorityPrefix(formatter) if journal else formatter


_handler: logging.Handler | None = None


def configure_logging(settings: LogSettings, stream: TextIO | None = None) -> None:
    """Install one stderr handler on the root logger (replacing ours from an earlier call)
    and set the global and per-namespace levels."""
    global _handler
    stream = stream or sys.stderr
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    _handler = logging.StreamHandler(stream)
    _handler.setFormatter(make_formatter(settings.format, journal=under_journald(stream)))
    root.addHandler(_handler)
    root.setLevel(settings.level)
    for namespace, loggers in NAMESPACES.items():
        level = settings.levels.get(namespace)
        if level is None and namespace in QUIET_UNLESS_DEBUG and settings.level != "DEBUG":
            level = "WARNING"
        for name in loggers:
            logging.getLogger(name).setLevel(level or logging.NOTSET)


class StartupLogHold:
    """Holds back the lines below WARNING while the daemon starts, so that a start that
    fails ends with its one-line reason alone (warnings still show at once, with what
    came before them); a start that succeeds shows every line, in order."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._target = _handler
        self._memory: logging.handlers.MemoryHandler | None = None
        if self._target is None:
            return
        self._memory = logging.handlers.MemoryHandler(
            capacity, flushLevel=logging.WARNING, target=self._target, flushOnClose=False
        )
        root = logging.getLogger()
        root.removeHandler(self._target)
        root.addHandler(self._memory)

    def release(self) -> None:
        """The start went well (or failed unexpectedly): show what was held."""
        self._end(show=True)

    def discard(self) -> None:
        """The start failed with a reason the user is told in one line."""
        self._end(show=False)

    def _end(self, *, show: bool) -> None:
        memory, self._memory = self._memory, None
        if memory is None:
            return
        if show:
            memory.flush()
        root = logging.getLogger()
        root.removeHandler(memory)
        root.addHandler(self._target)
        memory.close()


class AcceptErrorLimiter:
    """An event-loop exception handler that turns asyncio's "socket.accept() out of system
    resource" (one traceback per failed accept, thousands a second when the process is out
    of file descriptors) into one warning every `interval` seconds; anything else goes to
    the loop's default handler."""

    MESSAGE = "socket.accept() out of system resource"

    def __init__(self, interval: float = 10.0, clock: Any = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.suppressed = 0
        self._last = float("-inf")

    def __call__(self, loop: Any, context: dict[str, Any]) -> None:
        if context.get("message") != self.MESSAGE:
            loop.default_exception_handler(context)
            return
        now = self.clock()
        if now - self._last < self.interval:
            self.suppressed += 1
            return
        self._last = now
        exc = context.get("exception")
        logging.getLogger("gateway").warning(
            "Out of file descriptors (%s): new connections wait until some close; raise the "
            "limit (LimitNOFILE) or lower server.max_connections / server.ws_max_clients"
            " (%d more like this since the last warning)",
            getattr(exc, "strerror", None) or exc,
            self.suppressed,
        )
        self.suppressed = 0
