"""`GET /metrics` is valid Prometheus text exposition, and its numbers move as events flow
through the daemon running on the simulated network."""

from __future__ import annotations

import asyncio
import math
import re

import websockets
from zigpy.zcl.clusters.measurement import TemperatureMeasurement

from gateway.daemon.metrics import Family, exposition

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
_SAMPLE = re.compile(rf"^({_NAME})(?:\{{({_LABEL}(?:,{_LABEL})*)?\}})? (\S+)$")
_LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> tuple[dict[str, str], Samples]:
    """A strict parser for format 0.0.4: every line a HELP, a TYPE or a sample; each sample
    after its family's TYPE; values are floats. Returns (types, samples)."""
    assert text.endswith("\n")
    types: dict[str, str] = {}
    samples: Samples = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            assert re.match(rf"^# HELP {_NAME} \S", line), line
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("counter", "gauge", "untyped", "summary", "histogram"), line
            assert name not in types, f"second TYPE for {name}"
            types[name] = kind
        else:
            match = _SAMPLE.match(line)
            assert match, f"not a sample line: {line!r}"
            name, labels, value = match.groups()
            assert name in types, f"{name} has no TYPE before it"
            pairs = frozenset(_LABEL_PAIR.findall(labels or ""))
            key = (name, pairs)
            assert key not in samples, f"duplicate sample {line!r}"
            samples[key] = float(value)
            assert not math.isnan(samples[key])
    for name, kind in types.items():
        if kind == "counter":
            assert name.endswith("_total"), name
    return types, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(gw) -> tuple[dict[str, str], Samples]:
    r = await gw.http.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return parse(r.text)


async def test_metrics_parse_and_describe_the_gateway(gw):
    types, samples = await scrape(gw)
    assert types["zigbridge_events_published_total"] == "counter"
    assert types["zigbridge_websocket_clients"] == "gauge"
    assert value(samples, "zigbridge_radio_connected") == 1
    assert value(samples, "zigbridge_info", version=_version(samples), radio="sim") == 1
    assert value(samples, "process_resident_memory_bytes") > 10_000_000
    lights = await gw.get("/lights")
    sensors = await gw.get("/sensors")
    devices = {k: v for k, v in samples.items() if k[0] == "zigbridge_devices"}
    assert sum(devices.values()) == len(lights) + len(sensors)
    temperature = dict(resource="sensor", type="ZHATemperature", reachable="true")
    assert value(samples, "zigbridge_devices", **temperature) == 1
    assert value(samples, "zigbridge_radio_events_total", event="device_initialized") >= 10
    # no mqtt.url: no bridge, and no MQTT metric that would look like an outage
    assert gw.daemon.mqtt is None
    assert not any(name.startswith("zigbridge_mqtt") for name in types)


def _version(samples: Samples) -> str:
    (labels,) = [dict(k[1]) for k in samples if k[0] == "zigbridge_info"]
    return labels["version"]


async def test_counters_move_when_events_flow(gw, ws):
    _, before = await scrape(gw)
    assert value(before, "zigbridge_websocket_clients") == 1
    sim = gw.sim("SIM-TH1")
    gw.network.emit(sim.report(None, TemperatureMeasurement, {"measured_value": 2345}))
    await ws.wait(lambda e: e.get("state", {}).get("temperature") == 2345)
    assert any(s["state"].get("temperature") == 2345 for s in (await gw.get("/sensors")).values())
    _, after = await scrape(gw)
    for name, labels in [
        ("zigbridge_events_published_total", {}),
        ("zigbridge_event_journal_events", {}),
        ("zigbridge_event_journal_bytes", {}),
        ("zigbridge_radio_events_total", {"event": "attribute_report"}),
        ("zigbridge_http_requests_total", {"code": "200"}),  # the GET /sensors
        ("zigbridge_history_samples_recorded_total", {}),
    ]:
        assert value(after, name, **labels) > value(before, name, **labels), name
    assert value(after, "zigbridge_websocket_clients_accepted_total") >= 1
    assert value(after, "zigbridge_history_samples_dropped_total") == 0


async def test_requests_are_counted_by_status_and_scrapes_are_not(gw):
    _, before = await scrape(gw)
    r = await gw.http.get("/api/not-a-key/lights")
    assert r.status_code == 403
    await gw.http.get("/metrics")
    _, after = await scrape(gw)
    assert value(after, "zigbridge_http_requests_total", code="403") == (
        value(before, "zigbridge_http_requests_total", code="403") + 1
    )
    assert value(after, "zigbridge_http_requests_total", code="200") == value(
        before, "zigbridge_http_requests_total", code="200"
    )


async def test_websocket_clients_come_and_go(gw):
    _, samples = await scrape(gw)
    assert value(samples, "zigbridge_websocket_clients") == 0
    async with websockets.connect(gw.ws_url):
        _, samples = await scrape(gw)
        assert value(samples, "zigbridge_websocket_clients") == 1
    for _ in range(100):
        _, samples = await scrape(gw)
        if value(samples, "zigbridge_websocket_clients") == 0:
            break
        await asyncio.sleep(0.02)
    assert value(samples, "zigbridge_websocket_clients") == 0
    assert value(samples, "zigbridge_websocket_clients_dropped_slow_total") == 0


async def test_radio_state_and_reachability_follow_the_stick(gw):
    """The stick goes away (as when unplugged) and comes back through the reconnect loop."""
    gw.daemon.radio.app.connection_lost(ConnectionResetError("stick unplugged"))
    samples = await _scrape_until(gw, lambda s: value(s, "zigbridge_radio_connected") == 0)
    devices = [k for k in samples if k[0] == "zigbridge_devices"]
    assert devices and all(dict(labels)["reachable"] == "false" for _, labels in devices)
    assert value(samples, "zigbridge_radio_events_total", event="network_down") == 1
    samples = await _scrape_until(gw, lambda s: value(s, "zigbridge_radio_connected") == 1)
    assert value(samples, "zigbridge_radio_events_total", event="network_up") == 2


async def _scrape_until(gw, predicate, timeout: float = 15) -> Samples:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        _, samples = await scrape(gw)
        if predicate(samples):
            return samples
        assert asyncio.get_running_loop().time() < deadline, samples
        await asyncio.sleep(0.05)


def test_label_values_and_help_are_escaped():
    text = exposition(
        [Family("x_total", "counter", 'a \\ "help"\nline', (({"l": 'a"b\\c\nd'}, 1.5),))]
    )
    assert text.splitlines() == [
        '# HELP x_total a \\\\ "help"\\nline',
        "# TYPE x_total counter",
        'x_total{l="a\\"b\\\\c\\nd"} 1.5',
    ]
    parse(text)


async def test_connections_the_rest_server_closed_are_counted(gw):
    guard = gw.daemon.rest.guard
    guard.request_timeout = 0.2  # so that a silent connection runs out of time quickly
    _, before = await scrape(gw)
    reader, writer = await asyncio.open_connection("127.0.0.1", gw.daemon.rest.port)
    assert await asyncio.wait_for(reader.read(), 10) == b""  # closed by the server
    writer.close()
    _, after = await scrape(gw)
    name = "zigbridge_http_connections_closed_total"
    assert value(after, name, reason="timed_out") == value(before, name, reason="timed_out") + 1
    assert value(after, name, reason="evicted") == value(before, name, reason="evicted")
