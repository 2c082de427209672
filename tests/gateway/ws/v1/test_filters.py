"""Filters: parsing (every mistake a clear message) and matching events and resources."""

from __future__ import annotations

import pytest

from gateway.ws.v1.filters import Filter, FilterError

from .conftest import TYPES

TYPE_OF = lambda r, rid: TYPES.get((r, rid))  # noqa: E731


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "filter must be an object"),
        ({"x": []}, "unknown filter key 'x'"),
        ({"r": "lights"}, "filter r must be a list of strings"),
        ({"e": ["moved"]}, "filter e: 'moved' is not one of"),
        ({"id": ["1"] * 1001}, "at most 1000"),
    ],
)
def test_bad_filters(raw, message):
    with pytest.raises(FilterError, match=message):
        Filter.parse(raw)


def test_absent_keys_match_everything():
    assert Filter.parse(None).everything and Filter.parse({}).everything
    assert not Filter.parse({"r": ["lights"]}).everything


def test_matching_events():
    changed = {"e": "changed", "id": "5", "r": "sensors", "t": "event", "state": {"x": 1}}
    added = {"e": "added", "id": "7", "r": "sensors", "sensor": {"type": "ZHAHumidity"}}
    f = Filter.parse({"type": ["ZHATemperature"], "parts": ["state"]})
    assert f.matches(changed, TYPE_OF)
    assert not f.matches({**changed, "id": "6"}, TYPE_OF)
    assert not f.matches({"e": "changed", "id": "5", "r": "sensors", "config": {}}, TYPE_OF)
    assert Filter.parse({"type": ["ZHAHumidity"]}).matches(added, TYPE_OF)  # type from the body
    assert Filter.parse({"parts": ["config"]}).matches(added, TYPE_OF)  # parts: changed only
    assert not Filter.parse({"uniqueid": ["u"]}).matches(changed, TYPE_OF)


def test_matching_resources():
    f = Filter.parse({"r": ["sensors"], "type": ["ZHATemperature"]})
    assert f.matches_resource("sensors", "5", {"type": "ZHATemperature"})
    assert not f.matches_resource("lights", "5", {"type": "ZHATemperature"})
    assert not f.matches_resource("sensors", "6", {"type": "ZHAHumidity"})
