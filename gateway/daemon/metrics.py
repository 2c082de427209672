"""`GET /metrics`: Prometheus text exposition (format 0.0.4), written by hand: it is small,
and it keeps `prometheus_client` off a Pi.

Served on the REST port without an API key, as Prometheus exporters are: the numbers
reveal no state a person would keep secret (no names, keys or addresses), and a scraper
then needs no credentials. It is not part of the deCONZ API; the wrapper answers it before
the deCONZ app, whose catch-all would otherwise answer every unknown path with error 3.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.app.version import version
from radio import events as ev

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
PATH = "/metrics"

Labels = Mapping[str, str]
Sample = tuple[Labels, float]
ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Any]


@dataclass(frozen=True, slots=True)
class Family:
    name: str
    kind: str  # "counter" or "gauge"
    help: str
    samples: tuple[Sample, ...]


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def exposition(families: Iterable[Family]) -> str:
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for labels, value in family.samples:
            if labels:
                inner = ",".join(f'{k}="{_escape_label(str(v))}"' for k, v in labels.items())
                lines.append(f"{family.name}{{{inner}}} {_number(value)}")
            else:
                lines.append(f"{family.name} {_number(value)}")
    return "\n".join(lines) + "\n"


def resident_memory_bytes() -> int | None:
    """The process's resident set size, from /proc (Linux); None elsewhere."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


_NAME = re.compile(r"(?<!^)(?=[A-Z])")


def _snake(name: str) -> str:
    return _NAME.sub("_", name).lower()


class Metrics:
    """Counters the gateway cannot answer by itself (requests by status, radio events by
    kind) plus a snapshot of the gateway's, the websocket's and the process's state."""

    def __init__(self, daemon: Any):
        self.daemon = daemon
        self.started = time.time()
        self.requests: Counter[int] = Counter()
        self.radio_events: Counter[str] = Counter()

    # -- observers ------------------------------------------------------------------------

    def on_radio_event(self, event: ev.RadioEvent) -> None:
        self.radio_events[_snake(type(event).__name__)] += 1

    def wrap(self, app: ASGIApp) -> ASGIApp:
        """The REST app, answering `GET /metrics` and counting every other response."""

        async def instrumented(scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if scope["path"] == PATH and scope["method"] in ("GET", "HEAD"):
                await self._serve(scope, send)
                return
            status = 500

            async def send_counting(message: dict) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_counting)
            finally:
                self.requests[status] += 1

        return instrumented

    async def _serve(self, scope: dict, send: Any) -> None:
        body = self.render().encode()
        headers = [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )

    # -- the exposition -------------------------------------------------------------------

    def render(self) -> str:
        return exposition(self.families())

    def families(self) -> list[Family]:
        gw = self.daemon.gateway
        ws = self.daemon.ws
        radio = gw.radio if gw is not None else None
        ws_stats = ws.stats if ws is not None else None
        families = [
            Family(
                "zigbridge_info",
                "gauge",
                "zigbridge version and radio type",
                (({"version": version(), "radio": self.daemon.radio_settings.radio_type}, 1),),
            ),
            Family(
                "zigbridge_events_published_total",
                "counter",
                "Websocket events published (each goes to every connected client)",
                (({}, gw.bus.seq if gw else 0),),
            ),
            Family(
                "zigbridge_event_journal_events",
                "gauge",
                "Recent events kept in memory for clients that reconnect",
                (({}, len(gw.bus.journal) if gw else 0),),
            ),
            Family(
                "zigbridge_event_journal_bytes",
                "gauge",
                "Encoded size of the events kept (bounded; they hold about twice this in memory)",
                (({}, gw.bus.journal.size_bytes if gw else 0),),
            ),
            Family(
                "zigbridge_websocket_clients_dropped_flooding_total",
                "counter",
                "Websocket clients closed for sending far more frames than allowed",
                (({}, ws_stats.clients_dropped_flooding if ws_stats else 0),),
            ),
            Family(
                "zigbridge_websocket_clients_refused_total",
                "counter",
                "Websocket handshakes refused because the connection cap was reached",
                (({}, ws_stats.clients_refused if ws_stats else 0),),
            ),
            Family(
                "zigbridge_http_connections_closed_total",
                "counter",
                "REST connections the server closed: evicted past the cap (the longest idle), "
                "refused past it (every one busy), or out of time for their request",
                tuple(({"reason": reason}, n) for reason, n in self._guard_counts()),
            ),
            Family(
                "zigbridge_radio_events_total",
                "counter",
                "Events from the radio by kind (reports, joins, availability changes, ...)",
                tuple(({"event": k}, v) for k, v in sorted(self.radio_events.items())),
            ),
            Family(
                "zigbridge_websocket_clients",
                "gauge",
                "Connected websocket clients",
                (({}, ws_stats.clients if ws_stats else 0),),
            ),
            Family(
                "zigbridge_websocket_clients_accepted_total",
                "counter",
                "Websocket clients accepted",
                (({}, ws_stats.clients_accepted if ws_stats else 0),),
            ),
            Family(
                "zigbridge_websocket_clients_dropped_slow_total",
                "counter",
                "Websocket clients disconnected because they did not keep up",
                (({}, ws_stats.clients_dropped_slow if ws_stats else 0),),
            ),
            Family(
                "zigbridge_http_requests_total",
                "counter",
                "REST requests answered, by HTTP status (scrapes of /metrics not included)",
                tuple(({"code": str(k)}, v) for k, v in sorted(self.requests.items())),
            ),
            *self._history(gw),
            Family(
                "zigbridge_radio_connected",
                "gauge",
                "1 while the Zigbee network is up on the coordinator, else 0",
                (({}, 1 if radio is not None and radio.is_up else 0),),
            ),
            Family(
                "zigbridge_devices",
                "gauge",
                "deCONZ lights and sensors by type and reachability "
                "(one physical device may show as several)",
                self._resources(gw),
            ),
            Family(
                "process_start_time_seconds",
                "gauge",
                "Start time of the process since the Unix epoch, in seconds",
                (({}, round(self.started, 3)),),
            ),
        ]
        families += self._mqtt()
        rss = resident_memory_bytes()
        if rss is not None:
            families.append(
                Family(
                    "process_resident_memory_bytes",
                    "gauge",
                    "Resident memory size in bytes",
                    (({}, rss),),
                )
            )
        return families

    @staticmethod
    def _history(gw: Any) -> list[Family]:
        history = gw.history if gw is not None else None
        counts = [
            ("recorded", "Sensor history samples recorded"),
            ("written", "Sensor history samples written to history.db"),
            ("dropped", "Sensor history samples lost (the disk fell behind, or a write failed)"),
        ]
        families = [
            Family(
                f"zigbridge_history_samples_{name}_total",
                "counter",
                text,
                (({}, getattr(history, name) if history else 0),),
            )
            for name, text in counts
        ]
        waiting = history.waiting if history else 0
        families.append(
            Family(
                "zigbridge_history_samples_waiting",
                "gauge",
                "Sensor history samples recorded and not yet written (written in batches)",
                (({}, waiting),),
            )
        )
        return families

    def _mqtt(self) -> list[Family]:
        """Only with a bridge configured: a 0 would otherwise look like an outage."""
        bridge = getattr(self.daemon, "mqtt", None)
        if bridge is None:
            return []
        return [
            Family(
                "zigbridge_mqtt_connected",
                "gauge",
                "1 while the MQTT bridge is connected to its broker, else 0",
                (({}, 1 if bridge.connected else 0),),
            ),
            Family(
                "zigbridge_mqtt_connection_failures_total",
                "counter",
                "MQTT connections lost and connection attempts that failed",
                (({}, bridge.failures),),
            ),
            Family(
                "zigbridge_mqtt_messages_published_total",
                "counter",
                "Messages the MQTT bridge published (retained states, events, answers)",
                (({}, bridge.published),),
            ),
            Family(
                "zigbridge_mqtt_commands_total",
                "counter",
                "Commands from the broker answered on bridge/response",
                (({}, bridge.commands_answered),),
            ),
        ]

    def _guard_counts(self) -> list[tuple[str, int]]:
        rest = self.daemon.rest
        guard = rest.guard if rest is not None else None
        if guard is None:
            return [("evicted", 0), ("refused", 0), ("timed_out", 0)]
        return [
            ("evicted", guard.evicted),
            ("refused", guard.refused),
            ("timed_out", guard.timed_out),
        ]

    @staticmethod
    def _resources(gw: Any) -> tuple[Sample, ...]:
        if gw is None:
            return ()
        counts: Counter[tuple[str, str, str]] = Counter()
        for kind, resources in (("light", gw.store.lights), ("sensor", gw.store.sensors)):
            for resource in resources.values():
                counts[(kind, resource.type, str(resource.reachable).lower())] += 1
        return tuple(
            ({"resource": kind, "type": type_, "reachable": reachable}, n)
            for (kind, type_, reachable), n in sorted(counts.items())
        )
