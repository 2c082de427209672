"""MQTT bridge (issue 14): radio report -> message at a subscriber, against bare aiomqtt.

Ours: the real daemon in this process (zigpy on the simulated radio, the store, the event
bus, ``gateway.mqtt.bridge``) publishing to a Mosquitto started here; each event is a
temperature Report_Attributes frame handed to ``app.packet_received``, as in the fan-out
benchmark. The subscriber, in its own process, listens to the bridge's ``<root>/events``
stream (one message per deCONZ event, not coalesced) and notes when each arrives.

Baseline: a bare ``aiomqtt`` client in this same process and event loop publishing the very
payloads ours sends (captured from ours, value substituted), at the same QoS, to the same
broker, received by the same kind of subscriber process.

* Throughput: N events handed over as fast as the loop takes them (16 per iteration);
  rate = messages received / (first hand-over -> last message received).
* Latency at 100 and 1,000 events/s: the feeder process of ``bench.fanout`` writes one byte
  per frame to a pipe on schedule; latency = the subscriber received it - the feeder wrote
  it (one CLOCK_MONOTONIC for every process).
* CPU per event (``getrusage`` of this process) over the throughput window, bridge on, then
  the same daemon with its bridge stopped (done when the bus has had every report), and the
  bare client. Each window starts with zigpy's deferred database writes drained and ends
  once its own are written, so on and off count the same zigpy work.
* RSS: a real ``zigbridge`` process with the bridge on (connected, every retained message and
  discovery config published) and off, alternated, after the same start-up.

``python -m bench.mqtt`` runs it alone (``--quick`` for a shorter run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fanout
from .common import (
    CHILDREN,
    HOST,
    Report,
    free_port,
    median,
    metric,
    now,
    percentile,
    rss_mb,
    zigbridge_argv,
)
from .fanout import _paced
from .inproc import start_daemon, stop_daemon

SECTION = "mqtt"
SENTINEL = -3000  # the value bench.fanout.Ours.capture_frame reports
BURST = 16  # events per loop iteration in the throughput run
GATEWAY_ID = "bench"

_SUBSCRIBER = r"""
import asyncio, json, re, sys, time
import aiomqtt
host, port, topic = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, timeout = int(sys.argv[4]), float(sys.argv[5])
value = re.compile(rb'"temperature":(-?\d+)')
async def main():
    values, times = [], []
    async with aiomqtt.Client(host, port, max_queued_incoming_messages=0) as client:
        await client.subscribe(topic, qos=1)
        print("ready", flush=True)
        try:
            async with asyncio.timeout(timeout):
                async for message in client.messages:
                    t = time.perf_counter()
                    found = value.search(message.payload)
                    if found:
                        values.append(int(found[1]))
                        times.append(t)
                        if len(values) >= n:
                            break
        except TimeoutError:
            pass
    sys.stdout.write(json.dumps({"values": values, "times": times}))
asyncio.run(main())
"""


@dataclass
class Plan:
    throughput_events: int = 3000
    rates: tuple[float, ...] = (100.0, 1000.0)
    latency_seconds: float = 3.0
    repeats: int = 2
    rss_runs: int = 2
    pacing: dict[str, Any] | None = None  # the bridge's knobs, for A/B runs (--pacing-rate)
    homeassistant: bool = True  # discovery configs on (the default) or off, for A/B runs


class Mosquitto:
    """A broker for the benchmark alone: no persistence, no logging to disk."""

    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.conf = work / "mosquitto.conf"
        self.conf.write_text(f"listener {self.port} {HOST}\nallow_anonymous true\n")
        self.log = work / "mosquitto.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = CHILDREN.spawn([binary, "-c", str(self.conf)], log=self.log)

    def stop(self) -> None:
        if self.proc is not None:
            CHILDREN.stop(self.proc)


class Subscriber:
    """One subscriber process, for one measurement: the arrival time of each value."""

    def __init__(self, broker: Mosquitto, topic: str, count: int, timeout: float) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _SUBSCRIBER,
                HOST,
                str(broker.port),
                topic,
                str(count),
                repr(timeout),
            ],
            stdout=subprocess.PIPE,
        )

    async def ready(self) -> None:
        line = await asyncio.to_thread(self.proc.stdout.readline)
        if line.strip() != b"ready":
            raise RuntimeError(f"MQTT subscriber did not start: {line!r}")

    async def result(self) -> dict[int, float]:
        out, _ = await asyncio.to_thread(self.proc.communicate, timeout=120)
        got = json.loads(out)
        return dict(zip(got["values"], got["times"], strict=True))


class Source:
    """Either side: hands over event ``i`` carrying ``values[i]``, and names its topic."""

    name = ""
    topic = ""

    def prepare(self, values: range) -> Callable[[int], None]:
        raise NotImplementedError


class Ours(fanout.Ours):
    """The fan-out benchmark's daemon side (reports into zigpy), seen on the MQTT stream."""

    def __init__(self, daemon: Any) -> None:
        super().__init__(daemon)
        self.topic = f"{daemon.mqtt.topics.root}/events"

    def capture_payload(self) -> str:
        """One events-topic payload as ours builds it (the event, its seq first)."""
        text = self.capture_frame()  # carries "temperature":-3000, the SENTINEL
        return f'{{"seq":{self.daemon.gateway.bus.seq},{text[1:]}'


class Bare(Source):
    name = "aiomqtt"
    topic = "bench/baseline/events"
    app = None  # no zigpy: nothing to settle or to wait for

    def __init__(self, client: Any, template: str, qos: int) -> None:
        self.client, self.qos = client, qos
        self.prefix, self.suffix = template.split(f'"temperature":{SENTINEL}', 1)
        self.prefix += '"temperature":'
        self.pending: set[asyncio.Task] = set()

    def prepare(self, values: range) -> Callable[[int], None]:
        client, topic, qos, pending = self.client, self.topic, self.qos, self.pending
        prefix, suffix = self.prefix, self.suffix

        def inject(i: int) -> None:
            task = asyncio.ensure_future(
                client.publish(topic, f"{prefix}{values[i]}{suffix}", qos=qos)
            )
            pending.add(task)
            task.add_done_callback(pending.discard)

        return inject


async def _throughput(source: Source, broker: Mosquitto, n: int, base: int) -> dict[str, float]:
    values = range(base, base + n)
    sub = Subscriber(broker, source.topic, n, timeout=60)
    await sub.ready()
    await fanout._settle(source)  # zigpy's deferred writes from before are not ours to count
    cpu0, t0 = await _flood(source.prepare(values), n)
    got = await sub.result()
    await fanout._settle(source)  # ... and this window's are, bridge on or off alike
    cpu = fanout._cpu() - cpu0
    received = [t for v, t in got.items() if v in values]
    span = (max(received) - t0) if received else float("nan")
    return {"rate": len(received) / span, "lost": n - len(received), "cpu_us": cpu / n * 1e6}


async def _flood(inject: Callable[[int], None], n: int) -> tuple[float, float]:
    """Hand over n events, BURST per loop iteration; returns (CPU, time) at the start."""
    cpu0, t0 = fanout._cpu(), now()
    for first in range(0, n, BURST):
        for i in range(first, min(n, first + BURST)):
            inject(i)
        await asyncio.sleep(0)
    return cpu0, t0


async def _bridge_off_cpu(ours: Ours, n: int, base: int) -> float:
    """The same daemon with its bridge stopped: our CPU per event up to the event bus,
    every sink but MQTT included. Done when the bus has had one event per report."""
    seen = [0]
    stop = ours.daemon.gateway.bus.add_sink(
        lambda event: seen.__setitem__(0, seen[0] + ('"temperature"' in event.text))
    )
    try:
        await fanout._settle(ours)
        cpu0, _ = await _flood(ours.prepare(range(base, base + n)), n)
        for _ in range(6000):
            if seen[0] >= n:
                break
            await asyncio.sleep(0.01)
        await fanout._settle(ours)
        return (fanout._cpu() - cpu0) / n * 1e6
    finally:
        stop()


async def _latency(
    source: Source, broker: Mosquitto, rate: float, seconds: float, base: int
) -> dict[str, float]:
    n = int(rate * seconds)
    values = range(base, base + n)
    sub = Subscriber(broker, source.topic, n, timeout=seconds + 30)
    await sub.ready()
    lag = array("d", bytes(8 * n))
    written, _ = await _paced(source.prepare(values), 0, n, rate, lag)
    got = await sub.result()
    latencies = sorted((got[v] - written[v - base]) * 1000.0 for v in values if v in got)
    return {
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "lost": n - len(latencies),
    }


def _quiet_logs() -> None:
    # aiomqtt warns at every publish beyond paho's in-flight window; the load is the point.
    for name in ("gateway.mqtt", "gateway.mqtt.client", "aiomqtt", "mqtt"):
        logging.getLogger(name).setLevel(logging.ERROR)


async def run(report: Report, template: Path, work: Path, devices: int, plan: Plan) -> None:
    import aiomqtt

    broker = Mosquitto(work)
    broker.start()
    daemon = None
    try:
        await asyncio.sleep(0.3)
        daemon = await start_daemon(
            template,
            work / "mqtt-daemon",
            devices,
            mqtt_pacing=plan.pacing,
            mqtt_url=broker.url,
            mqtt_gateway_id=GATEWAY_ID,
            mqtt_homeassistant=plan.homeassistant,
        )
        _quiet_logs()
        for _ in range(500):
            if daemon.mqtt.connected:
                break
            await asyncio.sleep(0.01)
        else:
            raise RuntimeError("the MQTT bridge did not connect to the benchmark's Mosquitto")
        await asyncio.sleep(2.0)  # the resync (state and discovery) is over
        ours = Ours(daemon)
        qos = daemon.mqtt.config.qos
        async with aiomqtt.Client(HOST, broker.port, max_inflight_messages=100) as client:
            bare = Bare(client, ours.capture_payload(), qos)
            sides = (ours, bare)
            results: dict[str, dict[str, list[dict[str, float]]]] = {s.name: {} for s in sides}
            base = 0
            for _ in range(plan.repeats):
                for side in sides:  # interleaved, so both see the same machine
                    base = 16384 - base  # no two sessions repeat a frame (zigpy dedup)
                    results[side.name].setdefault("throughput", []).append(
                        await _throughput(side, broker, plan.throughput_events, base)
                    )
                    for rate in plan.rates:
                        base = 16384 - base
                        results[side.name].setdefault(f"latency_{rate:g}", []).append(
                            await _latency(side, broker, rate, plan.latency_seconds, base)
                        )
            await ours.daemon.mqtt.stop()
            off = []
            for _ in range(plan.repeats):
                base = 16384 - base
                off.append(await _bridge_off_cpu(ours, plan.throughput_events, base))
        _figures(report, results, plan)
        _cpu_figures(report, results, off)
    finally:
        if daemon is not None:
            await stop_daemon(daemon)
        broker.stop()
    if plan.rss_runs:
        await _rss(report, template, work, devices, plan.rss_runs)


def _figures(report: Report, results: dict, plan: Plan) -> None:
    ours, bare = results["zigbridge"], results["aiomqtt"]
    for name, runs, label in (
        ("mqtt_events_per_s", ours["throughput"], "bridge: reports -> messages at a subscriber"),
        ("mqtt_baseline_events_per_s", bare["throughput"], "bare aiomqtt, same payloads"),
    ):
        report.add_median(
            name, (r["rate"] for r in runs), unit="events/s", section=SECTION, label=label
        )
    report.add(
        "mqtt_ratio",
        report.get("mqtt_events_per_s") / report.get("mqtt_baseline_events_per_s"),
        section=SECTION,
        label="throughput ours / bare aiomqtt",
    )
    for rate in plan.rates:
        key = f"latency_{rate:g}"
        suffix = f"{rate:g}"
        for who, runs in (("", ours[key]), ("baseline_", bare[key])):
            for p in ("p50", "p99"):
                report.add_median(
                    f"mqtt_{who}{p}_ms_at_{suffix}",
                    (r[p] for r in runs),
                    unit="ms",
                    section=SECTION,
                    label=f"{'bare aiomqtt' if who else 'bridge'} {p} at {suffix} events/s",
                )
        report.add(
            f"mqtt_lost_at_{suffix}",
            sum(r["lost"] for r in ours[key]),
            section=SECTION,
            label=f"bridge messages missing at {suffix} events/s",
        )
    report.add(
        "mqtt_lost_throughput",
        sum(r["lost"] for r in ours["throughput"]),
        section=SECTION,
        label="bridge messages missing in the throughput runs",
    )


def _cpu_figures(report: Report, results: dict, off: list[float]) -> None:
    ours, bare = results["zigbridge"]["throughput"], results["aiomqtt"]["throughput"]
    for name, runs, label in (
        ("mqtt_cpu_us_per_event", [r["cpu_us"] for r in ours], "our CPU per event, bridge on"),
        ("mqtt_off_cpu_us_per_event", off, "our CPU per event, same daemon, bridge stopped"),
        ("mqtt_baseline_cpu_us_per_event", [r["cpu_us"] for r in bare], "bare aiomqtt"),
    ):
        report.add_median(name, runs, unit="us", section=SECTION, label=label)
    report.add(
        "mqtt_bridge_cpu_us_per_event",
        report.get("mqtt_cpu_us_per_event") - report.get("mqtt_off_cpu_us_per_event"),
        unit="us",
        section=SECTION,
        label="what the bridge itself costs per event",
    )


# ---- RSS: a real process with the bridge on and off -------------------------------------------


async def _rss_once(template: Path, work: Path, devices: int, broker: Mosquitto | None) -> float:
    data = work / "rss-data"
    if data.exists():
        shutil.rmtree(data)
    shutil.copytree(template, data)
    http_port, ws_port = free_port(), free_port()
    argv = zigbridge_argv(data, http_port, ws_port, devices, quiet=True)
    if broker is not None:
        argv += ["--mqtt-url", broker.url, "--mqtt-gateway-id", GATEWAY_ID]
    log = work / "rss.log"
    proc = CHILDREN.spawn(argv, log=log)
    try:
        deadline = now() + 60
        while b"zigbridge is running" not in log.read_bytes():
            if proc.poll() is not None or now() > deadline:
                raise RuntimeError(f"zigbridge did not start; see {log}")
            await asyncio.sleep(0.05)
        if broker is not None:
            while await asyncio.to_thread(metric, http_port, "zigbridge_mqtt_connected") != 1:
                if now() > deadline:
                    raise RuntimeError(f"the bridge did not connect; see {log}")
                await asyncio.sleep(0.05)
        await asyncio.sleep(4.0)  # start-up and (bridge on) the resync are over
        return rss_mb(proc.pid)
    finally:
        await asyncio.to_thread(CHILDREN.stop, proc)


async def _rss(report: Report, template: Path, work: Path, devices: int, runs: int) -> None:
    broker = Mosquitto(work)
    broker.start()
    on: list[float] = []
    off: list[float] = []
    try:
        await asyncio.sleep(0.3)
        for _ in range(runs):
            off.append(await _rss_once(template, work, devices, None))
            on.append(await _rss_once(template, work, devices, broker))
    finally:
        broker.stop()
    report.add_median(
        f"mqtt_rss_mb_off_{devices}",
        off,
        unit="MiB",
        section=SECTION,
        label="RSS, no broker configured",
    )
    report.add_median(
        f"mqtt_rss_mb_on_{devices}",
        on,
        unit="MiB",
        section=SECTION,
        label="RSS, bridge on (connected, resync done)",
    )
    report.add(
        f"mqtt_rss_over_off_mb_{devices}",
        median(on) - median(off),
        unit="MiB",
        section=SECTION,
        label="what the bridge costs in RSS",
    )


# ---- python -m bench.mqtt ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from . import lifecycle
    from .__main__ import _compile_sources, machine, table
    from .common import check_shared_clock, fmt

    p = argparse.ArgumentParser(prog="python -m bench.mqtt", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="one repetition, shorter latency runs")
    p.add_argument("--devices", type=int, default=200)
    p.add_argument(
        "--pacing-rate",
        type=float,
        help="the bridge's retained-message rate limit (Pacing.rate), for an A/B run",
    )
    p.add_argument("--no-rss", action="store_true", help="skip the RSS runs")
    p.add_argument(
        "--no-homeassistant", action="store_true", help="discovery off (an A/B of its cost)"
    )
    args = p.parse_args(argv)
    check_shared_clock()
    _compile_sources()
    plan = Plan(repeats=1, latency_seconds=2.0, rss_runs=1) if args.quick else Plan()
    if args.pacing_rate:
        plan.pacing = {"rate": args.pacing_rate, "burst": int(args.pacing_rate)}
    plan.homeassistant = not args.no_homeassistant
    if args.no_rss:
        plan.rss_runs = 0
    work = Path(tempfile.mkdtemp(prefix="zigbridge-bench-mqtt-"))

    async def go() -> Report:
        report = Report()
        prep = await lifecycle.prepare(report, work, args.devices)
        await run(report, prep.data_dir, work, args.devices, plan)
        return report

    try:
        report = asyncio.run(go())
    finally:
        CHILDREN.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    print(table(report, machine()))
    for f in report.figures:
        print(f"{f.name}: {fmt(f.value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
