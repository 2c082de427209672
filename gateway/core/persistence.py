"""Durable gateway state on SQLite: what clients must find again after a restart.

Kept: uniqueid → id maps (deleted resources too, so ids are never reused), user-set names
and sensor config, stable mapping decisions, groups, scenes with their per-light states,
gateway config key/values and API keys. Not kept: anything a report can rebuild — that
comes back from zigpy's attribute cache — so a busy network causes no writes on a Pi's SD
card. Every commit is made durable (WAL + `synchronous=FULL`), and on an SD card an fsync
can take seconds, so the commits happen on a writer thread of their own: a write method
hands its statements over and returns, and `durable()` tells when they are on disk — the
app layer waits for it before it acknowledges a request, so a reply still follows a write
that survives `kill -9` or power loss, while reads and events go on during the fsync.
"""

from __future__ import annotations

import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger("gateway.persistence")

DB_FILENAME = "zigbridge.db"
RESOURCE_KINDS = ("lights", "sensors")

Migration = Callable[[sqlite3.Connection], None]


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Statements one by one: `executescript` would commit the migration's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _schema_v1(conn: sqlite3.Connection) -> None:
    _run(
        conn,
        """
        CREATE TABLE resources (
            kind     TEXT    NOT NULL CHECK (kind IN ('lights', 'sensors')),
            id       INTEGER NOT NULL,
            uniqueid TEXT    NOT NULL,
            deleted  INTEGER NOT NULL DEFAULT 0,
            name     TEXT,
            config   TEXT    NOT NULL DEFAULT '{}',
            meta     TEXT    NOT NULL DEFAULT '{}',
            PRIMARY KEY (kind, id),
            UNIQUE (kind, uniqueid)
        );
        CREATE TABLE groups (
            id       INTEGER PRIMARY KEY,
            name     TEXT    NOT NULL,
            type     TEXT    NOT NULL,
            class    TEXT,
            lights   TEXT    NOT NULL DEFAULT '[]',
            hidden   INTEGER NOT NULL DEFAULT 0,
            uniqueid TEXT
        );
        CREATE TABLE scenes (
            gid            INTEGER NOT NULL,
            sid            INTEGER NOT NULL,
            name           TEXT    NOT NULL,
            transitiontime INTEGER NOT NULL,
            PRIMARY KEY (gid, sid)
        );
        CREATE TABLE scene_lights (
            gid   INTEGER NOT NULL,
            sid   INTEGER NOT NULL,
            lid   INTEGER NOT NULL,
            state TEXT    NOT NULL,
            PRIMARY KEY (gid, sid, lid),
            FOREIGN KEY (gid, sid) REFERENCES scenes (gid, sid) ON DELETE CASCADE
        );
        CREATE TABLE config (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        CREATE TABLE api_keys (
            key       TEXT PRIMARY KEY,
            name      TEXT NOT NULL,
            created   REAL NOT NULL,
            last_used REAL NOT NULL
        );
        """,
    )


def _key_scopes_v2(conn: sqlite3.Connection) -> None:
    """API keys get a scope; every key from before scopes existed keeps full control."""
    conn.execute(
        "ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'control'"
        " CHECK (scope IN ('control', 'read'))"
    )


MIGRATIONS: Mapping[int, Migration] = {1: _schema_v1, 2: _key_scopes_v2}
"""Schema version → the step that brings version-1 up to it. Add a step, never edit one."""


class SchemaTooNew(RuntimeError):
    """The database was written by a newer zigbridge; refuse rather than corrupt it."""


class WriteFailed(RuntimeError):
    """A handed-over transaction could not be committed (disk full, I/O error)."""


@dataclass(frozen=True, slots=True)
class _Statement:
    sql: str
    params: Sequence[Any] = ()
    many: bool = False  # params is a sequence of parameter tuples (executemany)


@dataclass(frozen=True, slots=True)
class ResourceRow:
    kind: str
    id: str
    uniqueid: str
    deleted: bool = False
    name: str | None = None
    config: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class GroupRow:
    id: str
    name: str
    type: str = "LightGroup"
    class_: str | None = None
    lights: tuple[str, ...] = ()
    hidden: bool = False
    uniqueid: str | None = None


@dataclass(frozen=True, slots=True)
class SceneRow:
    gid: str
    sid: str
    name: str
    transitiontime: int = 10
    lights: dict[str, dict[str, Any]] = field(default_factory=dict)  # light id → stored state


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    key: str
    name: str
    created: float
    last_used: float
    scope: str = "control"


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Persistence:
    """SQLite behind one writer thread: reads and id allocation are answered at once, writes
    are handed over in order and committed (with the fsync) off the caller's thread.

    Each outermost transaction is one commit. `durable()` is how a caller learns that what
    it handed over is on disk; `close()` writes everything handed over before it returns."""

    def __init__(self, path: str | Path, migrations: Mapping[int, Migration] | None = None) -> None:
        self.path = str(path)
        self._migrations = dict(MIGRATIONS if migrations is None else migrations)
        # The write connection: the migration runs on it here, then only the writer uses it.
        self._conn = self._connect()
        self._migrate()
        # Reads get a connection of their own (WAL lets it read during a commit); a
        # ":memory:" database exists only on its one connection.
        self._reader = self._conn if self.path == ":memory:" else self._connect()
        self._depth = 0  # nesting of _tx(); only the outermost one hands its batch over
        self._batch: list[_Statement] = []
        self._handed_over = 0  # sequence number of the last batch handed to the writer
        self._written = 0  # ... and of the last one the writer finished (committed or not)
        self._failed: dict[int, WriteFailed] = {}
        self._waiters: list[tuple[int, int, Future[None]]] = []  # (after, upto, future)
        self._state = threading.Condition()
        self._queue: queue.SimpleQueue[tuple[int, list[_Statement]] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write_loop, name="db-writer", daemon=True)
        self._closed = False
        self._ids: dict[str, dict[str, int]] = {kind: {} for kind in RESOURCE_KINDS}
        for kind, uid, rid in self._read("SELECT kind, uniqueid, id FROM resources"):
            self._ids[kind][uid] = rid
        self._writer.start()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @classmethod
    def open_data_dir(cls, data_dir: str | Path) -> Persistence:
        return cls(Path(data_dir) / DB_FILENAME)

    def close(self) -> None:
        """Write everything handed over, then stop the writer and close the database."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._writer.join()
        self._reader.close()
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one atomic, durable commit (one fsync).

        Methods called inside join the outer transaction; an exception drops them all."""
        with self._tx():
            yield

    @contextmanager
    def _tx(self) -> Iterator[_Recorder]:
        if self._depth:
            self._depth += 1
            try:
                yield _Recorder(self._batch)
            finally:
                self._depth -= 1
            return
        ids = {kind: dict(rows) for kind, rows in self._ids.items()}
        self._depth, self._batch = 1, []
        try:
            yield _Recorder(self._batch)
        except BaseException:
            self._ids = ids  # the allocations of a dropped transaction are not taken
            raise
        else:
            if self._batch:
                self._hand_over(self._batch)
        finally:
            self._depth, self._batch = 0, []

    # -- the writer thread ---------------------------------------------------------------

    @property
    def handed_over(self) -> int:
        """The sequence number of the last transaction handed to the writer (0: none)."""
        return self._handed_over

    def durable(self, after: int = 0) -> Future[None]:
        """Done once every transaction handed over so far is committed; its result is a
        `WriteFailed` if one numbered above `after` (a `handed_over` taken earlier) failed."""
        future: Future[None] = Future()
        with self._state:
            if self._written < self._handed_over:
                self._waiters.append((after, self._handed_over, future))
                return future
        self._settle(after, self._handed_over, future)
        return future

    def _hand_over(self, statements: list[_Statement]) -> None:
        if self._closed:
            raise WriteFailed(f"{self.path} is closed")
        with self._state:
            self._handed_over += 1
            self._queue.put((self._handed_over, statements))

    def _write_loop(self) -> None:
        while (item := self._queue.get()) is not None:
            seq, statements = item
            try:
                self._write(statements)
            except Exception as exc:
                LOGGER.error("Could not write to %s (change not stored): %s", self.path, exc)
                failure = WriteFailed(f"{self.path}: {exc}")
                failure.__cause__ = exc
                with self._state:
                    self._failed[seq] = failure
            with self._state:
                self._written = seq
                ready = [w for w in self._waiters if w[1] <= seq]
                self._waiters = [w for w in self._waiters if w[1] > seq]
                self._state.notify_all()
            for after, upto, future in ready:
                self._settle(after, upto, future)

    def _settle(self, after: int, upto: int, future: Future[None]) -> None:
        with self._state:
            failure = next((f for s, f in self._failed.items() if after < s <= upto), None)
        if failure is None:
            future.set_result(None)
        else:
            future.set_exception(failure)

    def _write(self, statements: list[_Statement]) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for st in statements:
                if st.many:
                    conn.executemany(st.sql, st.params)
                else:
                    conn.execute(st.sql, st.params)
            self._commit(conn)
        except BaseException:
            if conn.in_transaction:  # a failed COMMIT may have rolled back already
                conn.execute("ROLLBACK")
            raise

    def _commit(self, conn: sqlite3.Connection) -> None:
        """The commit and its fsync: the one slow step (tests slow it down here)."""
        conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """A query that sees every write handed over before it (the gateway reads only at
        start-up, before any is; it never waits then)."""
        with self._state:
            upto = self._handed_over
            self._state.wait_for(lambda: self._written >= upto)
        return self._reader.execute(sql, params)

    # -- schema ------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        row = self._read("SELECT version FROM schema_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        latest = max(self._migrations)
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = conn.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (0)")
            current = 0 if row is None else int(row[0])
            if current > latest:
                raise SchemaTooNew(f"{self.path} has schema {current}; this build knows {latest}")
            for version in range(current + 1, latest + 1):
                self._migrations[version](conn)
                conn.execute("UPDATE schema_version SET version = ?", (version,))
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
        conn.execute("COMMIT")

    # -- resources (lights, sensors) -----------------------------------------------------

    def resources(self, kind: str | None = None) -> list[ResourceRow]:
        """Every known resource row, deleted ones included."""
        sql = "SELECT kind, id, uniqueid, deleted, name, config, meta FROM resources"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [
            ResourceRow(k, str(i), u, bool(d), n, json.loads(c), json.loads(m))
            for k, i, u, d, n, c, m in self._read(sql + " ORDER BY kind, id", params)
        ]

    def allocate_ids(self, kind: str, uniqueids: Sequence[str]) -> dict[str, str]:
        """The id of each uniqueid; new ones get the lowest integer never used for `kind`.

        Answered from memory (the map is loaded at open); writes only when a uniqueid is new."""
        rows = self._ids[kind]
        result = {uid: str(rows[uid]) for uid in uniqueids if uid in rows}
        new = [uid for uid in dict.fromkeys(uniqueids) if uid not in rows]
        if new:
            used = set(rows.values())
            with self._tx() as conn:
                candidate = 1
                for uid in new:
                    while candidate in used:
                        candidate += 1
                    conn.execute(
                        "INSERT INTO resources (kind, id, uniqueid) VALUES (?, ?, ?)",
                        (kind, candidate, uid),
                    )
                    used.add(candidate)
                    rows[uid] = candidate
                    result[uid] = str(candidate)
        return result

    def set_deleted(self, kind: str, ids: Iterable[str], deleted: bool = True) -> None:
        with self._tx() as conn:
            conn.executemany(
                "UPDATE resources SET deleted = ? WHERE kind = ? AND id = ?",
                [(int(deleted), kind, int(i)) for i in ids],
            )

    def set_name(self, kind: str, id: str, name: str | None) -> None:
        """The user's name; None goes back to the default name."""
        self._update_resource(kind, id, "name", name)

    def set_resource_config(self, kind: str, id: str, config: Mapping[str, Any]) -> None:
        """The config items the user set (replaces what was stored)."""
        self._update_resource(kind, id, "config", _dumps(dict(config)))

    def set_meta(self, kind: str, id: str, meta: Mapping[str, Any]) -> None:
        """Mapping decisions that must stay stable (e.g. the sensor type of an IAS zone)."""
        self._update_resource(kind, id, "meta", _dumps(dict(meta)))

    def _update_resource(self, kind: str, id: str, column: str, value: Any) -> None:
        if int(id) not in self._ids[kind].values():
            raise KeyError(f"no {kind} resource {id}")
        with self._tx() as conn:
            conn.execute(
                f"UPDATE resources SET {column} = ? WHERE kind = ? AND id = ?",
                (value, kind, int(id)),
            )

    # -- groups and scenes ---------------------------------------------------------------

    def groups(self) -> list[GroupRow]:
        return [
            GroupRow(str(i), n, t, c, tuple(json.loads(lights)), bool(h), u)
            for i, n, t, c, lights, h, u in self._read(
                "SELECT id, name, type, class, lights, hidden, uniqueid FROM groups ORDER BY id"
            )
        ]

    def save_group(self, row: GroupRow) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO groups (id, name, type, class, lights, hidden, uniqueid)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    int(row.id),
                    row.name,
                    row.type,
                    row.class_,
                    _dumps(list(row.lights)),
                    int(row.hidden),
                    row.uniqueid,
                ),
            )

    def delete_group(self, id: str) -> None:
        """The group and its scenes."""
        with self._tx() as conn:
            conn.execute("DELETE FROM scenes WHERE gid = ?", (int(id),))
            conn.execute("DELETE FROM groups WHERE id = ?", (int(id),))

    def scenes(self) -> list[SceneRow]:
        lights: dict[tuple[int, int], dict[str, dict[str, Any]]] = {}
        for gid, sid, lid, state in self._read("SELECT gid, sid, lid, state FROM scene_lights"):
            lights.setdefault((gid, sid), {})[str(lid)] = json.loads(state)
        return [
            SceneRow(str(gid), str(sid), name, tt, lights.get((gid, sid), {}))
            for gid, sid, name, tt in self._read(
                "SELECT gid, sid, name, transitiontime FROM scenes ORDER BY gid, sid"
            )
        ]

    def save_scene(self, row: SceneRow) -> None:
        """Insert or replace a scene together with all its per-light states."""
        gid, sid = int(row.gid), int(row.sid)
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO scenes (gid, sid, name, transitiontime) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (gid, sid) DO UPDATE SET name = excluded.name,"
                " transitiontime = excluded.transitiontime",
                (gid, sid, row.name, row.transitiontime),
            )
            conn.execute("DELETE FROM scene_lights WHERE gid = ? AND sid = ?", (gid, sid))
            conn.executemany(
                "INSERT INTO scene_lights (gid, sid, lid, state) VALUES (?, ?, ?, ?)",
                [(gid, sid, int(lid), _dumps(state)) for lid, state in row.lights.items()],
            )

    def delete_scene(self, gid: str, sid: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM scenes WHERE gid = ? AND sid = ?", (int(gid), int(sid)))

    # -- gateway config ------------------------------------------------------------------

    def config_items(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self._read("SELECT key, value FROM config")}

    def get_config(self, key: str, default: Any = None) -> Any:
        row = self._read("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_config(self, values: Mapping[str, Any]) -> None:
        """Set several config keys in one durable write."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
                [(k, _dumps(v)) for k, v in values.items()],
            )

    def delete_config(self, key: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM config WHERE key = ?", (key,))

    # -- API keys (satisfies gateway.app.auth.KeyStore) ----------------------------------------

    def apikeys(self) -> list[ApiKeyRow]:
        return [
            ApiKeyRow(k, n, c, u, s)
            for k, n, c, u, s in self._read(
                "SELECT key, name, created, last_used, scope FROM api_keys ORDER BY created, key"
            )
        ]

    def save_apikey(
        self, key: str, name: str, created: float, last_used: float, scope: str = "control"
    ) -> None:
        """Insert or update a key; callers batch `last_used` updates (not per request)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO api_keys (key, name, created, last_used, scope)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, name, created, last_used, scope),
            )

    def delete_apikey(self, key: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM api_keys WHERE key = ?", (key,))


class _Recorder:
    """What a write method sees as its connection: it records the statements of the
    transaction, which the writer thread executes later, in order."""

    def __init__(self, batch: list[_Statement]) -> None:
        self._batch = batch

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._batch.append(_Statement(sql, tuple(params)))

    def executemany(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        self._batch.append(_Statement(sql, [tuple(p) for p in params], many=True))
