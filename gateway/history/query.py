"""A history query: its parameters checked, and the answer built from stored rows plus the
samples still waiting in memory.

Parameters (all optional): `keys` (comma separated, may repeat), `start` and `end` (epoch
milliseconds or ISO 8601; a time without a zone is UTC; default the last 24 hours up to
now, both ends included), `interval` (bucket width in ms), `agg` (`none`, `avg`, `min`,
`max`, `count`; `avg` when an interval is given, else `none`) and `limit` (points per key,
default 1000, at most 10000). With `agg` but no `interval` the whole window is one bucket.
A bucket's point is stamped with its start, counted from `start`. When more points match
than `limit`, the newest are answered (an older page: `end` = the first point's time - 1);
every list is oldest first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.history.samples import Sample
from gateway.history.storage import BucketRow, Row

DEFAULT_WINDOW_MS = 24 * 3600 * 1000
DEFAULT_LIMIT = 1000
MAX_LIMIT = 10_000
MAX_KEYS = 16
AGGREGATES = ("none", "avg", "min", "max", "count")
PARAMETERS = ("keys", "start", "end", "interval", "agg", "limit")
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


class BadParameter(ValueError):
    """A query parameter that cannot be used; `known` False: not a parameter at all."""

    def __init__(self, name: str, value: str, *, known: bool = True) -> None:
        super().__init__(f"{name}={value!r}")
        self.name = name
        self.value = value
        self.known = known


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    keys: tuple[str, ...] | None  # None: every recordable key the sensor has
    start: int  # ms, included
    end: int  # ms, included
    interval: int | None  # bucket width in ms; None: raw points
    agg: str
    limit: int


def parse_query(pairs: Iterable[tuple[str, str]], now_ms: int) -> HistoryQuery:
    """The query a URL's parameters ask for; raises `BadParameter` naming the first bad one."""
    values: dict[str, str] = {}
    keys: list[str] = []
    for name, value in pairs:
        if name not in PARAMETERS:
            raise BadParameter(name, value, known=False)
        if name == "keys":
            keys.extend(_keys(value))
        elif name in values:
            raise BadParameter(name, value)  # given twice: which one was meant?
        else:
            values[name] = value
    if len(set(keys)) > MAX_KEYS:
        raise BadParameter("keys", ",".join(keys))
    end = _time("end", values["end"]) if "end" in values else now_ms
    start = _time("start", values["start"]) if "start" in values else end - DEFAULT_WINDOW_MS
    if start > end:
        raise BadParameter("start", values.get("start", str(start)))
    interval = None
    if "interval" in values:
        interval = _integer("interval", values["interval"], 1, _MAX_MS)
    agg = values.get("agg", "none" if interval is None else "avg")
    if agg not in AGGREGATES:
        raise BadParameter("agg", agg)
    if agg == "none" and interval is not None:
        raise BadParameter("interval", values["interval"])  # buckets of raw points?
    if agg != "none" and interval is None:
        interval = end - start + 1
    limit = _integer("limit", values["limit"], 1, MAX_LIMIT) if "limit" in values else DEFAULT_LIMIT
    return HistoryQuery(tuple(dict.fromkeys(keys)) or None, start, end, interval, agg, limit)


def query_pairs(fields: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The URL parameters a JSON request stands for (the v1 websocket's `history` message:
    `{"keys": ["temperature"], "start": 1700000000000, ...}`), so that the one handler checks
    and answers it: a list of keys is joined with commas, an integral number written as
    text, None leaves the parameter out; anything else is passed on as JSON text, which the
    handler refuses naming the parameter."""
    pairs = []
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, str):
            text = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = str(int(value)) if float(value).is_integer() else repr(value)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            text = ",".join(value)
        else:
            text = json.dumps(value)
        pairs.append((name, text))
    return tuple(pairs)


def _keys(text: str) -> list[str]:
    keys = text.split(",")
    if not all(_KEY.fullmatch(key) for key in keys):
        raise BadParameter("keys", text)
    return keys


def _integer(name: str, text: str, low: int, high: int) -> int:
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise BadParameter(name, text)
    return int(text)


def _time(name: str, text: str) -> int:
    """Epoch milliseconds, or an ISO 8601 date or time (UTC when it names no zone)."""
    if text.isascii() and text.isdigit():
        return _integer(name, text, 0, _MAX_MS)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = _plus_lost_in_url(text)
        if when is None:
            raise BadParameter(name, text) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    ms = round(when.timestamp() * 1000)
    if not 0 <= ms <= _MAX_MS:
        raise BadParameter(name, text)
    return ms


def _plus_lost_in_url(text: str) -> datetime | None:
    """`...T08:00:00+01:00` typed into a URL arrives as `...T08:00:00 01:00` (a `+` in a
    query string is a space): read the last space as the zone's sign."""
    head, space, zone = text.rpartition(" ")
    if not space or not zone[:1].isdigit():
        return None
    try:
        return datetime.fromisoformat(f"{head}+{zone}")
    except ValueError:
        return None


# ---- building the answer ----------------------------------------------------------------

Point = list[int | float]  # [ms, value], as JSON sends it


def in_window(samples: Iterable[Sample], sensor: str, key: str, q: HistoryQuery) -> list[Row]:
    """The waiting samples of one series inside the query's window, in time order."""
    rows = [
        (s.ms, s.value)
        for s in samples
        if s.sensor == sensor and s.key == key and q.start <= s.ms <= q.end
    ]
    rows.sort(key=lambda row: row[0])
    return rows


def raw_points(stored: Sequence[Row], waiting: Sequence[Row], limit: int) -> list[Point]:
    """Stored and waiting rows merged (a waiting sample replaces a stored one at the same
    ms, as its write will), the newest `limit`, oldest first; both come in time order."""
    if not waiting:  # the usual case: nothing of this series waits
        return [[ms, value] for ms, value in stored[-limit:]]
    merged = dict(stored)
    merged.update(waiting)
    return [[ms, merged[ms]] for ms in sorted(merged)[-limit:]]


def bucket_points(
    stored: Sequence[BucketRow], waiting: Sequence[Row], q: HistoryQuery
) -> list[Point]:
    """Stored bucket aggregates with the waiting rows folded in, as `q.agg` asks."""
    assert q.interval is not None
    buckets = {b: [n, total, low, high] for b, n, total, low, high in stored}
    for ms, value in waiting:
        bucket = (ms - q.start) // q.interval
        acc = buckets.get(bucket)
        if acc is None:
            buckets[bucket] = [1, value, value, value]
        else:
            acc[0] += 1
            acc[1] += value
            acc[2] = min(acc[2], value)
            acc[3] = max(acc[3], value)
    points = []
    for bucket in sorted(buckets)[-q.limit :]:
        n, total, low, high = buckets[bucket]
        value = {"avg": total / n, "min": low, "max": high, "count": n}[q.agg]
        points.append([q.start + bucket * q.interval, value])
    return points
