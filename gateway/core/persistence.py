"""Durable gateway state on SQLite: what clients must find again after a restart.

Kept: uniqueid → id maps (deleted resources too, so ids are never reused), user-set names
and sensor config, stable mapping decisions, groups, scenes with their per-light states,
gateway config key/values and API keys. Not kept: anything a report can rebuild — that
comes back from zigpy's attribute cache — so a busy network causes no writes on a Pi's SD
card. Writes are rare, so every commit is made durable (WAL + `synchronous=FULL`) before
the method returns: a REST reply can follow a write that survives `kill -9` or power loss.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


MIGRATIONS: Mapping[int, Migration] = {1: _schema_v1}
"""Schema version → the step that brings version-1 up to it. Add a step, never edit one."""


class SchemaTooNew(RuntimeError):
    """The database was written by a newer zigbridge; refuse rather than corrupt it."""


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


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class Persistence:
    """One SQLite connection; synchronous, fast, one transaction per method."""

    def __init__(self, path: str | Path, migrations: Mapping[int, Migration] | None = None) -> None:
        self.path = str(path)
        self._migrations = dict(MIGRATIONS if migrations is None else migrations)
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        self._depth = 0  # nesting of _tx(); only the outermost one commits
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    @classmethod
    def open_data_dir(cls, data_dir: str | Path) -> Persistence:
        return cls(Path(data_dir) / DB_FILENAME)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several writes into one atomic, durable commit (one fsync).

        Methods called inside join the outer transaction; an exception rolls all back."""
        with self._tx():
            yield

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self._depth:
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
            return
        self._conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._depth = 0

    # -- schema ------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        row = self._conn.execute("SELECT version FROM schema_version").fetchone()
        return int(row[0])

    def _migrate(self) -> None:
        latest = max(self._migrations)
        with self._tx() as conn:
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
            for k, i, u, d, n, c, m in self._conn.execute(sql + " ORDER BY kind, id", params)
        ]

    def allocate_ids(self, kind: str, uniqueids: Sequence[str]) -> dict[str, str]:
        """The id of each uniqueid; new ones get the lowest integer never used for `kind`.

        Writes (one transaction) only when a uniqueid is new."""
        rows = dict(
            self._conn.execute("SELECT uniqueid, id FROM resources WHERE kind = ?", (kind,))
        )
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
        with self._tx() as conn:
            cursor = conn.execute(
                f"UPDATE resources SET {column} = ? WHERE kind = ? AND id = ?",
                (value, kind, int(id)),
            )
            if cursor.rowcount != 1:
                raise KeyError(f"no {kind} resource {id}")

    # -- groups and scenes ---------------------------------------------------------------

    def groups(self) -> list[GroupRow]:
        return [
            GroupRow(str(i), n, t, c, tuple(json.loads(lights)), bool(h), u)
            for i, n, t, c, lights, h, u in self._conn.execute(
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
        for gid, sid, lid, state in self._conn.execute(
            "SELECT gid, sid, lid, state FROM scene_lights"
        ):
            lights.setdefault((gid, sid), {})[str(lid)] = json.loads(state)
        return [
            SceneRow(str(gid), str(sid), name, tt, lights.get((gid, sid), {}))
            for gid, sid, name, tt in self._conn.execute(
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
        return {k: json.loads(v) for k, v in self._conn.execute("SELECT key, value FROM config")}

    def get_config(self, key: str, default: Any = None) -> Any:
        row = self._conn.execute("SELECT value FROM config WHERE key = ?", (key,)).fetchone()
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
            ApiKeyRow(k, n, c, u)
            for k, n, c, u in self._conn.execute(
                "SELECT key, name, created, last_used FROM api_keys ORDER BY created, key"
            )
        ]

    def save_apikey(self, key: str, name: str, created: float, last_used: float) -> None:
        """Insert or update a key; callers batch `last_used` updates (not per request)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO api_keys (key, name, created, last_used)"
                " VALUES (?, ?, ?, ?)",
                (key, name, created, last_used),
            )

    def delete_apikey(self, key: str) -> None:
        with self._tx() as conn:
            conn.execute("DELETE FROM api_keys WHERE key = ?", (key,))
