"""zigpy's database with the per-report writes merged (radio/appdb.py), on the real zigpy
stack and SQLite: a burst leaves a bounded backlog, the last value is what a restart
restores, rows reach SQLite within the interval, and other writes keep their order."""

from __future__ import annotations

import asyncio

from zigpy.appdb import DB_V
from zigpy.zcl.clusters.general import Basic, Identify
from zigpy.zcl.clusters.measurement import TemperatureMeasurement
from zigpy.zcl.foundation import Status

from radio import events as ev
from radio.appdb import WRITE_INTERVAL, CoalescingListener
from radio.controller import Radio
from radio.sim import catalogue
from tests.radio.conftest import EventLog, join, settings

SENSOR = "00:5a:49:47:00:00:0a:01"
MEASURED = TemperatureMeasurement.AttributeDefs.measured_value.id


def report(radio: Radio, sensor, value: int) -> None:
    (packet,) = sensor.report(None, TemperatureMeasurement, {"measured_value": value})
    radio.app.packet_received(packet)


async def stored_temperature(radio: Radio) -> list:
    """The attribute row as zigpy's own connection sees it (committed or not)."""
    query = (
        f"SELECT value FROM attributes_cache{DB_V} "
        "WHERE ieee = ? AND cluster_id = ? AND attr_id = ?"
    )
    listener = radio.app._dblistener
    async with listener.execute(query, (SENSOR, TemperatureMeasurement.cluster_id, MEASURED)) as c:
        return [row[0] for row in await c.fetchall()]


async def until_written(listener: CoalescingListener) -> None:
    async with asyncio.timeout(WRITE_INTERVAL + 10):
        while listener.pending_writes:
            await asyncio.sleep(0.02)


async def test_a_burst_is_two_writes_and_a_restart_restores_its_last_value(tmp_path):
    events = EventLog()
    radio = Radio(settings(tmp_path), events.append)
    await radio.start()
    sensor = catalogue.climate_sensor(SENSOR, 0x4A01)
    await join(radio, events, sensor)
    listener = radio.app._dblistener
    assert isinstance(listener, CoalescingListener)
    await until_written(listener)

    for value in range(1000, 1500):
        report(radio, sensor, value)
    # One attribute row and one last-seen row wait, not 1000 statements.
    assert listener.pending_writes == 2
    await radio.stop()

    again = EventLog()
    restarted = Radio(settings(tmp_path), again.append)
    await restarted.start()
    try:
        (restored,) = [
            e.device
            for e in again.of(ev.DeviceInitialized)
            if e.device.ieee == SENSOR and e.restored
        ][:1]
        assert restored.cached[1, TemperatureMeasurement.cluster_id, MEASURED] == 1499
    finally:
        await restarted.stop()


async def test_a_report_reaches_sqlite_within_the_interval_without_a_shutdown(radio, events):
    sensor = catalogue.climate_sensor(SENSOR, 0x4A01)
    await join(radio, events, sensor)
    await until_written(radio.app._dblistener)
    report(radio, sensor, 2222)
    report(radio, sensor, 2345)
    assert await stored_temperature(radio) != [2345]
    await until_written(radio.app._dblistener)
    assert await stored_temperature(radio) == [2345]


async def test_a_later_clear_is_not_undone_by_an_earlier_pending_write(radio, events):
    sensor = catalogue.climate_sensor(SENSOR, 0x4A01)
    await join(radio, events, sensor)
    # Reporting set-up ends with the sensor reporting its values; let that pass first.
    async with asyncio.timeout(10):
        while radio._tasks:
            await asyncio.sleep(0.02)
    await until_written(radio.app._dblistener)
    report(radio, sensor, 1777)
    cluster = (
        radio.app.get_device(ieee=sensor.ieee)
        .endpoints[1]
        .in_clusters[TemperatureMeasurement.cluster_id]
    )
    cluster.update_attribute(MEASURED, None)  # zigpy's way of dropping a cached value
    await until_written(radio.app._dblistener)
    assert await stored_temperature(radio) == []


async def test_one_subscription_per_cluster_still_persists_reads_writes_and_unsupported(
    radio, events
):
    sensor = catalogue.climate_sensor(SENSOR, 0x4A01)
    await join(radio, events, sensor)
    listener = radio.app._dblistener
    endpoint = radio.app.get_device(ieee=sensor.ieee).endpoints[1]
    basic, identify = (
        endpoint.in_clusters[Basic.cluster_id],
        endpoint.in_clusters[Identify.cluster_id],
    )
    # zigpy's listener subscribes to eight event types per cluster; here it is one.
    for cluster in (basic, identify):
        assert [s.callback for s in cluster._global_listeners].count(
            listener._on_cluster_event
        ) == 1
        assert not [
            s
            for subscribed in cluster._event_listeners.values()
            for s in subscribed
            if getattr(s.callback, "__self__", None) is listener
        ]

    model, physical_env = Basic.AttributeDefs.model.id, Basic.AttributeDefs.physical_env.id
    await basic.read_attributes([model, physical_env])  # the sensor has no physical_env
    await identify.write_attributes({"identify_time": 7})
    await until_written(listener)

    async def stored(cluster: int, attr: int) -> list:
        query = (
            f"SELECT status, value FROM attributes_cache{DB_V} "
            "WHERE ieee = ? AND cluster_id = ? AND attr_id = ?"
        )
        async with listener.execute(query, (SENSOR, cluster, attr)) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    assert await stored(Basic.cluster_id, model) == [(Status.SUCCESS, "SIM-TH1")]
    assert await stored(Basic.cluster_id, physical_env) == [(Status.UNSUPPORTED_ATTRIBUTE, None)]
    assert await stored(Identify.cluster_id, Identify.AttributeDefs.identify_time.id) == [
        (Status.SUCCESS, 7)
    ]
