"""Which items of a published message become points."""

from __future__ import annotations

from gateway.history.samples import Sample, samples_of

from .conftest import changed


def test_numbers_and_booleans_of_a_sensor_state_are_points():
    message = changed("5", temperature=2150, humidity=45.5, open=True, lastupdated="2026-01-01")
    assert samples_of(message, 1000) == [
        Sample("5", "temperature", 1000, 2150),
        Sample("5", "humidity", 1000, 45.5),
        Sample("5", "open", 1000, 1),
    ]


def test_text_null_lists_and_non_finite_values_are_not_points():
    message = changed("5", buttonevent=None, gesture="shake", xy=[0.1, 0.2], power=float("nan"))
    assert samples_of(message, 1000) == []


def test_only_sensor_changed_state_messages_count():
    light = {"e": "changed", "id": "1", "r": "lights", "t": "event", "state": {"bri": 10}}
    config = {"e": "changed", "id": "5", "r": "sensors", "t": "event", "config": {"battery": 9}}
    added = {"e": "added", "id": "5", "r": "sensors", "t": "event", "state": {"temperature": 1}}
    assert [samples_of(m, 0) for m in (light, config, added)] == [[], [], []]
