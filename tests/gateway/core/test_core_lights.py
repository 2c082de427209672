"""Lights: resource JSON, attribute → state, websocket contract, optimistic REST state."""

from __future__ import annotations

from typing import Any

import pytest
from core_zoo import CT_IEEE, DIMMABLE_IEEE, EXT_COLOR_CACHE, EXT_COLOR_IEEE, PLUG_IEEE, ct_light
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.store import Store

ALERTS = [
    "none",
    "select",
    "lselect",
    "blink",
    "breathe",
    "okay",
    "channelchange",
    "finish",
    "stop",
]
EXT_UID = "00:15:8d:00:01:23:45:67-01"
EXT_STATE = {
    "alert": "none",
    "bri": 180,
    "colormode": "xy",
    "ct": 366,
    "effect": "none",
    "hue": 8402,
    "on": True,
    "reachable": True,
    "sat": 140,
    "xy": [0.4573, 0.41],
}


def light_json(store: Store, lid: str) -> dict[str, Any]:
    obj = store.lights[lid].to_json()
    assert len(obj.pop("etag")) == 32
    return obj


def test_extended_color_light_json(store: Store, zoo, joined) -> None:
    messages = joined(zoo.ext_color_light())
    expected = {
        "capabilities": {
            "alerts": ALERTS,
            "color": {
                "ct": {"max": 454, "min": 153},
                "effects": ["none", "colorloop"],
                "modes": ["ct", "hs", "xy"],
            },
            "sleeper": False,
        },
        "colorcapabilities": 31,
        "config": {"groups": ["0"]},
        "ctmax": 454,
        "ctmin": 153,
        "hascolor": True,
        "lastannounced": "2024-05-02T08:10:43Z",
        "lastseen": "2024-05-02T08:10Z",
        "manufacturername": "innr",
        "modelid": "RB 285 C",
        "name": "Extended color light 1",
        "nwkaddress": "0x1A2B",
        "state": EXT_STATE,
        "swversion": "2.0.4",
        "type": "Extended color light",
        "uniqueid": EXT_UID,
    }
    assert light_json(store, "1") == expected
    assert messages == [
        {
            "e": "added",
            "id": "1",
            "light": {**expected, "etag": store.lights["1"].etag},
            "r": "lights",
            "t": "event",
            "uniqueid": EXT_UID,
        }
    ]


def test_color_temperature_light_json(store: Store, zoo, joined) -> None:
    joined(zoo.ct_light())
    obj = light_json(store, "1")
    assert obj["type"] == "Color temperature light"
    assert obj["uniqueid"] == f"{CT_IEEE}-01"
    assert obj["state"] == {
        "alert": "none",
        "bri": 254,
        "colormode": "ct",
        "ct": 370,
        "on": False,
        "reachable": True,
    }
    assert obj["capabilities"]["color"] == {"ct": {"max": 454, "min": 250}, "modes": ["ct"]}
    assert (obj["colorcapabilities"], obj["ctmin"], obj["ctmax"], obj["hascolor"]) == (
        16,
        250,
        454,
        True,
    )


def test_dimmable_light_json(store: Store, zoo, joined) -> None:
    joined(zoo.dimmable_light())
    obj = light_json(store, "1")
    assert obj["type"] == "Dimmable light"
    assert obj["uniqueid"] == f"{DIMMABLE_IEEE}-0b"
    assert obj["state"] == {"alert": "none", "bri": 77, "on": True, "reachable": True}
    assert obj["hascolor"] is False
    assert "colorcapabilities" not in obj and "ctmin" not in obj


def test_on_off_plug_is_a_light(store: Store, zoo, joined) -> None:
    joined(zoo.plug())
    obj = light_json(store, "1")
    assert (obj["type"], obj["uniqueid"]) == ("On/Off plug-in unit", f"{PLUG_IEEE}-01")
    assert obj["state"] == {"alert": "none", "on": True, "reachable": True}


def test_unset_values_are_null_but_xy_is_a_pair(store: Store, zoo, joined) -> None:
    joined(zoo.ext_color_light({}))
    state = store.lights["1"].state
    assert state == {
        "alert": "none",
        "bri": None,
        "colormode": "hs",
        "ct": None,
        "effect": "none",
        "hue": None,
        "on": None,
        "reachable": True,
        "sat": None,
        "xy": [0, 0],
    }


# --- websocket contract -------------------------------------------------------------------


@pytest.mark.parametrize("notify_all", [True, False])
def test_report_produces_one_state_message(
    store: Store, zoo, joined, rx, clock, notify_all
) -> None:
    joined(zoo.ext_color_light())
    store.websocketnotifyall = notify_all
    clock.advance(5)
    messages = store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 0))
    body = {**EXT_STATE, "on": False} if notify_all else {"on": False}
    assert messages == [
        {"e": "changed", "id": "1", "r": "lights", "state": body, "t": "event", "uniqueid": EXT_UID}
    ]
    # The same value again changes nothing, so nothing is sent (lights have no lastupdated).
    assert store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0006, 0x0000, 0)) == []


@pytest.mark.parametrize(
    ("cluster", "attribute", "value", "changed"),
    [
        (0x0008, 0x0000, 255, {"bri": 254}),
        (0x0300, 0x0003, 65535, {"xy": [0.9961, 0.41]}),
        (0x0300, 0x0007, 250, {"ct": 250}),
        (0x0300, 0x0008, 2, {"colormode": "ct"}),
        (0x0300, 0x4001, 3, {"colormode": "hs"}),
        (0x0300, 0x4002, 1, {"effect": "colorloop"}),
        (0x0300, 0x4000, 65535, {"hue": 65535}),
        (0x0300, 0x0001, 255, {"sat": 254}),
        (0x0300, 0x0000, 10, {}),  # 8-bit hue is ignored while EnhancedCurrentHue is known
    ],
)
def test_attribute_mapping(
    store: Store, zoo, joined, rx, cluster, attribute, value, changed
) -> None:
    joined(zoo.ext_color_light())
    store.websocketnotifyall = False
    messages = store.handle(rx.report(EXT_COLOR_IEEE, 1, cluster, attribute, value))
    assert [m["state"] for m in messages] == ([changed] if changed else [])


def test_hue_falls_back_to_current_hue_times_256(store: Store, zoo, joined, rx) -> None:
    joined(zoo.ext_color_light({k: v for k, v in EXT_COLOR_CACHE.items() if k[2] != 0x4000}))
    assert store.lights["1"].state["hue"] is None
    store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x0000, 100))
    assert store.lights["1"].state["hue"] == 25600


def test_two_attributes_two_messages_and_color_on_dimmable_ignored(
    store: Store, zoo, joined, rx
) -> None:
    joined(zoo.ext_color_light())
    joined(zoo.dimmable_light())
    store.websocketnotifyall = False
    assert [m["state"] for m in store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x0004, 0))] == [
        {"xy": [0.4573, 0.0]}
    ]
    assert store.handle(rx.report(DIMMABLE_IEEE, 0x0B, 0x0300, 0x0007, 300)) == []


def test_one_report_frame_publishes_no_half_updated_pair(store: Store, zoo, joined, rx) -> None:
    """A light reports CurrentX/CurrentY (and CurrentHue/EnhancedCurrentHue) in one frame,
    which arrives one attribute at a time: the first must not pair with the old second."""
    joined(zoo.ext_color_light())
    store.websocketnotifyall = False
    store.apply_light_state("1", {"xy": [0.2, 0.6]})
    x, y = (round(v * 65535) for v in (0.2, 0.6))
    assert store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x0003, x)) == []
    assert store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x0004, y)) == []
    assert store.lights["1"].state["xy"] == [0.2, 0.6]

    store.apply_light_state("1", {"hue": 30000})
    assert store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x0000, 30000 >> 8)) == []
    assert store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x4000, 30000)) == []
    assert store.lights["1"].state["hue"] == 30000


def test_capability_report_updates_capabilities_message(store: Store, zoo, joined, rx) -> None:
    joined(zoo.ext_color_light())
    store.websocketnotifyall = False
    messages = store.handle(rx.report(EXT_COLOR_IEEE, 1, 0x0300, 0x400C, 500))
    assert messages == [
        {
            "capabilities": {
                "color": {
                    "ct": {"max": 500, "min": 153},
                    "effects": ["none", "colorloop"],
                    "modes": ["ct", "hs", "xy"],
                }
            },
            "e": "changed",
            "id": "1",
            "r": "lights",
            "t": "event",
            "uniqueid": EXT_UID,
        }
    ]
    assert store.lights["1"].to_json()["ctmax"] == 500


def test_basic_swversion_report_is_an_attr_message(store: Store, zoo, joined, rx) -> None:
    joined(zoo.dimmable_light())
    store.websocketnotifyall = False
    messages = store.handle(rx.report(DIMMABLE_IEEE, 0x0B, 0x0000, 0x4000, "1.93.7"))
    assert [m["attr"] for m in messages] == [{"swversion": "1.93.7"}]


# --- REST optimistic state ----------------------------------------------------------------


def test_apply_light_state_clamps_and_sets_colormode(store: Store, zoo, joined) -> None:
    joined(zoo.ct_light())
    store.websocketnotifyall = False
    store.apply_light_state("1", {"bri": 10})
    assert store.apply_light_state("1", {"on": True, "ct": 100, "bri": 255}) == [
        {
            "e": "changed",
            "id": "1",
            "r": "lights",
            "state": {"bri": 254, "ct": 250, "on": True},
            "t": "event",
            "uniqueid": f"{CT_IEEE}-01",
        }
    ]
    store.apply_light_state("1", {"ct_inc": 1000, "bri_inc": -300})
    assert (store.lights["1"].state["ct"], store.lights["1"].state["bri"]) == (454, 0)


def test_colour_priority_xy_over_ct_over_hs(store: Store, zoo, joined) -> None:
    joined(zoo.ext_color_light())
    store.websocketnotifyall = False
    [message] = store.apply_light_state("1", {"xy": [0.2, 1.0], "ct": 200, "hue": 0, "sat": 0})
    assert message["state"] == {"xy": [0.2, 0.9961]}
    [message] = store.apply_light_state("1", {"ct": 200, "hue": 0})
    assert message["state"] == {"colormode": "ct", "ct": 200}
    [message] = store.apply_light_state("1", {"hue": 70000, "sat": 255, "effect": "colorloop"})
    assert message["state"] == {"colormode": "hs", "effect": "colorloop", "hue": 65535, "sat": 254}


def test_items_a_light_lacks_are_ignored(store: Store, zoo, joined) -> None:
    joined(zoo.plug())
    assert store.apply_light_state("1", {"bri": 10, "xy": [0.1, 0.1]}) == []


# --- conversions (property based) ---------------------------------------------------------


@given(st.integers(min_value=-100_000, max_value=100_000))
def test_ct_is_clamped_into_the_lights_range(
    ct: int,
) -> None:
    store = _ct_store()
    store.apply_light_state("1", {"ct": ct})
    assert 250 <= store.lights["1"].state["ct"] <= 454
    if 250 <= ct <= 454:
        assert store.lights["1"].state["ct"] == ct


def _ct_store() -> Store:
    from gateway.core.persistence import Persistence
    from radio.events import DeviceInitialized

    store = Store(Persistence(":memory:"), clock=lambda: 0.0)
    store.handle(DeviceInitialized(ct_light()))
    return store
