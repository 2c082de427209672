"""The demo home, a scalable benchmark network, and the driver that brings them to life.

IEEE and NWK addresses are deterministic, so a restarted daemon finds the same devices in
zigpy's database and re-attaches them instead of interviewing them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.clusters.general import AnalogInput, PowerConfiguration
from zigpy.zcl.clusters.homeautomation import ElectricalMeasurement
from zigpy.zcl.clusters.measurement import (
    PM25,
    CarbonDioxideConcentration,
    IlluminanceMeasurement,
    OccupancySensing,
    PressureMeasurement,
    RelativeHumidity,
    SoilMoisture,
    TemperatureMeasurement,
)
from zigpy.zcl.clusters.security import IasZone
from zigpy.zcl.clusters.smartenergy import Metering

from . import air, catalogue, families
from .catalogue import SimPlug, SimRemote, lux_to_zcl
from .device import SimDevice
from .radio import VirtualRadio
from .thermostat import SimThermostat, radiator_thermostat

LOGGER = logging.getLogger(__name__)

# 00:5a:49:47 is "\0ZIG": easy to spot, and not a vendor OUI in use by real devices.
IEEE_PREFIX = "00:5a:49:47"


def demo_ieee(series: int, index: int) -> str:
    """Deterministic IEEE ``00:5a:49:47:SS:II:II:II`` (series 0: demo home, 1: scaled)."""
    suffix = bytes([series]) + index.to_bytes(3, "big")
    return f"{IEEE_PREFIX}:{suffix.hex(':')}"


def demo_home() -> list[SimDevice]:
    """Twenty devices: four lights, a plug, four sensors, a remote, a bulb with its maker's
    own device id (served from its clusters), a gadget with only manufacturer clusters
    (listed as unsupported, as such a device would be), a blind, a door lock, a ceiling
    fan, a siren, a radiator thermostat, a PM2.5 monitor, a soil probe and a CO2 monitor."""
    c, f = catalogue, families
    return [
        c.extended_color_light(demo_ieee(0, 1), 0x4A01, name="Living room ceiling"),
        c.extended_color_light(
            demo_ieee(0, 2), 0x4A02, name="TV lightstrip", model="SIM-LS1", zll_profile=True
        ),
        c.color_temperature_light(demo_ieee(0, 3), 0x4A03, name="Kitchen"),
        c.dimmable_light(demo_ieee(0, 4), 0x4A04, name="Bedroom"),
        c.onoff_plug_with_metering(demo_ieee(0, 5), 0x4A05, name="TV plug", load_watts=85),
        c.climate_sensor(demo_ieee(0, 6), 0x4A06, name="Living room climate"),
        c.motion_sensor(demo_ieee(0, 7), 0x4A07, name="Hallway motion"),
        c.door_contact(demo_ieee(0, 8), 0x4A08, name="Front door"),
        c.water_leak(demo_ieee(0, 9), 0x4A09, name="Bathroom leak"),
        c.remote_4button(demo_ieee(0, 10), 0x4A0A, name="Living room remote"),
        c.manufacturer_id_light(demo_ieee(0, 11), 0x4A0B, name="Reading lamp"),
        c.manufacturer_only_device(demo_ieee(0, 12), 0x4A0C, name="Maker's gadget"),
        # 21 and up: the light families (other device series take the numbers before)
        f.window_covering(demo_ieee(0, 21), 0x4A15, name="Living room blind", tilt=True),
        f.door_lock(demo_ieee(0, 22), 0x4A16, name="Front door lock"),
        f.ceiling_fan(demo_ieee(0, 23), 0x4A17, name="Bedroom fan"),
        f.siren(demo_ieee(0, 24), 0x4A18, name="Hallway siren"),
        # 31 and up: the sensor families
        radiator_thermostat(demo_ieee(0, 31), 0x4A1F, name="Living room radiator"),
        air.pm25_monitor(demo_ieee(0, 32), 0x4A20, name="Bedroom air monitor"),
        air.soil_moisture_sensor(demo_ieee(0, 33), 0x4A21, name="Balcony plant"),
        air.co2_monitor(demo_ieee(0, 34), 0x4A22, name="Study CO2 monitor"),
        air.voc_monitor(demo_ieee(0, 35), 0x4A23, name="Kitchen VOC monitor"),
    ]


# Every ten devices of a scaled network: six lights, a plug and three sensors; every
# second ten a thermostat and a PM2.5 monitor stand in for a climate sensor and a door.
_LIGHTS_AND_PLUG: tuple[Callable[..., SimDevice], ...] = (
    catalogue.extended_color_light,
    catalogue.color_temperature_light,
    catalogue.dimmable_light,
    catalogue.extended_color_light,
    catalogue.color_temperature_light,
    catalogue.dimmable_light,
    catalogue.onoff_plug_with_metering,
)
_SCALED_MIX: tuple[Callable[..., SimDevice], ...] = (
    *_LIGHTS_AND_PLUG,
    catalogue.climate_sensor,
    catalogue.motion_sensor,
    catalogue.door_contact,
    *_LIGHTS_AND_PLUG,
    radiator_thermostat,
    catalogue.motion_sensor,
    air.pm25_monitor,
)
_SCALED_FIRST_NWK = 0x2000

# After the tens above, one of six lights, a blind, a lock, a fan and a siren.
_FAMILY_TEN: tuple[Callable[..., SimDevice], ...] = (
    *_SCALED_MIX[:6],
    families.window_covering,
    families.door_lock,
    families.ceiling_fan,
    families.siren,
)
_SCALED_MIX = (*_SCALED_MIX, *_FAMILY_TEN)


def scaled_network(n: int) -> list[SimDevice]:
    """``n`` devices (60 % lights), deterministic, for benchmarks with hundreds of nodes."""
    if not 0 <= n <= 0xFFF7 - _SCALED_FIRST_NWK:
        raise ValueError(f"scaled_network supports up to {0xFFF7 - _SCALED_FIRST_NWK} devices")
    return [
        _SCALED_MIX[i % len(_SCALED_MIX)](
            demo_ieee(1, i + 1), _SCALED_FIRST_NWK + i, name=f"Sim device {i + 1}"
        )
        for i in range(n)
    ]


@dataclass(slots=True)
class _Drift:
    """A value wandering around a baseline, as room temperature does."""

    value: float
    step: float
    low: float
    high: float
    baseline: float = field(init=False)

    def __post_init__(self) -> None:
        self.baseline = self.value

    def next(self, rng: random.Random) -> float:
        pull = (self.baseline - self.value) * 0.1
        self.value = min(self.high, max(self.low, self.value + pull + rng.gauss(0, self.step)))
        return self.value


@dataclass(frozen=True)
class _Measurement:
    """A periodically reported sensor value: ZCL units per unit, drift per round, range."""

    cluster: type[Cluster]
    scale: float
    step: float
    low: float
    high: float
    every: int = 1  # report every n rounds
    digits: int | None = None  # rounding of the ZCL value (None: whole)
    attribute: str = "measured_value"


_MEASUREMENTS = (
    _Measurement(TemperatureMeasurement, 100, 0.08, 10, 35),
    _Measurement(RelativeHumidity, 100, 0.4, 15, 95),
    _Measurement(PressureMeasurement, 1, 0.3, 950, 1050, every=3),
    _Measurement(PM25, 1, 1.5, 0, 150),
    _Measurement(SoilMoisture, 100, 0.3, 5, 95, every=3),
    _Measurement(CarbonDioxideConcentration, 1e-6, 25, 400, 2500, every=2, digits=6),
    _Measurement(AnalogInput, 1, 40, 50, 800, every=2, attribute="present_value"),  # VOC ppb
)
DIAL_PROBABILITY = 0.02  # per round: someone turns a thermostat's dial
BATTERY_EVERY = 30  # rounds between battery reports


class _Activity:
    """Per-device live behaviour; ``step`` returns the frames to send this round."""

    __slots__ = ("device", "driver", "energy", "load", "lux", "measurements", "rng", "rounds")

    def __init__(self, device: SimDevice, rng: random.Random, driver: DemoDriver) -> None:
        self.device = device
        self.rng = rng
        self.driver = driver
        self.rounds = 0
        self.measurements = tuple(
            (
                m,
                _Drift(device.get(None, m.cluster, m.attribute) / m.scale, m.step, m.low, m.high),
            )
            for m in _MEASUREMENTS
            if _has(device, m.cluster)
        )
        # Illuminance drifts only on motion sensors (reported with each occupancy change)
        self.lux = _Drift(150, 15, 1, 2000) if _has(device, OccupancySensing) else None
        self.load = self.energy = None
        if isinstance(device, SimPlug):
            self.load = _Drift(device.load_watts, max(0.5, device.load_watts / 40), 0, 4000)
            self.energy = float(device.get(None, Metering, "current_summ_delivered"))  # Wh

    def step(self) -> list[t.ZigbeePacket]:
        self.rounds += 1
        dev, rng, out = self.device, self.rng, []
        for measurement, drift in self.measurements:
            if self.rounds % measurement.every == 0:
                value = round(drift.next(rng) * measurement.scale, measurement.digits)
                out += dev.report(None, measurement.cluster, {measurement.attribute: value})
        if self.lux is not None and rng.random() < 0.3:  # a motion sensor
            occupied = not dev.get(None, OccupancySensing, "occupancy")
            out += dev.report(None, OccupancySensing, {"occupancy": int(occupied)})
            lux = lux_to_zcl(self.lux.next(rng))
            out += dev.report(None, IlluminanceMeasurement, {"measured_value": lux})
        if _is_contact(dev) and rng.random() < 0.15:
            opened = not dev.get(None, IasZone, "zone_status") & IasZone.ZoneStatus.Alarm_1
            out += dev.zone_status_change(alarm1=opened)
        if isinstance(dev, SimPlug):
            out += self._meter(dev)
        if isinstance(dev, SimThermostat):
            out += dev.tick()  # the room moves toward the setpoint and is reported
            if rng.random() < DIAL_PROBABILITY:
                out += dev.turn_dial(rng.choice((19.0, 20.0, 20.5, 21.0, 22.0)))
        if isinstance(dev, SimRemote) and rng.random() < self.driver.press_probability:
            out += self._press(dev)
        if _has(dev, PowerConfiguration) and self.rounds % BATTERY_EVERY == 0:
            out += self._battery(dev)
        return out

    def _meter(self, plug: SimPlug) -> list[t.ZigbeePacket]:
        assert self.load is not None and self.energy is not None
        endpoint = plug.endpoint(None, Metering)
        plug.apply_load(endpoint, self.load.next(self.rng))
        watts = endpoint.get(Metering, "instantaneous_demand")
        self.energy += watts * self.driver.report_interval / 3600
        power = endpoint.get(ElectricalMeasurement, "active_power")
        return plug.report(
            None,
            Metering,
            {"current_summ_delivered": round(self.energy), "instantaneous_demand": watts},
        ) + plug.report(None, ElectricalMeasurement, {"active_power": power})

    def _press(self, remote: SimRemote) -> list[t.ZigbeePacket]:
        group = self.driver.remote_group
        choice = self.rng.choice(("on", "off", "up", "down", "scene"))
        if choice in ("on", "off"):
            return remote.press(1 if choice == "on" else 2, group=group)
        if choice == "scene":
            return remote.recall_scene(self.rng.randint(1, 3), group=group)
        return remote.press(3 if choice == "up" else 4, group=group)

    def _battery(self, dev: SimDevice) -> list[t.ZigbeePacket]:
        remaining = int(dev.get(None, PowerConfiguration, "battery_percentage_remaining"))
        return dev.report(
            None, PowerConfiguration, {"battery_percentage_remaining": max(2, remaining - 1)}
        )


def _has(device: SimDevice, cluster: type[Cluster]) -> bool:
    return any(ep.has(cluster) for ep in device.endpoints.values())


def _is_contact(device: SimDevice) -> bool:
    return (
        _has(device, IasZone)
        and device.get(None, IasZone, "zone_type") == IasZone.ZoneType.Contact_Switch
    )


class DemoDriver:
    """Puts the devices on the virtual network and keeps them busy.

    ``start()`` joins devices zigpy does not know yet (they get interviewed) and attaches
    known ones silently, then waits until every joined device is initialized, because
    zigpy drops reports from devices it has not finished interviewing. With ``live`` the
    sensors then report drifting values every ``report_interval`` seconds, the motion
    sensor and the door change state now and then, and the remote presses a button about
    every ``press_interval`` seconds (to the coordinator, or to ``remote_group``; 0 turns
    the presses off).
    """

    def __init__(
        self,
        app: VirtualRadio,
        devices: Iterable[SimDevice],
        *,
        live: bool = True,
        report_interval: float = 10.0,
        press_interval: float = 60.0,
        join_timeout: float = 60.0,
        remote_group: int | None = None,
        seed: int = 1,
    ) -> None:
        self.app = app
        self.devices = list(devices)
        self.live = live
        self.report_interval = report_interval
        self.press_interval = press_interval
        self.join_timeout = join_timeout
        self.remote_group = remote_group
        self.rng = random.Random(seed)
        self.joined: list[SimDevice] = []
        self.attached: list[SimDevice] = []
        self.failed: list[SimDevice] = []
        self._pending: dict[t.EUI64, asyncio.Future[bool]] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def press_probability(self) -> float:
        return min(1.0, self.report_interval / self.press_interval) if self.press_interval else 0.0

    # zigpy application listener callbacks
    def device_initialized(self, device: object) -> None:
        self._resolve(device, True)

    def device_init_failure(self, device: object) -> None:
        self._resolve(device, False)

    def _resolve(self, device: object, ok: bool) -> None:
        future = self._pending.get(getattr(device, "ieee", None))  # type: ignore[arg-type]
        if future is not None and not future.done():
            future.set_result(ok)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.app.add_listener(self)
        try:
            for device in self.devices:
                known = self.app.devices.get(device.ieee)
                if known is not None and known.is_initialized:
                    self.app.network.attach(device)
                    self.attached.append(device)
                else:
                    self._pending[device.ieee] = loop.create_future()
                    self.app.network.join(device)
                    self.joined.append(device)
            await self._wait_for_interviews()
        finally:
            self.app.remove_listener(self)
        if self.live:
            self._task = asyncio.create_task(self._run(), name="sim-demo-driver")

    async def _wait_for_interviews(self) -> None:
        if not self._pending:
            return
        done, _ = await asyncio.wait(self._pending.values(), timeout=self.join_timeout)
        by_ieee = {d.ieee: d for d in self.devices}
        for ieee, future in self._pending.items():
            if future not in done or not future.result():
                self.failed.append(by_ieee[ieee])
        if self.failed:
            LOGGER.warning("Simulated devices not initialized: %s", self.failed)
        self._pending.clear()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        activities = [_Activity(d, self.rng, self) for d in self.devices if d not in self.failed]
        while True:
            await asyncio.sleep(self.report_interval)
            for activity in activities:
                if activity.device in self.app.network:
                    try:
                        self.app.network.emit(activity.step())
                    except Exception:
                        LOGGER.exception("Demo activity of %s failed", activity.device)
