"""Classification: which endpoints become lights, of which type, and what is left alone.

Each case is a device as zigpy describes it after its interview, joined into a real store;
the assertions are on the light JSON a client would read."""

from __future__ import annotations

from typing import Any

import pytest
from core_zoo import HA, ZLL

from gateway.core import classify
from gateway.core.store import Store
from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource

IEEE = "00:0d:6f:00:11:22:33:44"
BASIC, IDENTIFY, GROUPS, SCENES, ON_OFF, LEVEL, COLOR = 0, 3, 4, 5, 6, 8, 0x0300


def device(
    profile: int,
    device_type: int,
    clusters: tuple[int, ...],
    cached: dict[tuple[int, int, int], Any] | None = None,
    out: tuple[int, ...] = (0x0019,),
) -> DeviceInfo:
    return DeviceInfo(
        IEEE,
        0x4C1D,
        "Acme",
        "ACME-1",
        PowerSource.MAINS,
        LogicalType.ROUTER,
        (EndpointInfo(1, profile, device_type, clusters, out),),
        sw_build="1.0",
        cached=dict(cached or {}),
    )


def one_light(store: Store) -> dict[str, Any]:
    assert list(store.lights) == ["1"], "expected exactly one light"
    return store.lights["1"].to_json()


LIGHT = (BASIC, IDENTIFY, GROUPS, SCENES, ON_OFF, LEVEL, COLOR)


@pytest.mark.parametrize(
    ("profile", "device_type", "expected"),
    [
        (HA, 0x0210, "Extended color light"),  # ZLL id under the HA profile
        (HA, 0x0220, "Color temperature light"),
        (HA, 0x0110, "Dimmable plug-in unit"),
        (ZLL, 0x010D, "Extended color light"),  # HA id under the ZLL profile
        (ZLL, 0x010C, "Color temperature light"),
        (ZLL, 0x0051, "Smart plug"),
    ],
)
def test_device_ids_are_recognised_under_either_profile(
    store: Store, joined, profile: int, device_type: int, expected: str
) -> None:
    joined(device(profile, device_type, LIGHT))
    assert one_light(store)["type"] == expected


def test_own_profile_meaning_wins_over_the_other_profile(store: Store, joined) -> None:
    """0x0100 is Dimmable light under ZLL but On/Off light under HA: each keeps its own."""
    joined(device(HA, 0x0100, (BASIC, ON_OFF)))
    assert one_light(store)["type"] == "On/Off light"


@pytest.mark.parametrize(
    ("caps", "expected", "state_keys"),
    [
        (0x10, "Color temperature light", {"ct"}),
        (0x08, "Color light", {"xy"}),
        (0x19, "Extended color light", {"ct", "xy", "hue", "sat"}),
        (0x1F, "Extended color light", {"ct", "xy", "hue", "sat", "effect"}),
    ],
)
def test_unlisted_device_id_with_colour_is_the_light_its_capabilities_say(
    store: Store, joined, caps: int, expected: str, state_keys: set[str]
) -> None:
    cached = {(1, COLOR, 0x400A): caps, (1, ON_OFF, 0): 1, (1, LEVEL, 0): 77}
    joined(device(HA, 0xABCD, (*LIGHT, 0xFC00, 0xFC7C), cached))
    light = one_light(store)
    assert light["type"] == expected
    assert light["colorcapabilities"] == caps
    colour = {"ct", "xy", "hue", "sat", "effect"}
    assert set(light["state"]) & colour == state_keys
    assert light["state"]["on"] is True and light["state"]["bri"] == 77


def test_unlisted_colour_light_without_capabilities_uses_its_cached_attributes(
    store: Store, joined
) -> None:
    joined(device(HA, 0x0005, LIGHT, {(1, COLOR, 0x0007): 300}))
    light = one_light(store)
    assert light["type"] == "Color temperature light"
    assert light["state"]["ct"] == 300 and "xy" not in light["state"]


def test_unlisted_device_id_with_level_is_a_dimmable_light(store: Store, joined) -> None:
    joined(device(HA, 0xABCD, (BASIC, ON_OFF, LEVEL)))
    light = one_light(store)
    assert light["type"] == "Dimmable light" and "bri" in light["state"]


def test_unlisted_device_id_with_on_off_alone_is_a_plug_in_unit(store: Store, joined) -> None:
    joined(device(HA, 0x0004, (BASIC, ON_OFF, 0xEF00)))
    light = one_light(store)
    assert light["type"] == "On/Off plug-in unit" and "bri" not in light["state"]


def test_only_manufacturer_clusters_is_no_resource_and_no_error(store: Store, joined) -> None:
    messages = joined(device(HA, 0xABCD, (BASIC, 0xFC00, 0xFC01, 0xFFFF), out=(0xFC00,)))
    assert messages == [] and not store.lights and not store.sensors


def test_a_controller_with_an_on_off_server_stays_a_remote(store: Store, joined) -> None:
    remote = device(HA, 0x0820, (BASIC, 0x0001, ON_OFF), out=(ON_OFF, LEVEL, SCENES))
    joined(remote)
    assert not store.lights
    assert [s.to_json()["type"] for s in store.sensors.values()] == ["ZHASwitch"]


def test_a_family_rule_is_one_line_and_comes_before_the_fallback(monkeypatch) -> None:
    covering = classify.LightKind("Window covering device")
    monkeypatch.setattr(classify, "FAMILY_RULES", (classify.by_cluster(0x0102, covering),))
    ep = EndpointInfo(1, HA, 0xABCD, (BASIC, ON_OFF, 0x0102), ())
    assert classify.classify(ep) is not None
    assert classify.classify(ep)[0] == "Window covering device"
    no_onoff = EndpointInfo(1, HA, 0x0202, (BASIC, 0x0102), ())
    assert classify.classify(no_onoff)[0] == "Window covering device"  # requires 0x0102 only
    monkeypatch.setattr(classify, "FAMILY_RULES", ())
    assert classify.classify(no_onoff) is None
    assert classify.classify(ep)[0] == "On/Off plug-in unit"
