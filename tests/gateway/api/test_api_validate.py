from __future__ import annotations

import pytest

from gateway.api.validate import (
    Invalid,
    as_bool,
    as_choice,
    as_id_list,
    as_int,
    as_int_choice,
    as_number,
    as_str,
    as_str_list,
    as_xy,
)


def test_bool_only_accepts_json_booleans():
    assert as_bool(True) is True
    assert as_bool(False) is False
    for value in (1, 0, "true", None, [], 1.0):
        with pytest.raises(Invalid):
            as_bool(value)


def test_int_refuses_booleans_strings_and_fractions():
    assert as_int(5, 0, 10) == 5
    assert as_int(254.0, 0, 255) == 254  # JSON has one number type; deCONZ reads doubles
    assert type(as_int(254.0, 0, 255)) is int
    for value in (True, False, "5", 1.5, None, [5], float("nan"), float("inf")):
        with pytest.raises(Invalid):
            as_int(value, 0, 10)


def test_int_range_is_inclusive():
    assert as_int(-254, -254, 254) == -254
    assert as_int(254, -254, 254) == 254
    with pytest.raises(Invalid):
        as_int(255, -254, 254)
    with pytest.raises(Invalid):
        as_int(-255, -254, 254)


def test_number():
    assert as_number(0.5, 0, 1) == 0.5
    assert as_number(1, 0, 1) == 1.0
    for value in (True, "0.5", 1.01, -0.1, float("nan")):
        with pytest.raises(Invalid):
            as_number(value, 0, 1)


def test_str_trims_and_counts_length():
    assert as_str("  Kitchen  ", max_len=16) == "Kitchen"
    assert as_str("", max_len=16) == ""
    with pytest.raises(Invalid):
        as_str("", min_len=1, max_len=16)
    with pytest.raises(Invalid):
        as_str("x" * 17, max_len=16)
    with pytest.raises(Invalid):
        as_str(5, max_len=16)


def test_choices():
    assert as_choice("12h", ("12h", "24h")) == "12h"
    with pytest.raises(Invalid):
        as_choice("12H", ("12h", "24h"))
    assert as_int_choice(15, (11, 15, 20, 25)) == 15
    assert as_int_choice(20.0, (11, 15, 20, 25)) == 20
    for value in (12, True, "15"):
        with pytest.raises(Invalid):
            as_int_choice(value, (11, 15, 20, 25))


def test_lists():
    assert as_id_list(["3", "5", "3"]) == ["3", "5"]
    assert as_id_list([]) == []
    for value in ([3], ["a"], ["-1"], ["3", None], "3", {"3": 1}, ["٣"]):
        with pytest.raises(Invalid):
            as_id_list(value)
    assert as_str_list(["a", "b", "a"]) == ["a", "b"]
    with pytest.raises(Invalid):
        as_str_list([1])


def test_xy():
    assert as_xy([0.3, 1]) == (0.3, 1.0)
    for value in (
        [0.3],
        [0.3, 0.3, 0.3],
        [True, 0.3],
        ["0.3", 0.3],
        [1.2, 0.3],
        [0.3, -0.1],
        (0.3, 0.3),
    ):
        with pytest.raises(Invalid):
            as_xy(value)
