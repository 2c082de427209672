"""The thermostat and the air/soil sensors through pydeconz, as Home Assistant uses it, on a
running daemon with the simulated demo home: typed objects, control over REST reaching the
device, and the device's reports (and its own dial) updating pydeconz's objects."""

from __future__ import annotations

from pydeconz import DeconzSession
from pydeconz.models.sensor.air_quality import AirQuality
from pydeconz.models.sensor.moisture import Moisture
from pydeconz.models.sensor.particulate_matter import ParticulateMatter
from pydeconz.models.sensor.thermostat import Thermostat, ThermostatMode
from zigpy.zcl.clusters.general import AnalogInput
from zigpy.zcl.clusters.hvac import Thermostat as ThermostatCluster
from zigpy.zcl.clusters.hvac import UserInterface
from zigpy.zcl.clusters.measurement import PM25, CarbonDioxideConcentration, SoilMoisture

from tests.gateway.conftest import Running, until


def one(api: DeconzSession, cls: type, model: str | None = None):
    [(sid, sensor)] = [
        (i, s) for i, s in api.sensors.items() if isinstance(s, cls) and model in (None, s.model_id)
    ]
    return sid, sensor


async def test_pydeconz_sees_the_thermostat_as_it_is(gw: Running, session: DeconzSession):
    sid, thermostat = one(session, Thermostat)
    sim = gw.sim("SIM-TRV1")
    assert thermostat.type == "ZHAThermostat" and thermostat.name == "Thermostat " + sid
    # its `added` state was read at interview: Home Assistant builds its entity from it
    assert thermostat.scaled_temperature == 19.0
    assert thermostat.scaled_heating_setpoint == 21.0
    assert thermostat.mode == ThermostatMode.HEAT
    assert (thermostat.locked, thermostat.offset, thermostat.state_on) == (False, 0, True)
    assert thermostat.valve == sim.get(None, ThermostatCluster, "pi_heating_demand") > 0
    assert thermostat.battery == 85 and thermostat.reachable


async def test_pydeconz_controls_the_thermostat_and_the_device_answers(
    gw: Running, session: DeconzSession
):
    api = session
    sid, thermostat = one(api, Thermostat)
    sim = gw.sim("SIM-TRV1")
    sim.tau, sim.step = 0.4, 0.05  # a room in under a second

    reply = await api.sensors.thermostat.set_config(
        sid, heating_setpoint=2250, mode=ThermostatMode.AUTO, locked=True
    )
    assert {k for item in reply for k in item["success"]} == {
        f"/sensors/{sid}/config/heatsetpoint",
        f"/sensors/{sid}/config/mode",
        f"/sensors/{sid}/config/locked",
    }
    get = sim.get
    await until(lambda: get(None, ThermostatCluster, "occupied_heating_setpoint") == 2250)
    assert get(None, ThermostatCluster, "system_mode") == ThermostatCluster.SystemMode.Auto
    assert get(None, UserInterface, "keypad_lockout") == 1
    await until(
        lambda: (
            (thermostat.heating_setpoint, thermostat.mode, thermostat.locked)
            == (2250, ThermostatMode.AUTO, True)
        ),
        what="pydeconz config",
    )
    # The room warms toward the new setpoint; each report reaches pydeconz's object
    seen: list[int] = []
    thermostat.subscribe(lambda *_: seen.append(thermostat.temperature))
    await until(lambda: thermostat.temperature >= 2240, what="the room near 22.5 °C")
    assert len(seen) >= 3 and seen == sorted(seen)
    await until(lambda: thermostat.state_on is False and thermostat.valve == 0, what="idle")

    # A calibration is written in the device's unit and comes back as it was published
    await api.request("put", f"/sensors/{sid}/config", json={"offset": -50})
    await until(lambda: get(None, ThermostatCluster, "local_temperature_calibration") == -5)
    assert thermostat.offset == -50

    # Someone turns the dial on the radiator: Home Assistant hears of it
    gw.network.emit(sim.turn_dial(19.5))
    await until(lambda: thermostat.heating_setpoint == 1950, what="dial on pydeconz")
    state = await gw.get(f"/sensors/{sid}")
    assert state["config"]["heatsetpoint"] == 1950


async def test_pydeconz_reads_pm25_and_soil_moisture_reports(gw: Running, session):
    _, pm = one(session, ParticulateMatter)
    _, moisture = one(session, Moisture)
    assert pm.measured_value == 8 and pm.capabilities.unit == "ug/m^3"
    assert pm.capabilities.substance == "PM2.5"
    assert moisture.scaled_moisture == 42.0 and moisture.offset == 0

    gw.network.emit(gw.sim("SIM-PM1").report(None, PM25, {"measured_value": 41.6}))
    gw.network.emit(gw.sim("SIM-SM1").report(None, SoilMoisture, {"measured_value": 3875}))
    await until(lambda: (pm.measured_value, moisture.moisture) == (42, 3875), what="reports")


async def test_pydeconz_reads_the_co2_monitor_as_air_quality(gw: Running, session):
    sid, air = one(session, AirQuality, "SIM-CO2")
    assert air.type == "ZHAAirQuality" and air.name == "AirQuality " + sid
    # its first reading came with `added`: HA makes a CO2 entity only for a key present
    assert air.air_quality_co2 == 620
    assert air.air_quality_formaldehyde is None and air.air_quality_ppb is None
    assert not air.supports_air_quality  # no `airquality` word without a VOC reading
    sim = gw.sim("SIM-CO2")
    gw.network.emit(sim.report(None, CarbonDioxideConcentration, {"measured_value": 0.001234}))
    await until(lambda: air.air_quality_co2 == 1234, what="CO2 report on pydeconz")


async def test_pydeconz_reads_the_voc_monitor_as_air_quality(gw: Running, session):
    sid, air = one(session, AirQuality, "SIM-VOC")
    assert air.type == "ZHAAirQuality" and air.name == "AirQuality " + sid
    # an Analog Input in ppb: the reading and deCONZ's word for it, nothing else
    assert (air.air_quality_ppb, air.air_quality) == (180, "good")
    assert air.supports_air_quality and air.air_quality_co2 is None
    gw.network.emit(gw.sim("SIM-VOC").report(None, AnalogInput, {"present_value": 712.4}))
    await until(lambda: air.air_quality_ppb == 712, what="VOC report on pydeconz")
    assert air.air_quality == "poor"
