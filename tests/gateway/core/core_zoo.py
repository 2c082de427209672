"""Device zoo and test clock for the core tests: realistic DeviceInfo as zigpy would
describe each device after its interview (endpoints, clusters, cached attributes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.events import DeviceInfo, EndpointInfo, LogicalType, PowerSource

T0 = 1714637443.512  # 2024-05-02T08:10:43.512Z

HA = 0x0104
ZLL = 0xC05E


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


# --- the device zoo ----------------------------------------------------------------------

EXT_COLOR_IEEE = "00:15:8d:00:01:23:45:67"
CT_IEEE = "90:fd:9f:ff:fe:01:02:03"
DIMMABLE_IEEE = "00:17:88:01:0a:bc:de:f0"
PLUG_IEEE = "00:15:8d:00:04:05:06:07"
CLIMATE_IEEE = "00:15:8d:00:02:aa:bb:cc"
MOTION_IEEE = "00:17:88:01:02:03:04:05"
DOOR_IEEE = "00:12:4b:00:22:33:44:55"
WATER_IEEE = "00:12:4b:00:66:77:88:99"
REMOTE_IEEE = "90:fd:9f:ff:fe:66:24:3e"


EXT_COLOR_CACHE: dict[tuple[int, int, int], Any] = {
    (1, 0x0006, 0x0000): 1,
    (1, 0x0008, 0x0000): 180,
    (1, 0x0300, 0x4000): 8402,
    (1, 0x0300, 0x0001): 140,
    (1, 0x0300, 0x0003): 29970,
    (1, 0x0300, 0x0004): 26869,
    (1, 0x0300, 0x0007): 366,
    (1, 0x0300, 0x0008): 1,
    (1, 0x0300, 0x4002): 0,
    (1, 0x0300, 0x400A): 0x1F,
    (1, 0x0300, 0x400B): 153,
    (1, 0x0300, 0x400C): 454,
}


def ext_color_light(cached: Mapping[tuple[int, int, int], Any] | None = None) -> DeviceInfo:
    """innr RB 285 C: ZLL Extended color light, values as a real deCONZ gateway shows it."""
    return DeviceInfo(
        EXT_COLOR_IEEE,
        0x1A2B,
        "innr",
        "RB 285 C",
        PowerSource.MAINS,
        LogicalType.ROUTER,
        (
            EndpointInfo(
                1,
                ZLL,
                0x0210,
                (0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0300, 0x1000),
                (0x0019,),
            ),
        ),
        sw_build="2.0.4",
        cached=dict(EXT_COLOR_CACHE if cached is None else cached),
    )


def ct_light() -> DeviceInfo:
    """IKEA TRADFRI white spectrum bulb: HA Color temperature light, 250..454 mired."""
    return DeviceInfo(
        CT_IEEE,
        0x2906,
        "IKEA of Sweden",
        "TRADFRI bulb E27 WS opal 980lm",
        PowerSource.MAINS,
        LogicalType.ROUTER,
        (
            EndpointInfo(
                1,
                HA,
                0x010C,
                (0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0300, 0x0B05, 0x1000),
                (0x0005, 0x0019, 0x0020, 0x1000),
            ),
        ),
        sw_build="2.3.093",
        cached={
            (1, 0x0006, 0x0000): 0,
            (1, 0x0008, 0x0000): 254,
            (1, 0x0300, 0x0007): 370,
            (1, 0x0300, 0x0008): 2,
            (1, 0x0300, 0x400A): 0x10,
            (1, 0x0300, 0x400B): 250,
            (1, 0x0300, 0x400C): 454,
        },
    )


def dimmable_light() -> DeviceInfo:
    """Philips Hue white LWB010 on endpoint 0x0b (uniqueid suffix -0b)."""
    return DeviceInfo(
        DIMMABLE_IEEE,
        0x5001,
        "Philips",
        "LWB010",
        PowerSource.MAINS,
        LogicalType.ROUTER,
        (
            EndpointInfo(
                0x0B,
                ZLL,
                0x0100,
                (0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x1000),
                (0x0019,),
            ),
        ),
        sw_build="1.88.1",
        cached={(0x0B, 0x0006, 0x0000): 1, (0x0B, 0x0008, 0x0000): 77},
    )


def plug(cached: Mapping[tuple[int, int, int], Any] | None = None) -> DeviceInfo:
    """innr SP 120: On/Off plug-in unit with Electrical Measurement and Metering."""
    cache = {
        (1, 0x0006, 0x0000): 1,
        (1, 0x0B04, 0x0600): 1,
        (1, 0x0B04, 0x0601): 1,
        (1, 0x0B04, 0x0602): 1,
        (1, 0x0B04, 0x0603): 1000,
        (1, 0x0B04, 0x0604): 1,
        (1, 0x0B04, 0x0605): 1,
        (1, 0x0702, 0x0301): 1,
        (1, 0x0702, 0x0302): 1000,
    }
    return DeviceInfo(
        PLUG_IEEE,
        0x3C3C,
        "innr",
        "SP 120",
        PowerSource.MAINS,
        LogicalType.ROUTER,
        (
            EndpointInfo(
                1, HA, 0x010A, (0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0702, 0x0B04), (0x0019,)
            ),
        ),
        sw_build="1.0.0",
        cached={**cache, **(cached or {})},
    )


def climate_sensor(cached: Mapping[tuple[int, int, int], Any] | None = None) -> DeviceInfo:
    """Temperature/humidity/pressure sensor on battery (lumi.weather-like, with Power Config)."""
    return DeviceInfo(
        CLIMATE_IEEE,
        0x5F3C,
        "LUMI",
        "lumi.weather",
        PowerSource.BATTERY,
        LogicalType.END_DEVICE,
        (
            EndpointInfo(
                1, HA, 0x5F01, (0x0000, 0x0001, 0x0003, 0x0402, 0x0403, 0x0405), (0x0000, 0x0004)
            ),
        ),
        sw_build="3000-0001",
        cached=dict(cached or {}),
    )


def motion_sensor(cached: Mapping[tuple[int, int, int], Any] | None = None) -> DeviceInfo:
    """Philips Hue motion SML001: ZLL ep1 with client clusters, sensors on ep2."""
    return DeviceInfo(
        MOTION_IEEE,
        0x7A7A,
        "Philips",
        "SML001",
        PowerSource.BATTERY,
        LogicalType.END_DEVICE,
        (
            EndpointInfo(
                1, ZLL, 0x0850, (0x0000,), (0x0000, 0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0300)
            ),
            EndpointInfo(
                2, HA, 0x0107, (0x0000, 0x0001, 0x0003, 0x0400, 0x0402, 0x0406), (0x0019,)
            ),
        ),
        sw_build="6.1.1.27575",
        cached=dict(cached or {}),
    )


def door_contact(cached: Mapping[tuple[int, int, int], Any] | None = None) -> DeviceInfo:
    """Sonoff SNZB-04: IAS zone (contact switch, zone type 0x0015) with battery."""
    return DeviceInfo(
        DOOR_IEEE,
        0x1D1D,
        "eWeLink",
        "DS01",
        PowerSource.BATTERY,
        LogicalType.END_DEVICE,
        (EndpointInfo(1, HA, 0x0402, (0x0000, 0x0001, 0x0003, 0x0500), (0x0003,)),),
        cached={(1, 0x0500, 0x0001): 0x0015, **(cached or {})},
    )


def water_leak(
    zone_type_known: bool = True, cached: Mapping[tuple[int, int, int], Any] | None = None
) -> DeviceInfo:
    """Sonoff SNZB-05-like IAS water sensor (zone type 0x002A)."""
    cache: dict[tuple[int, int, int], Any] = (
        {(1, 0x0500, 0x0001): 0x002A} if zone_type_known else {}
    )
    return DeviceInfo(
        WATER_IEEE,
        0x2E2E,
        "eWeLink",
        "SNZB-05",
        PowerSource.BATTERY,
        LogicalType.END_DEVICE,
        (EndpointInfo(1, HA, 0x0402, (0x0000, 0x0001, 0x0003, 0x0500), (0x0003, 0x0019)),),
        cached={**cache, **(cached or {})},
    )


def remote(zll: bool = True) -> DeviceInfo:
    """IKEA TRADFRI remote control (E1810): a 4-button remote sending on/off/level/scenes.
    Without ZLL commissioning the uniqueid suffix falls back to the On/Off cluster."""
    zll_cluster = (0x1000,) if zll else ()
    return DeviceInfo(
        REMOTE_IEEE,
        0x2906,
        "IKEA of Sweden",
        "TRADFRI remote control",
        PowerSource.BATTERY,
        LogicalType.END_DEVICE,
        (
            EndpointInfo(
                1,
                HA,
                0x0820,
                (0x0000, 0x0001, 0x0003, 0x0009, 0x0B05, *zll_cluster),
                (0x0003, 0x0004, 0x0005, 0x0006, 0x0008, 0x0019, *zll_cluster),
            ),
        ),
        sw_build="2.3.014",
        cached={(1, 0x0001, 0x0021): 174},
    )


def home() -> list[DeviceInfo]:
    """One of each family above: the home the pydeconz and discovery tests join."""
    return [
        ext_color_light(),
        ct_light(),
        dimmable_light(),
        plug(),
        climate_sensor(),
        motion_sensor(),
        door_contact(),
        water_leak(),
        remote(),
    ]
