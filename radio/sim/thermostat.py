"""A simulated radiator thermostat (TRV) whose room warms toward its setpoint.

The room is a number of its own (°C, float); the device shows it as LocalTemperature plus
its calibration, heats while the room is below the setpoint (RunningState, and a
PIHeatingDemand that shrinks as the gap closes), and otherwise lets the room cool toward
the ambient temperature. The room approaches its target exponentially with time constant
`tau` seconds; while it has not settled the device wakes itself every `step` seconds, so
a written setpoint is followed by a series of temperature reports, as a real TRV's is.
Without a `step` it moves only when ticked (by the demo driver, or by a frame it receives).
"""

from __future__ import annotations

import math
from typing import Any

import zigpy.types as t
from zigpy.profiles import zha
from zigpy.zcl import Cluster
from zigpy.zcl.clusters.general import Basic, Identify, Ota, PowerConfiguration, Time
from zigpy.zcl.clusters.hvac import Thermostat, UserInterface

from .catalogue import MANUFACTURER, basic, battery
from .device import SimDevice
from .endpoint import SimEndpoint

_MODE = Thermostat.SystemMode
_HEATING_MODES = (_MODE.Heat, _MODE.Auto, _MODE.Emergency_Heating)
SETTLED = 0.02  # °C: closer than this to the target the room stops moving
DEADBAND = 0.1  # °C below the setpoint before it heats


class SimThermostat(SimDevice):
    """A battery TRV on endpoint 1 (HA thermostat 0x0301) with Thermostat + UI clusters."""

    ambient: float = 17.0
    tau: float = 120.0
    step: float = math.inf
    """Seconds between the device's own wake-ups while the room moves; infinite by default,
    so a quiet simulation stays quiet: the demo driver ticks it, a test sets a step."""

    def __init__(self, *args: Any, room: float = 19.0, **kwargs: Any) -> None:
        self.room = room
        self._last: float | None = None  # when the room was last moved
        self._wake_at = 0.0  # when the pending drift timer fires: one timer at a time
        super().__init__(*args, **kwargs)
        self._last = self.clock()
        self._regulate(self._ep)

    @property
    def _ep(self) -> SimEndpoint:
        return self.endpoint(None, Thermostat)

    def _target(self, ep: SimEndpoint) -> float:
        setpoint = ep.get(Thermostat, "occupied_heating_setpoint") / 100
        if ep.get(Thermostat, "system_mode") in _HEATING_MODES:
            return max(self.ambient, setpoint)
        return self.ambient

    def _regulate(self, ep: SimEndpoint) -> None:
        """Show the room and decide whether to heat (a write or a drift step changed it)."""
        calibration = int(ep.get(Thermostat, "local_temperature_calibration", 0))
        ep.set(Thermostat, "local_temperature", round(self.room * 100) + calibration * 10)
        setpoint = ep.get(Thermostat, "occupied_heating_setpoint") / 100
        heating = (
            ep.get(Thermostat, "system_mode") in _HEATING_MODES and self.room < setpoint - DEADBAND
        )
        demand = min(100, round((setpoint - self.room) * 50)) if heating else 0
        ep.set(Thermostat, "pi_heating_demand", demand)
        state = Thermostat.RunningState
        ep.set(Thermostat, "running_state", state.Heat_State_On if heating else state.Idle)

    def attribute_changed(
        self, endpoint: SimEndpoint, cluster: type[Cluster], name: str, value: Any
    ) -> None:
        if cluster is Thermostat and name in (
            "occupied_heating_setpoint",
            "system_mode",
            "local_temperature_calibration",
        ):
            self._regulate(endpoint)
            self._keep_moving()

    def settled(self) -> bool:
        return abs(self._target(self._ep) - self.room) < SETTLED

    def tick(self) -> list[t.ZigbeePacket]:
        now = self.clock()
        if self._last is None or now < self._last:  # a new clock (a test's): start from it
            self._last = now
        if now > self._last:
            ep = self._ep
            target = self._target(ep)
            if not self.settled():
                self.room += (target - self.room) * (1 - math.exp(-(now - self._last) / self.tau))
                if abs(target - self.room) < SETTLED:
                    self.room = target
                self._regulate(ep)
            self._last = now
        self._keep_moving()
        return super().tick()

    def _keep_moving(self) -> None:
        now = self.clock()
        if not math.isinf(self.step) and not self.settled() and self._wake_at <= now:
            self._wake_at = now + self.step
            self.schedule_tick(self.step)

    def turn_dial(self, setpoint: float) -> list[t.ZigbeePacket]:
        """Someone sets the temperature on the device itself."""
        return self.set_attribute(
            None, Thermostat, "occupied_heating_setpoint", round(setpoint * 100)
        )


def radiator_thermostat(
    ieee: t.EUI64 | str,
    nwk: int,
    *,
    name: str | None = None,
    model: str = "SIM-TRV1",
    manufacturer: str | None = None,
    room: float = 19.0,
    setpoint: float = 21.0,
) -> SimThermostat:
    endpoint = SimEndpoint(
        1,
        zha.PROFILE_ID,
        zha.DeviceType.THERMOSTAT,
        in_clusters={
            Basic: basic(model, mains=False, manufacturer=manufacturer or MANUFACTURER),
            PowerConfiguration: battery(percent=85, volts=3.0),
            Identify: {"identify_time": 0},
            Thermostat: {
                "local_temperature": round(room * 100),
                "local_temperature_calibration": 0,
                "occupied_heating_setpoint": round(setpoint * 100),
                "abs_min_heat_setpoint_limit": 500,
                "abs_max_heat_setpoint_limit": 3000,
                "min_heat_setpoint_limit": 500,
                "max_heat_setpoint_limit": 3000,
                "ctrl_sequence_of_oper": Thermostat.ControlSequenceOfOperation.Heating_Only,
                "system_mode": _MODE.Heat,
                "pi_heating_demand": 0,
                "running_state": Thermostat.RunningState.Idle,
            },
            UserInterface: {
                "temperature_display_mode": UserInterface.TemperatureDisplayMode.Metric,
                "keypad_lockout": UserInterface.KeypadLockout.No_lockout,
            },
        },
        out_clusters=[Ota, Time],
    )
    device = SimThermostat(
        ieee,
        nwk,
        [endpoint],
        router=False,
        name=name,
        room=room,
    )
    endpoint.changed.clear()
    return device
