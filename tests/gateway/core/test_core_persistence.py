"""Persistence on a real SQLite file: schema/migrations, durability settings, each table."""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from gateway.core import persistence as persistence_module
from gateway.core.persistence import (
    GroupRow,
    Persistence,
    SceneRow,
    SchemaTooNew,
    WriteFailed,
)


def test_pragmas_and_schema_version(persistence: Persistence) -> None:
    conn = persistence._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert persistence.schema_version == max(persistence_module.MIGRATIONS)


def test_migration_hook_runs_new_steps_once(db_path: Path) -> None:
    Persistence(db_path).close()
    calls = []
    latest = max(persistence_module.MIGRATIONS)

    def step(conn: sqlite3.Connection) -> None:
        calls.append(latest + 1)
        conn.execute("ALTER TABLE groups ADD COLUMN lightsequence TEXT")

    migrations = {**persistence_module.MIGRATIONS, latest + 1: step}
    p = Persistence(db_path, migrations=migrations)
    assert p.schema_version == latest + 1
    p.close()
    p = Persistence(db_path, migrations=migrations)
    assert calls == [latest + 1]
    p.close()
    with pytest.raises(SchemaTooNew):
        Persistence(db_path)


def test_failed_migration_rolls_back(db_path: Path) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("boom")

    latest = max(persistence_module.MIGRATIONS)
    with pytest.raises(RuntimeError):
        Persistence(db_path, migrations={**persistence_module.MIGRATIONS, latest + 1: broken})
    p = Persistence(db_path)
    assert p.schema_version == latest
    assert (
        p._conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone()
        is None
    )
    p.close()


def test_id_allocation_lowest_never_used(persistence: Persistence) -> None:
    assert persistence.allocate_ids("lights", ["a-01", "b-01"]) == {"a-01": "1", "b-01": "2"}
    persistence.set_deleted("lights", ["1"])
    assert persistence.allocate_ids("lights", ["c-01", "a-01"]) == {"c-01": "3", "a-01": "1"}
    assert persistence.allocate_ids("sensors", ["a-01-0402"]) == {"a-01-0402": "1"}
    rows = {r.uniqueid: r for r in persistence.resources("lights")}
    assert rows["a-01"].deleted and not rows["b-01"].deleted


def test_resource_columns_round_trip(db_path: Path) -> None:
    p = Persistence(db_path)
    p.allocate_ids("sensors", ["x-01-0500"])
    p.set_name("sensors", "1", "Front door")
    p.set_resource_config("sensors", "1", {"on": False})
    p.set_meta("sensors", "1", {"type": "ZHAOpenClose"})
    with pytest.raises(KeyError):
        p.set_name("sensors", "9", "nope")
    p.close()
    [row] = Persistence(db_path).resources()
    assert (row.name, row.config, row.meta) == (
        "Front door",
        {"on": False},
        {"type": "ZHAOpenClose"},
    )


def test_groups_scenes_cascade(persistence: Persistence) -> None:
    persistence.save_group(GroupRow("5", "Kitchen", "Room", "Kitchen", ("1", "2")))
    persistence.save_scene(SceneRow("5", "1", "Cook", 10, {"1": {"on": True, "bri": 200}}))
    persistence.save_scene(SceneRow("0", "1", "All off", 4, {"1": {"on": False}}))
    assert persistence.groups() == [GroupRow("5", "Kitchen", "Room", "Kitchen", ("1", "2"))]
    assert persistence.scenes()[1] == SceneRow(
        "5", "1", "Cook", 10, {"1": {"bri": 200, "on": True}}
    )
    persistence.save_scene(SceneRow("5", "1", "Cooking", 10, {}))
    assert persistence.scenes()[1].lights == {}
    persistence.delete_group("5")
    assert [(s.gid, s.sid) for s in persistence.scenes()] == [("0", "1")]
    assert (
        persistence._conn.execute("SELECT COUNT(*) FROM scene_lights WHERE gid = 5").fetchone()[0]
        == 0
    )


def test_config_and_api_keys(db_path: Path) -> None:
    p = Persistence(db_path)
    p.set_config({"name": "Phoscon-GW", "websocketnotifyall": False, "nested": {"a": [1]}})
    p.save_apikey("7A3F0C91DE", "pydeconz", 100.0, 100.0)
    p.save_apikey("7A3F0C91DE", "pydeconz", 100.0, 250.0)
    p.save_apikey("0A1B2C3D4E", "homebridge", 200.0, 200.0)
    p.delete_apikey("0A1B2C3D4E")
    p.close()
    p = Persistence(db_path)
    assert p.config_items() == {
        "name": "Phoscon-GW",
        "websocketnotifyall": False,
        "nested": {"a": [1]},
    }
    assert p.get_config("missing", 5) == 5
    p.delete_config("name")
    assert p.get_config("name") is None
    [key] = p.apikeys()
    assert (key.key, key.name, key.created, key.last_used) == (
        "7A3F0C91DE",
        "pydeconz",
        100.0,
        250.0,
    )
    p.close()


def test_api_key_scopes_round_trip(db_path: Path) -> None:
    p = Persistence(db_path)
    p.save_apikey("7A3F0C91DE", "dashboard", 1.0, 1.0, "read")
    p.save_apikey("0A1B2C3D4E", "pydeconz", 2.0, 2.0)
    p.close()
    p = Persistence(db_path)
    assert [(k.key, k.scope) for k in p.apikeys()] == [
        ("7A3F0C91DE", "read"),
        ("0A1B2C3D4E", "control"),
    ]
    p.close()


def test_a_database_from_before_scopes_keeps_its_keys_with_control(db_path: Path) -> None:
    old = Persistence(db_path, migrations={1: persistence_module.MIGRATIONS[1]})
    old.close()
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO api_keys VALUES ('7A3F0C91DE', 'pydeconz', 1.5, 2.5)")
    p = Persistence(db_path)
    assert p.schema_version == max(persistence_module.MIGRATIONS)
    [key] = p.apikeys()
    assert (key.key, key.name, key.created, key.last_used, key.scope) == (
        "7A3F0C91DE",
        "pydeconz",
        1.5,
        2.5,
        "control",
    )
    p.close()
    with sqlite3.connect(db_path) as db, pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE api_keys SET scope = 'admin'")  # only the two scopes exist


def test_reports_cause_no_writes(store, zoo, joined, rx) -> None:
    """State from reports is rebuilt from zigpy's cache, never written (SD card wear)."""
    joined(zoo.climate_sensor())
    p = store.persistence
    p.durable().result(10)  # the join's own writes are committed (else they race the count)
    before = p._conn.total_changes, p.handed_over
    for value in range(2000, 2100):
        store.handle(rx.report("00:15:8d:00:02:aa:bb:cc", 1, 0x0402, 0x0000, value))
        store.handle(rx.report("00:15:8d:00:02:aa:bb:cc", 1, 0x0001, 0x0021, 150))
    p.durable().result(10)
    assert (p._conn.total_changes, p.handed_over) == before


def test_transaction_is_atomic_and_nests(persistence: Persistence) -> None:
    with pytest.raises(RuntimeError), persistence.transaction():
        persistence.save_group(GroupRow("1", "a"))
        with persistence.transaction():
            persistence.save_group(GroupRow("2", "b"))
        raise RuntimeError("abort")
    assert persistence.groups() == []
    with persistence.transaction():
        persistence.save_group(GroupRow("1", "a"))
        persistence.save_group(GroupRow("2", "b"))
    assert [g.id for g in persistence.groups()] == ["1", "2"]


def test_writes_survive_kill_9(db_path: Path) -> None:
    """A write reported durable is on disk even if the process is killed right after."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from gateway.core.persistence import Persistence
        from gateway.core.store import Store
        store = Store(Persistence({str(db_path)!r}))
        gid = store.create_group("Survivor")
        store.persistence.save_apikey("0A1B2C3D4E", "pydeconz", 1.0, 1.0)
        store.persistence.durable().result()
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=Path(__file__).parents[3], check=False
    )
    assert result.returncode == -signal.SIGKILL
    p = Persistence(db_path)
    assert [(g.id, g.name) for g in p.groups()] == [("1", "Survivor")]
    assert [k.key for k in p.apikeys()] == ["0A1B2C3D4E"]
    p.close()


def test_a_failed_write_leaves_the_store_unchanged(store, zoo, joined, monkeypatch) -> None:
    joined(zoo.ext_color_light())
    gid = store.create_group("Living")

    def disk_full(*_args, **_kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.persistence, "set_name", disk_full)
    monkeypatch.setattr(store.persistence, "save_group", disk_full)
    monkeypatch.setattr(store.persistence, "save_scene", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        store.rename("lights", "1", "Kitchen")
    with pytest.raises(sqlite3.OperationalError):
        store.set_group_lights(gid, ["1"])
    with pytest.raises(sqlite3.OperationalError):
        store.create_scene(gid, "Relax")
    assert store.lights["1"].name == "Extended color light 1"
    assert store.groups[gid].lights == [] and store.groups[gid].scenes == {}
    assert store.lights["1"].config == {"groups": ["0"]}


class SlowPersistence(Persistence):
    """A real Persistence whose writer holds each commit until `release` is set: storage
    whose fsync takes its time."""

    def __init__(self, path: Path) -> None:
        self.committing = threading.Event()
        self.release = threading.Event()
        super().__init__(path)
        self.release.set()  # the migration and start-up are not held; tests clear it

    def _commit(self, conn: sqlite3.Connection) -> None:
        self.committing.set()
        assert self.release.wait(30), "the test never released the commit"
        super()._commit(conn)


def on_disk(db_path: Path, sql: str) -> list[tuple]:
    """Read through a connection of our own: what is committed, nothing else."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


def test_a_write_returns_before_its_commit_and_is_durable_after(db_path: Path) -> None:
    p = SlowPersistence(db_path)
    p.release.clear()
    p.save_group(GroupRow("1", "Kitchen"))  # returns although the commit is held
    assert p.committing.wait(30)
    durable = p.durable()
    assert not durable.done()
    assert p.allocate_ids("lights", ["a-01"]) == {"a-01": "1"}  # answered from memory
    assert on_disk(db_path, "SELECT id, name FROM groups") == []
    p.release.set()
    durable.result(timeout=30)
    assert on_disk(db_path, "SELECT id, name FROM groups") == [(1, "Kitchen")]
    p.durable().result(timeout=30)
    assert on_disk(db_path, "SELECT kind, id, uniqueid FROM resources") == [("lights", 1, "a-01")]
    p.close()


def test_writes_are_committed_in_the_order_they_were_made(db_path: Path) -> None:
    p = SlowPersistence(db_path)
    p.release.clear()
    for value in range(50):
        p.set_config({"counter": value, f"key{value}": value})
    p.save_group(GroupRow("3", "First"))
    p.delete_group("3")
    p.save_group(GroupRow("3", "Second"))
    p.release.set()
    p.durable().result(timeout=30)
    assert on_disk(db_path, "SELECT value FROM config WHERE key = 'counter'") == [("49",)]
    assert on_disk(db_path, "SELECT name FROM groups") == [("Second",)]
    assert len(on_disk(db_path, "SELECT key FROM config WHERE key LIKE 'key%'")) == 50
    p.close()


def test_close_writes_everything_handed_over(db_path: Path) -> None:
    p = SlowPersistence(db_path)
    p.release.clear()
    p.save_apikey("0A1B2C3D4E", "pydeconz", 1.0, 1.0)
    p.set_config({"name": "Attic"})
    assert p.committing.wait(30)
    threading.Timer(0.05, p.release.set).start()
    p.close()
    p = Persistence(db_path)
    assert [k.key for k in p.apikeys()] == ["0A1B2C3D4E"]
    assert p.get_config("name") == "Attic"
    p.close()


def test_a_failed_commit_fails_its_waiters_and_is_logged_once(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    p = Persistence(db_path)

    def disk_full(conn: sqlite3.Connection) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    before = p.handed_over
    with monkeypatch.context() as patch, caplog.at_level(logging.ERROR):
        patch.setattr(p, "_commit", disk_full)
        p.set_config({"name": "Lost"})
        with pytest.raises(WriteFailed, match="disk is full"):
            p.durable(before).result(timeout=30)
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "disk is full" in caplog.records[0].getMessage()
    after_failure = p.handed_over
    p.set_config({"name": "Kept"})
    p.durable(after_failure).result(timeout=30)  # a later write is not failed by it
    assert p.get_config("name") == "Kept"
    p.close()
