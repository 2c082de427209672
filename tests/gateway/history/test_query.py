"""The query's parameters, and buckets built from stored and waiting rows."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.history.query import (
    DEFAULT_LIMIT,
    BadParameter,
    HistoryQuery,
    bucket_points,
    parse_query,
    query_pairs,
    raw_points,
)

NOW = 1_800_000_000_000
DAY = 86_400_000


def test_defaults_are_raw_points_of_the_last_24_hours():
    assert parse_query([], NOW) == HistoryQuery(None, NOW - DAY, NOW, None, "none", DEFAULT_LIMIT)


def test_times_in_ms_or_iso_8601_utc_when_no_zone_is_given():
    # 1_800_000_000_000 ms is 2027-01-15 08:00:00 UTC
    q = parse_query([("start", "2027-01-15T08:00:00Z"), ("end", "1800000000500")], NOW)
    assert (q.start, q.end) == (NOW, NOW + 500)
    q = parse_query([("start", "2027-01-15T08:00:00"), ("end", "2027-01-15T10:00:00+02:00")], NOW)
    assert (q.start, q.end) == (NOW, NOW)
    q = parse_query([("start", "2027-01-15"), ("end", "2027-01-15T08:00:00.250Z")], NOW)
    assert (q.start, q.end) == (NOW - 8 * 3600_000, NOW + 250)


def test_a_zone_whose_plus_became_a_space_in_the_url_is_read_as_meant():
    q = parse_query([("start", "2027-01-15T10:00:00 02:00"), ("end", "2027-01-15 08:00")], NOW)
    assert (q.start, q.end) == (NOW, NOW)


def test_end_alone_moves_the_default_window():
    q = parse_query([("end", "1000000000000")], NOW)
    assert (q.start, q.end) == (1_000_000_000_000 - DAY, 1_000_000_000_000)


def test_keys_are_comma_separated_may_repeat_and_keep_their_order():
    q = parse_query([("keys", "temperature,humidity"), ("keys", "pressure,temperature")], NOW)
    assert q.keys == ("temperature", "humidity", "pressure")


def test_an_interval_means_avg_buckets_and_agg_without_interval_one_bucket():
    q = parse_query([("interval", "60000")], NOW)
    assert (q.interval, q.agg) == (60_000, "avg")
    q = parse_query([("agg", "max"), ("start", "1000"), ("end", "5000")], NOW)
    assert (q.interval, q.agg) == (4001, "max")


@pytest.mark.parametrize(
    ("pairs", "bad"),
    [
        ([("start", "yesterday")], "start"),
        ([("start", "-5")], "start"),
        ([("end", "1e12")], "end"),
        ([("end", "99999999999999999999")], "end"),
        ([("start", "0001-01-01T00:00+01:00")], "start"),
        ([("end", "9999-12-31T23:59:59-12:00")], "end"),
        ([("start", "2000"), ("end", "1000")], "start"),
        ([("interval", "0")], "interval"),
        ([("interval", "1.5")], "interval"),
        ([("agg", "median")], "agg"),
        ([("agg", "none"), ("interval", "1000")], "interval"),
        ([("limit", "0")], "limit"),
        ([("limit", "10001")], "limit"),
        ([("limit", "\u0661\u0660")], "limit"),  # Arabic-Indic digits are digits to str.isdigit
        ([("keys", "")], "keys"),
        ([("keys", "temperature,")], "keys"),
        ([("keys", "a;DROP TABLE")], "keys"),
        ([("keys", ",".join(f"k{i}" for i in range(17)))], "keys"),
        ([("limit", "5"), ("limit", "6")], "limit"),
    ],
)
def test_a_bad_parameter_is_named(pairs, bad):
    with pytest.raises(BadParameter) as raised:
        parse_query(pairs, NOW)
    assert (raised.value.name, raised.value.known) == (bad, True)


def test_an_unknown_parameter_is_not_a_bad_value():
    with pytest.raises(BadParameter) as raised:
        parse_query([("keys", "t"), ("from", "1")], NOW)
    assert (raised.value.name, raised.value.known) == ("from", False)


def test_a_json_request_becomes_the_same_parameters():
    fields = {"keys": ["temperature", "humidity"], "start": 1_700_000_000_000, "end": None}
    fields |= {"interval": 60000.0, "agg": "max", "limit": 5}
    pairs = query_pairs(fields)
    assert pairs == (
        ("keys", "temperature,humidity"),
        ("start", "1700000000000"),
        ("interval", "60000"),
        ("agg", "max"),
        ("limit", "5"),
    )
    assert parse_query(pairs, NOW).keys == ("temperature", "humidity")


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"limit": 1.5}, "limit"),
        ({"limit": True}, "limit"),
        ({"keys": ["temperature", 5]}, "keys"),
        ({"keys": {"a": 1}}, "keys"),
        ({"start": [1]}, "start"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_a_bad_parameter(fields, bad):
    with pytest.raises(BadParameter) as raised:
        parse_query(query_pairs(fields), NOW)
    assert raised.value.name == bad


def test_raw_points_merge_waiting_rows_and_keep_the_newest():
    stored = [(1000, 1), (2000, 2)]
    waiting = [(2000, 20), (3000, 3)]
    assert raw_points(stored, waiting, 10) == [[1000, 1], [2000, 20], [3000, 3]]
    assert raw_points(stored, waiting, 2) == [[2000, 20], [3000, 3]]


@pytest.mark.parametrize(
    ("agg", "expected"),
    [
        ("avg", [[0, 2.0], [100, 5.0], [300, 8.0]]),
        ("min", [[0, 1], [100, 4], [300, 8]]),
        ("max", [[0, 3], [100, 6], [300, 8]]),
        ("count", [[0, 2], [100, 2], [300, 1]]),
    ],
)
def test_buckets_fold_waiting_rows_into_stored_aggregates(agg, expected):
    q = HistoryQuery(("t",), 0, 1000, 100, agg, 10)
    stored = [(0, 2, 4.0, 1, 3), (1, 1, 4.0, 4, 4)]  # (bucket, count, sum, min, max)
    waiting = [(150, 6), (399, 8)]  # joins bucket 1; opens bucket 3
    assert bucket_points(stored, waiting, q) == expected


def test_bucket_limit_keeps_the_newest_buckets():
    q = HistoryQuery(("t",), 1000, 9999, 1000, "count", 2)
    stored = [(0, 1, 1.0, 1, 1), (1, 1, 1.0, 1, 1)]
    assert bucket_points(stored, [(5500, 1)], q) == [[2000, 1], [5000, 1]]


PARAMETER_NAMES = st.sampled_from(["keys", "start", "end", "interval", "agg", "limit", "x"])


@given(st.lists(st.tuples(PARAMETER_NAMES, st.text(max_size=40)), max_size=8))
def test_any_parameters_are_a_query_or_a_named_bad_parameter(pairs):
    try:
        q = parse_query(pairs, NOW)
    except BadParameter as bad:
        assert bad.name in {name for name, _ in pairs}
    else:
        assert q.start <= q.end and 1 <= q.limit <= 10_000
        assert (q.agg == "none") == (q.interval is None)
