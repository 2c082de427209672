"""The value rules both the planners and the store use (`gateway.core.values`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core import values


@given(st.integers(min_value=0, max_value=0xFFFF))
def test_xy_from_raw_is_clamped_to_four_decimals(raw: int) -> None:
    value = values.xy_from_raw(raw)
    assert 0 <= value <= 0.9961
    assert round(value * 10000) == pytest.approx(value * 10000, abs=1e-6)


@given(st.floats(min_value=0, max_value=1))
def test_rounded_xy_is_what_the_light_reports_back(value: float) -> None:
    published = values.round_xy(value)
    assert values.xy_from_raw(values.xy_to_raw(value)) == published  # the light's report
    assert values.round_xy(published) == published
    assert abs(published - min(value, 0.9961)) <= 0.0001


def test_a_value_four_decimals_would_round_the_other_way() -> None:
    # 0.215755 is 14139.5 raw: four decimals say 0.2158, the light reports back 0.2157
    assert values.xy_to_raw(0.215755) == 14140
    assert values.round_xy(0.215755) == values.xy_from_raw(14140) == 0.2158
    assert values.xy_from_raw(14139) == 0.2157


@pytest.mark.parametrize(
    ("ct", "limits", "expected"),
    [(100, (153, 500), 153), (600, (153, 500), 500), (300, (153, 500), 300), (70000, None, 0xFEFF)],
)
def test_ct_is_clamped_into_the_lights_limits(ct, limits, expected) -> None:
    assert values.clamp_ct(ct, limits) == expected


def test_bri_hue_sat_clamps_and_8bit_hue() -> None:
    assert [values.clamp_bri(v) for v in (-1, 255, 100)] == [0, 254, 100]
    assert [values.clamp_sat(v) for v in (-1, 255)] == [0, 254]
    assert [values.clamp_hue(v) for v in (-1, 70000)] == [0, 65535]
    assert values.hue_to_8bit(65535) == 254 and values.hue_to_8bit(0) == 0
    assert values.hue_from_8bit(100) == 25600 and values.hue_from_8bit(255) == 65280


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([], {"all_on": False, "any_on": False}),
        ([(True, True), (True, False)], {"all_on": False, "any_on": True}),
        ([(True, True), (False, False)], {"all_on": True, "any_on": True}),  # unreachable
        ([(False, True)], {"all_on": False, "any_on": False}),
    ],
)
def test_any_on_all_on_count_only_reachable_members(members, expected) -> None:
    assert values.group_on(members) == expected


def test_all_lights_group_address_both_ways() -> None:
    assert values.group_address("0") == 0xFFF0 == values.ALL_LIGHTS_ADDRESS
    assert values.group_address("7") == 7
    assert values.group_id(0xFFF0) == "0" and values.group_id(7) == "7"
