"""ZHAParticulateMatter (PM2.5, 0x042A) and ZHAMoisture (soil moisture, 0x0408)."""

from __future__ import annotations

import math

import pytest

from gateway.core.store import Store
from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource

IEEE = "00:5a:49:47:00:00:00:0c"
HA = 0x0104
STAMP = "2024-05-02T08:10:43.512"


def device(clusters: tuple[int, ...], cached: dict) -> DeviceInfo:
    return DeviceInfo(
        IEEE,
        0x3B0C,
        "zigbridge-sim",
        "SIM-AQ1",
        PowerSource.MAINS,
        LogicalType.ROUTER,
        (EndpointInfo(1, HA, 0x0302, (0x0000, 0x0003, *clusters), ()),),
        cached=cached,
    )


def test_pm25_is_a_whole_number_with_its_unit(store: Store, joined, rx):
    joined(device((0x042A,), {(1, 0x042A, 0x0000): 12.6}))
    obj = store.sensors["1"].to_json()
    assert (obj["type"], obj["uniqueid"]) == ("ZHAParticulateMatter", f"{IEEE}-01-042a")
    assert obj["state"] == {"lastupdated": STAMP, "measured_value": 13}
    assert obj["capabilities"] == {
        "measured_value": {
            "max": 999,
            "min": 0,
            "quantity": "density",
            "substance": "PM2.5",
            "unit": "ug/m^3",
        },
        "sleeper": False,
    }
    [message] = store.handle(rx.report(IEEE, 1, 0x042A, 0x0000, 35.2))
    assert message["state"]["measured_value"] == 35
    # NaN is how a float measurement says "no reading"
    assert store.handle(rx.report(IEEE, 1, 0x042A, 0x0000, math.nan)) == []


@pytest.mark.parametrize("notify_all", [True, False])
def test_soil_moisture_with_offset(store: Store, joined, rx, clock, notify_all):
    store.websocketnotifyall = notify_all
    joined(device((0x0408,), {(1, 0x0408, 0x0000): 3550}))
    sensor = store.sensors["1"]
    assert (sensor.type, sensor.state["moisture"], sensor.config["offset"]) == (
        "ZHAMoisture",
        3550,
        0,
    )
    # An offset re-applies to the published value at once, as for humidity
    messages = store.apply_sensor_config("1", {"offset": -50})
    assert [m["state"]["moisture"] for m in messages if "state" in m] == [3500]
    assert [m["config"]["offset"] for m in messages if "config" in m] == [-50]
    clock.advance(1)
    [message] = store.handle(rx.report(IEEE, 1, 0x0408, 0x0000, 10000))
    stamp = "2024-05-02T08:10:44.512"
    assert message["state"] == {"lastupdated": stamp, "moisture": 9950}
    assert store.handle(rx.report(IEEE, 1, 0x0408, 0x0000, 0xFFFF)) == []
