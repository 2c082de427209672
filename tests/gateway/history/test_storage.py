"""history.db itself: samples written in one batch, read back by range, pruned by age."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.history.samples import Sample
from gateway.history.storage import SchemaTooNew, Storage


def test_written_samples_read_back_in_time_order_keeping_their_type(tmp_path: Path):
    db = Storage(tmp_path / "history.db")
    db.write([Sample("5", "temperature", 3000, 21.5), Sample("5", "temperature", 1000, 2150)])
    db.write([Sample("6", "temperature", 2000, 1)])
    assert db.raw("5", "temperature", 0, 10_000, 100) == [(1000, 2150), (3000, 21.5)]
    assert db.raw("5", "humidity", 0, 10_000, 100) == []
    assert db.raw("7", "temperature", 0, 10_000, 100) == []
    db.close()


def test_the_window_includes_both_ends_and_limit_keeps_the_newest(tmp_path: Path):
    db = Storage(tmp_path / "history.db")
    db.write([Sample("5", "t", ms, ms // 10) for ms in range(0, 1000, 100)])
    assert db.raw("5", "t", 200, 400, 100) == [(200, 20), (300, 30), (400, 40)]
    assert db.raw("5", "t", 0, 10_000, 2) == [(800, 80), (900, 90)]
    db.close()


def test_a_sample_at_the_same_ms_replaces_the_stored_one(tmp_path: Path):
    db = Storage(tmp_path / "history.db")
    db.write([Sample("5", "t", 1000, 1)])
    db.write([Sample("5", "t", 1000, 2)])
    assert db.raw("5", "t", 0, 2000, 10) == [(1000, 2)]
    db.close()


def test_prune_deletes_only_what_is_older_than_the_cutoff(tmp_path: Path):
    db = Storage(tmp_path / "history.db")
    db.write([Sample(s, "t", ms, 1) for s in ("5", "6") for ms in (1000, 2000, 3000)])
    assert db.prune(2000) == 2
    assert db.raw("5", "t", 0, 9999, 10) == [(2000, 1), (3000, 1)]
    assert db.raw("6", "t", 0, 9999, 10) == [(2000, 1), (3000, 1)]
    db.close()


def test_buckets_count_from_start(tmp_path: Path):
    db = Storage(tmp_path / "history.db")
    db.write([Sample("5", "t", ms, v) for ms, v in ((100, 1), (150, 3), (250, 10), (990, 7))])
    # buckets of 100 ms from 100: [100,200) [200,300) ... [900,1000)
    assert db.buckets("5", "t", 100, 1000, 100, 10) == [
        (0, 2, 4.0, 1, 3),
        (1, 1, 10.0, 10, 10),
        (8, 1, 7.0, 7, 7),
    ]
    assert db.buckets("5", "t", 100, 1000, 100, 1) == [(8, 1, 7.0, 7, 7)]
    db.close()


def test_series_survive_reopening(tmp_path: Path):
    db = Storage(tmp_path / "history.db")
    db.write([Sample("5", "t", 1, 1)])
    db.close()
    db = Storage(tmp_path / "history.db")
    db.write([Sample("5", "t", 2, 2), Sample("5", "u", 2, 3)])
    assert db.raw("5", "t", 0, 9, 9) == [(1, 1), (2, 2)]
    assert db.raw("5", "u", 0, 9, 9) == [(2, 3)]
    db.close()


def test_the_file_is_readable_by_its_owner_only(tmp_path: Path):
    Storage(tmp_path / "history.db").close()
    assert (tmp_path / "history.db").stat().st_mode & 0o777 == 0o600


def test_a_newer_schema_is_refused(tmp_path: Path):
    Storage(tmp_path / "history.db").close()
    conn = sqlite3.connect(tmp_path / "history.db")
    conn.execute("PRAGMA user_version=2")
    conn.close()
    with pytest.raises(SchemaTooNew):
        Storage(tmp_path / "history.db")
