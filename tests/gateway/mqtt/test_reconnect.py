"""The bridge and its broker going away: restarts, outages, a dead daemon, a broker that
is down at start. Every broker here is a real Mosquitto without persistence, so a restart
loses every retained message, and the bridge must put them all back by itself."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess

import pytest

from tests.brokers import Mosquitto, MqttWatcher, free_port, retained
from tests.gateway.cli.test_main import READY, read_until, zigbridge
from tests.gateway.conftest import stop_daemon, until

from .conftest import bridged_daemon, complete, eventually, module_gateway, root

pytestmark = pytest.mark.asyncio(loop_scope="module")


gw = module_gateway("reconnect")


async def test_a_restarted_broker_gets_everything_retained_back_within_5_s(gw, mosquitto):
    await eventually(lambda: complete(gw, mosquitto), 15, "the first sync")
    mosquitto.restart()  # no persistence: the broker starts empty
    assert await retained(mosquitto.url, f"{root(gw)}/#") == {}
    await until(lambda: not gw.daemon.mqtt.connected, what="the bridge to notice")
    await until(lambda: gw.daemon.mqtt.connected, what="the bridge to reconnect")
    await eventually(lambda: complete(gw, mosquitto), 5, "everything retained again")
    info = await retained(mosquitto.url, f"{root(gw)}/bridge/info")
    assert (
        info[f"{root(gw)}/bridge/info"].json()["bridgeid"] == (await gw.get("/config"))["bridgeid"]
    )


async def test_an_outage_while_reports_flow_leaves_only_the_latest_state(gw, mosquitto, caplog):
    """The issue's 60 s outage, shortened: the bridge keeps no backlog however long it is
    (it owes keys, not messages), so 3 s shows the same as 60 s."""
    caplog.set_level(logging.INFO, logger="gateway.mqtt")
    sid, _ = await gw.find("sensors", lambda s: s["type"] == "ZHATemperature")
    sensor = gw.sim("SIM-TH1")
    mosquitto.stop()
    await until(lambda: not gw.daemon.mqtt.connected, what="the bridge to notice")
    for value in range(2000, 2030):
        gw.network.emit(sensor.report(None, "temperature", {"measured_value": value}))
        await asyncio.sleep(0.1)
    await until(
        lambda: gw.gateway.store.sensors[sid].state.get("temperature") == 2029,
        what="the last report",
    )
    metrics = (await gw.http.get("/metrics")).text
    assert "zigbridge_mqtt_connected 0" in metrics
    mosquitto.start()
    async with MqttWatcher(mosquitto.url, f"{root(gw)}/#") as watcher:
        await until(lambda: gw.daemon.mqtt.connected, what="the bridge to reconnect")
        await eventually(lambda: complete(gw, mosquitto), 5, "everything retained again")
    states = [m.json() for m in watcher.messages if m.topic == f"{root(gw)}/sensors/{sid}"]
    assert [s["state"]["temperature"] for s in states] == [2029]  # one message: the latest
    stale = [
        m
        for m in watcher.messages
        if m.topic.endswith("/events")
        and m.json().get("state", {}).get("temperature", 2029) != 2029
    ]
    assert stale == []  # no event from the outage is replayed
    assert "zigbridge_mqtt_connected 1" in (await gw.http.get("/metrics")).text
    assert gw.daemon.mqtt.failures >= 3  # it tried, and tried again
    outages = [r for r in caplog.records if "retrying until it works" in r.getMessage()]
    assert len(outages) == 1  # logged once per outage, however many attempts it took
    assert "lost the connection" in outages[0].getMessage()
    assert any("connected" in r.getMessage() and "again" in r.getMessage() for r in caplog.records)


async def test_kill_9_leaves_the_last_will_offline(mosquitto, tmp_path):
    cmd = zigbridge(
        "--radio", "sim", "--sim-quiet", "--data-dir", str(tmp_path), "--host", "127.0.0.1",
        "--http-port", str(free_port()), "--ws-port", str(free_port()),
        "--mqtt-url", mosquitto.url, "--mqtt-gateway-id", "killed",
    )  # fmt: skip
    state = "zigbridge/killed/bridge/state"
    async with MqttWatcher(mosquitto.url, state) as watcher:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            await asyncio.to_thread(read_until, proc, READY)
            await watcher.wait(lambda m: m.json() == {"state": "online"})
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=10)
        await watcher.wait(lambda m: m.json() == {"state": "offline"})
    kept = await retained(mosquitto.url, state)
    assert kept[state].json() == {"state": "offline"}  # retained, for whoever comes later


async def test_a_broker_down_at_start_delays_nothing(tmp_path):
    broker = Mosquitto(tmp_path)  # its port is free: nothing listens there yet
    running = await bridged_daemon(tmp_path / "data", broker, mqtt_gateway_id="late")
    try:
        assert not running.daemon.mqtt.connected
        lights = await running.get("/lights")  # REST answers at once
        assert lights
        r = await running.put(f"/lights/{next(iter(lights))}/state", {"on": True})
        assert r.status_code == 200
        broker.start()
        try:
            await until(lambda: running.daemon.mqtt.connected, what="the bridge to connect")
            await eventually(lambda: complete(running, broker), 15, "the retained state")
        finally:
            broker.stop()
    finally:
        await stop_daemon(running)
