"""The in-memory journal: what a reconnecting client can still be given, and when not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.app.journal import Journal


def filled(n: int, **limits: int) -> Journal:
    journal = Journal(**limits)
    for seq in range(1, n + 1):
        journal.append(seq, f"event {seq}")
    return journal


def test_an_empty_journal_has_nothing_to_replay_but_is_in_sync_at_zero():
    journal = Journal()
    assert journal.since(0) == []
    assert journal.since(1) is None  # ahead of the stream: not this stream
    assert (journal.first_seq, journal.last_seq) == (1, 0)


def test_replays_exactly_the_events_after_the_given_seq():
    journal = filled(10)
    assert [e.seq for e in journal.since(7)] == [8, 9, 10]
    assert [e.text for e in journal.since(9)] == ["event 10"]
    assert journal.since(10) == []
    assert [e.seq for e in journal.since(0)] == list(range(1, 11))


def test_a_seq_older_than_what_is_kept_asks_for_a_snapshot():
    journal = filled(10, max_events=4)
    assert (journal.first_seq, journal.last_seq, len(journal)) == (7, 10, 4)
    assert [e.seq for e in journal.since(6)] == [7, 8, 9, 10]  # nothing missing yet
    assert journal.since(5) is None  # event 6 is gone
    assert journal.since(11) is None


def test_the_byte_budget_drops_the_oldest_but_keeps_the_newest_event():
    journal = Journal(max_events=100, max_bytes=25)
    for seq, text in enumerate(["a" * 10, "b" * 10, "c" * 10, "d" * 40], start=1):
        journal.append(seq, text)
    assert [e.seq for e in journal.since(3)] == [4]
    assert journal.since(2) is None
    assert journal.size_bytes == 40  # one oversized event is still kept


def test_sequence_numbers_must_follow_each_other():
    journal = filled(3)
    with pytest.raises(ValueError):
        journal.append(5, "a gap")
    with pytest.raises(ValueError):
        journal.append(3, "a repeat")
    with pytest.raises(ValueError):
        Journal(max_events=0)


@given(
    total=st.integers(0, 60),
    max_events=st.integers(1, 20),
    max_bytes=st.integers(1, 200),
    since=st.integers(0, 70),
)
def test_since_is_complete_or_refuses(total, max_events, max_bytes, since):
    journal = filled(total, max_events=max_events, max_bytes=max_bytes)
    assert len(journal) <= max_events
    got = journal.since(since)
    if got is None:
        assert since > total or since + 1 < journal.first_seq
    else:
        assert [e.seq for e in got] == list(range(since + 1, total + 1))
