"""The five deCONZ timestamp formats, as deCONZ writes them.

Clients parse these strings, so each field keeps its own format: `lastupdated` has
milliseconds and no zone suffix, `lastseen` stops at the minute, `lastannounced` has
seconds and a `Z`, and the config `UTC`/`localtime` have seconds and no suffix.
All functions take epoch seconds (float) and work in UTC unless they say otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(int(ts // 1), UTC)


def lastupdated(ts: float | None) -> str:
    """Sensor `state.lastupdated`: `2024-05-02T08:10:43.512` (UTC, ms, no Z) or `none`."""
    if ts is None:
        return "none"
    total_ms = round(ts * 1000)
    seconds, ms = divmod(total_ms, 1000)
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%dT%H:%M:%S}.{ms:03d}"


def lastseen(ts: float | None) -> str | None:
    """`lastseen`: `2024-05-02T08:10Z` (UTC, minute resolution)."""
    return None if ts is None else f"{_utc(ts):%Y-%m-%dT%H:%M}Z"


def lastannounced(ts: float | None) -> str | None:
    """`lastannounced`, `state.lastset`, `state.utc`: `2024-05-01T06:00:12Z`."""
    return None if ts is None else f"{_utc(ts):%Y-%m-%dT%H:%M:%S}Z"


def utc(ts: float) -> str:
    """Config `UTC`, rule and whitelist dates: `2024-05-02T08:10:43` (UTC, no Z)."""
    return f"{_utc(ts):%Y-%m-%dT%H:%M:%S}"


def localtime(ts: float, tz: tzinfo | None = None) -> str:
    """Config `localtime`: like `utc` but in `tz` (the host's zone when None)."""
    moment = (
        datetime.fromtimestamp(int(ts // 1), tz) if tz else datetime.fromtimestamp(int(ts // 1))
    )
    return f"{moment:%Y-%m-%dT%H:%M:%S}"
