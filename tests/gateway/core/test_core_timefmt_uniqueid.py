"""The five timestamp formats and the uniqueid spelling."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from gateway.core import timefmt
from gateway.core.uniqueid import light_uniqueid, normalize_ieee, parse_uniqueid, sensor_uniqueid

T = 1714637443.512


def test_timestamp_formats() -> None:
    assert timefmt.lastupdated(T) == "2024-05-02T08:10:43.512"
    assert timefmt.lastupdated(None) == "none"
    assert timefmt.lastseen(T) == "2024-05-02T08:10Z"
    assert timefmt.lastseen(None) is None
    assert timefmt.lastannounced(T) == "2024-05-02T08:10:43Z"
    assert timefmt.utc(T) == "2024-05-02T08:10:43"
    assert timefmt.localtime(T, timezone(timedelta(hours=2))) == "2024-05-02T10:10:43"


def test_lastupdated_milliseconds_round_to_nearest_and_carry() -> None:
    assert timefmt.lastupdated(1714637443.0004) == "2024-05-02T08:10:43.000"
    assert timefmt.lastupdated(1714637443.9996) == "2024-05-02T08:10:44.000"


def test_uniqueids_are_lowercase_with_padded_endpoint_and_cluster() -> None:
    assert light_uniqueid("00:17:88:01:0A:BC:DE:F0", 11) == "00:17:88:01:0a:bc:de:f0-0b"
    assert sensor_uniqueid("00158D0002AABBCC", 1, 0x0402) == "00:15:8d:00:02:aa:bb:cc-01-0402"
    assert (
        sensor_uniqueid("90:fd:9f:ff:fe:66:24:3e", 1, 0x1000) == "90:fd:9f:ff:fe:66:24:3e-01-1000"
    )
    assert parse_uniqueid("00:15:8d:00:02:aa:bb:cc-01-0B04") == (
        "00:15:8d:00:02:aa:bb:cc",
        1,
        0x0B04,
    )
    assert parse_uniqueid("00:15:8d:00:02:aa:bb:cc") == ("00:15:8d:00:02:aa:bb:cc", None, None)


def test_bad_ieee_is_rejected() -> None:
    with pytest.raises(ValueError):
        normalize_ieee("00:11:22")
