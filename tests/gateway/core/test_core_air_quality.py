"""ZHAParticulateMatter (PM2.5), ZHAMoisture (0x0408), ZHAAirQuality (CO2, CH2O, VOC)."""

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


def test_co2_and_formaldehyde_make_one_air_quality_sensor(store: Store, joined, rx):
    cached = {(1, 0x040D, 0x0000): 0.00052, (1, 0x042B, 0x0000): 0.00000004}
    joined(device((0x040D, 0x042B), cached))
    assert list(store.sensors) == ["1"]
    obj = store.sensors["1"].to_json()
    assert (obj["type"], obj["uniqueid"]) == ("ZHAAirQuality", f"{IEEE}-01-040d")
    # 0.00052 of the air is 520 ppm; 40 ppb of formaldehyde is 49 µg/m³ at 25 °C
    assert obj["state"] == {
        "airquality_co2_density": 520,
        "airquality_formaldehyde_density": 49,
        "lastupdated": STAMP,
    }
    [message] = store.handle(rx.report(IEEE, 1, 0x040D, 0x0000, 0.000861))
    assert message["state"]["airquality_co2_density"] == 861
    [message] = store.handle(rx.report(IEEE, 1, 0x042B, 0x0000, 0.0000001))
    assert message["state"]["airquality_formaldehyde_density"] == 123
    assert store.handle(rx.report(IEEE, 1, 0x040D, 0x0000, math.nan)) == []
    assert store.handle(rx.report(IEEE, 1, 0x042B, 0x0000, -1.0)) == []


@pytest.mark.parametrize(
    ("cluster", "key", "raw", "value"),
    [
        (0x040D, "airquality_co2_density", 0.0004, 400),
        (0x042B, "airquality_formaldehyde_density", 0.00000002, 25),
    ],
)
def test_either_alone_carries_only_its_own_key(store: Store, joined, cluster, key, raw, value):
    joined(device((cluster,), {(1, cluster, 0x0000): raw}))
    obj = store.sensors["1"].to_json()
    assert (obj["type"], obj["uniqueid"]) == ("ZHAAirQuality", f"{IEEE}-01-{cluster:04x}")
    assert obj["state"] == {key: value, "lastupdated": STAMP}


AI = 0x000C  # Analog Input: PresentValue 0x0055, EngineeringUnits 0x0075 (96 = ppb)


@pytest.mark.parametrize(
    ("ppb", "word"),
    [
        (40.4, "excellent"),
        (65, "excellent"),
        (66, "good"),
        (220, "good"),
        (400, "moderate"),
        (661, "poor"),
        (2200, "poor"),
        (5500, "unhealthy"),
        (5501, "out of scale"),
    ],
)
def test_analog_input_in_ppb_is_voc(store: Store, joined, rx, ppb, word):
    joined(device((AI,), {(1, AI, 0x0075): 96, (1, AI, 0x0055): 120.0}))
    obj = store.sensors["1"].to_json()
    assert (obj["type"], obj["uniqueid"]) == ("ZHAAirQuality", f"{IEEE}-01-000c")
    assert obj["state"] == {"airquality": "good", "airqualityppb": 120, "lastupdated": STAMP}
    [message] = store.handle(rx.report(IEEE, 1, AI, 0x0055, float(ppb)))
    assert message["state"] == {
        "airquality": word,
        "airqualityppb": round(ppb),
        "lastupdated": STAMP,
    }
    assert store.handle(rx.report(IEEE, 1, AI, 0x0055, math.nan)) == []


@pytest.mark.parametrize("cached", [{(1, AI, 0x0075): 62}, {}])  # °C, or not read yet
def test_analog_input_in_another_unit_maps_nothing(store: Store, joined, cached):
    joined(device((AI,), {**cached, (1, AI, 0x0055): 21.5}))
    assert list(store.sensors) == []


@pytest.mark.parametrize(
    ("clusters", "suffix", "others"),
    [
        ((0x040D, 0x042B), "040d", {"airquality_co2_density", "airquality_formaldehyde_density"}),
        ((0x040D,), "040d", {"airquality_co2_density"}),
        ((0x042B,), "042b", {"airquality_formaldehyde_density"}),
    ],
)
def test_voc_joins_the_co2_or_formaldehyde_sensor(
    store: Store, joined, rx, clusters, suffix, others
):
    joined(device((*clusters, AI), {(1, AI, 0x0075): 96, (1, AI, 0x0055): 700}))
    assert list(store.sensors) == ["1"]
    obj = store.sensors["1"].to_json()
    assert (obj["type"], obj["uniqueid"]) == ("ZHAAirQuality", f"{IEEE}-01-{suffix}")
    assert obj["state"]["airqualityppb"] == 700
    assert obj["state"]["airquality"] == "poor"
    assert set(obj["state"]) == {"airquality", "airqualityppb", "lastupdated", *others}
    [message] = store.handle(rx.report(IEEE, 1, AI, 0x0055, 30))
    assert message["state"]["airquality"] == "excellent"
