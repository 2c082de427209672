"""The recorder: what a query answers right after a report, when samples reach the disk
(batches bounded by size and time, and on close), after a restart, and retention."""

from __future__ import annotations

from pathlib import Path

from gateway.history.query import HistoryQuery
from gateway.history.recorder import Recorder

from .conftest import Clock, changed, rows_on_disk

DAY_S = 86_400
WAIT = 10  # s: how long a test waits for the worker thread before it fails


def window(clock: Clock, seconds: float = 3600, **kw) -> HistoryQuery:
    fields = {"interval": None, "agg": "none", "limit": 1000, **kw}
    return HistoryQuery(None, clock.ms - int(seconds * 1000), clock.ms, **fields)


def points(recorder: Recorder, clock: Clock, sensor: str = "5", keys=("temperature",), **kw):
    return recorder.query(sensor, keys, window(clock, **kw)).result(WAIT)


def test_a_report_is_answered_at_once_before_it_is_written(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", clock=clock)
    recorder.record(changed("5", temperature=2150, lastupdated="x"))
    clock.now += 1
    recorder.record(changed("5", temperature=2200))
    assert points(recorder, clock) == {"temperature": [[clock.ms - 1000, 2150], [clock.ms, 2200]]}
    assert rows_on_disk(tmp_path / "history.db") == 0
    recorder.close()


def test_a_full_batch_is_written_at_once(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", clock=clock, batch_rows=10)
    for i in range(9):
        clock.now += 1
        recorder.record(changed("5", temperature=i))
    points(recorder, clock)  # the worker runs in order: the query waits for any write
    assert rows_on_disk(tmp_path / "history.db") == 0
    clock.now += 1
    recorder.record(changed("5", temperature=9))
    points(recorder, clock)
    assert rows_on_disk(tmp_path / "history.db") == 10
    recorder.close()


def test_a_batch_waits_at_most_flush_seconds(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", clock=clock, flush_seconds=10)
    recorder.tick(clock.now)
    recorder.record(changed("5", temperature=1, humidity=2))
    clock.now += 9
    recorder.tick(clock.now)
    points(recorder, clock)
    assert rows_on_disk(tmp_path / "history.db") == 0
    clock.now += 1
    recorder.tick(clock.now)
    points(recorder, clock)
    assert rows_on_disk(tmp_path / "history.db") == 2
    recorder.close()


def test_close_writes_what_waits_and_a_restart_answers_it(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", clock=clock)
    recorder.record(changed("5", temperature=2150, open=True))
    recorder.close()
    assert rows_on_disk(tmp_path / "history.db") == 2
    clock.now += 60
    again = Recorder(tmp_path / "history.db", clock=clock)
    assert points(again, clock, keys=("temperature", "open", "humidity")) == {
        "temperature": [[clock.ms - 60_000, 2150]],
        "open": [[clock.ms - 60_000, 1]],
        "humidity": [],
    }
    again.close()


def test_aggregates_span_written_and_waiting_samples(tmp_path: Path):
    clock = Clock(1_800_000_000)
    recorder = Recorder(tmp_path / "history.db", clock=clock)
    start = clock.ms
    for value in (10, 20, 30):  # written
        recorder.record(changed("5", temperature=value))
        clock.now += 20
    recorder.flush().result(WAIT)
    for value in (40, 50):  # waiting (the second is in the next minute)
        recorder.record(changed("5", temperature=value))
        clock.now += 20
    assert rows_on_disk(tmp_path / "history.db") == 3
    query = HistoryQuery(None, start, clock.ms, 60_000, "avg", 100)
    assert recorder.query("5", ("temperature",), query).result(WAIT) == {
        "temperature": [[start, 20.0], [start + 60_000, 45.0]]
    }
    query = HistoryQuery(None, start, clock.ms, 60_000, "count", 100)
    assert recorder.query("5", ("temperature",), query).result(WAIT) == {
        "temperature": [[start, 3], [start + 60_000, 2]]
    }
    recorder.close()


def test_sensors_and_keys_are_kept_apart(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", clock=clock)
    recorder.record(changed("5", temperature=1))
    recorder.record(changed("6", temperature=2, humidity=3))
    recorder.flush().result(WAIT)
    assert points(recorder, clock, sensor="6", keys=("temperature", "humidity")) == {
        "temperature": [[clock.ms, 2]],
        "humidity": [[clock.ms, 3]],
    }
    recorder.close()


def test_samples_older_than_the_retention_are_pruned(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", 2, clock=clock, prune_seconds=3600)
    old = clock.ms
    recorder.record(changed("5", temperature=1))
    clock.now += 2 * DAY_S - 100
    recorder.record(changed("5", temperature=2))
    recorder.tick(clock.now)  # the first tick prunes: nothing is 2 days old yet
    recorder.flush().result(WAIT)
    newer = [old + (2 * DAY_S - 100) * 1000, 2]
    clock.now += 110  # the first sample is 2 days + 10 s old, but prunes are hourly
    recorder.tick(clock.now)
    assert points(recorder, clock, seconds=3 * DAY_S) == {"temperature": [[old, 1], newer]}
    clock.now += 3600
    recorder.tick(clock.now)
    assert points(recorder, clock, seconds=3 * DAY_S) == {"temperature": [newer]}
    assert rows_on_disk(tmp_path / "history.db") == 1
    recorder.close()


def test_counters_say_what_was_taken_written_and_is_waiting(tmp_path: Path):
    clock = Clock()
    recorder = Recorder(tmp_path / "history.db", clock=clock)
    recorder.record(changed("5", temperature=1, humidity=2))
    assert (recorder.recorded, recorder.written, recorder.waiting) == (2, 0, 2)
    recorder.flush().result(WAIT)
    assert (recorder.recorded, recorder.written, recorder.waiting, recorder.dropped) == (2, 2, 0, 0)
    recorder.close()


def test_zero_days_records_nothing_and_answers_empty_lists(tmp_path: Path):
    clock = Clock()
    recorder = Recorder.in_data_dir(tmp_path, 0, clock=clock)
    recorder.record(changed("5", temperature=1))
    recorder.tick(clock.now + 100)
    assert points(recorder, clock) == {"temperature": []}
    recorder.close()
    assert list(tmp_path.iterdir()) == []
