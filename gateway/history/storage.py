"""`history.db`: the samples on disk, one table clustered by (series, time).

A file of its own, beside `zigbridge.db`, so a batch of samples never waits for (or holds
up) the commit of a key or a scene. WAL with `synchronous=NORMAL`: a commit writes the WAL
without an fsync (checkpoints do one), because losing the last seconds of history to a
power cut is acceptable and an fsync per batch on an SD card is not.

`samples` is a WITHOUT ROWID table whose primary key is (series, ms): the rows of one
sensor key are stored together in time order, so a query or a prune is one range scan of
the table itself and there is no second index to keep. A series is a (sensor id, state
key) pair, named once in `series` so each row holds a small integer instead of two texts.
Values keep their type (NUMERIC affinity): 2150 stays an integer, 21.5 a float.

Only the recorder's worker thread uses a `Storage`.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from gateway.history.samples import Sample

DB_FILENAME = "history.db"
SCHEMA_VERSION = 1
WAL_LIMIT_BYTES = 4 << 20  # the WAL is truncated back to this after a checkpoint

Row = tuple[int, int | float]  # (ms, value)
BucketRow = tuple[int, int, float, int | float, int | float]  # (bucket, count, sum, min, max)

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS series (
        id     INTEGER PRIMARY KEY,
        sensor TEXT NOT NULL,
        key    TEXT NOT NULL,
        UNIQUE (sensor, key)
    )""",
    """CREATE TABLE IF NOT EXISTS samples (
        series INTEGER NOT NULL,
        ms     INTEGER NOT NULL,
        value  NUMERIC NOT NULL,
        PRIMARY KEY (series, ms)
    ) WITHOUT ROWID""",
)


class SchemaTooNew(RuntimeError):
    """history.db was written by a newer zigbridge."""


class Storage:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        with contextlib.suppress(FileExistsError):  # who is home when: the owner's alone
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
        self._migrate()
        self._series: dict[tuple[str, str], int] = {}
        self._load_series()

    def _load_series(self) -> None:
        rows = self._conn.execute("SELECT id, sensor, key FROM series")
        self._series = {(sensor, key): sid for sid, sensor, key in rows}

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            self._conn.close()
            known = SCHEMA_VERSION
            raise SchemaTooNew(f"{self.path} has schema {version}; this build knows {known}")
        with self._transaction():
            for statement in _SCHEMA:
                self._conn.execute(statement)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def _transaction(self) -> _Transaction:
        return _Transaction(self._conn)

    def close(self) -> None:
        self._conn.close()

    # -- writing -----------------------------------------------------------------------

    def write(self, samples: Iterable[Sample]) -> None:
        """One commit for the whole batch; a sample at the same ms as a stored one of the
        same series replaces it."""
        try:
            with self._transaction():
                known, new = self._series, self._series_id
                rows = [
                    (known.get((s.sensor, s.key)) or new(s.sensor, s.key), s.ms, s.value)
                    for s in samples
                ]
                self._conn.executemany(
                    "INSERT OR REPLACE INTO samples (series, ms, value) VALUES (?, ?, ?)", rows
                )
        except BaseException:
            self._load_series()  # the ids given out in the dropped transaction are gone
            raise

    def _series_id(self, sensor: str, key: str) -> int:
        sid = self._series.get((sensor, key))
        if sid is None:
            cursor = self._conn.execute(
                "INSERT INTO series (sensor, key) VALUES (?, ?)", (sensor, key)
            )
            sid = self._series[(sensor, key)] = int(cursor.lastrowid or 0)
        return sid

    def prune(self, before_ms: int) -> int:
        """Delete every sample older than `before_ms`; returns how many went. One range
        delete per series, each an index range of the table."""
        deleted = 0
        with self._transaction():
            for sid in self._series.values():
                cursor = self._conn.execute(
                    "DELETE FROM samples WHERE series = ? AND ms < ?", (sid, before_ms)
                )
                deleted += cursor.rowcount
        return deleted

    # -- reading -----------------------------------------------------------------------

    def raw(self, sensor: str, key: str, start: int, end: int, limit: int) -> list[Row]:
        """The newest `limit` samples with start <= ms <= end, oldest first."""
        sid = self._series.get((sensor, key))
        if sid is None:
            return []
        rows = self._conn.execute(
            "SELECT ms, value FROM samples WHERE series = ? AND ms BETWEEN ? AND ?"
            " ORDER BY ms DESC LIMIT ?",
            (sid, start, end, limit),
        ).fetchall()
        rows.reverse()
        return rows

    def buckets(
        self, sensor: str, key: str, start: int, end: int, interval: int, limit: int
    ) -> list[BucketRow]:
        """The newest `limit` non-empty buckets of `interval` ms counted from `start`, oldest
        first: (bucket number, count, sum, min, max)."""
        sid = self._series.get((sensor, key))
        if sid is None:
            return []
        rows = self._conn.execute(
            "SELECT (ms - ?) / ? AS bucket, count(*), total(value), min(value), max(value)"
            " FROM samples WHERE series = ? AND ms BETWEEN ? AND ?"
            " GROUP BY bucket ORDER BY bucket DESC LIMIT ?",
            (start, interval, sid, start, end, limit),
        ).fetchall()
        rows.reverse()
        return rows

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM samples").fetchone()[0])


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK when the block raises."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self._conn.execute("COMMIT")
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
