"""A v1 session driven by hand: a real event bus and hub, a clock the test moves, and
every frame the connection would have been sent, decoded, in order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.app.bus import EventBus
from gateway.app.journal import Journal
from gateway.core.notify_forms import Forms, changed_message
from gateway.ws.v1.hub import Hub
from gateway.ws.v1.session import Call, Close, Host, Limits, Send, Session

KEYS = {"control-key": "control", "read-key": "read"}
TYPES = {("sensors", "5"): "ZHATemperature", ("sensors", "6"): "ZHAHumidity"}
RESOURCES = {
    "lights": {"1": {"name": "Lamp", "state": {"on": False}, "type": "Extended color light"}},
    "sensors": {
        "5": {"name": "T", "state": {"temperature": 2100}, "type": "ZHATemperature"},
        "6": {"name": "H", "state": {"humidity": 4000}, "type": "ZHAHumidity"},
    },
    "groups": {"2": {"name": "Room", "state": {"any_on": False}, "type": "Room"}},
}


def light_changed(lid: str, state: dict[str, Any], *, changed: tuple[str, ...] = ()) -> dict:
    """A `changed` light event as the store makes it with notify-all on (the default)."""
    message = {"e": "changed", "id": lid, "r": "lights", "t": "event", "uniqueid": f"u{lid}"}
    forms = Forms("state", tuple(sorted(changed or state)))
    return changed_message({**message, "state": state}, forms)


class Wire:
    """The frames one session's connection got (its replies and its hub deliveries)."""

    def __init__(self, bus: EventBus, hub: Hub, url_apikey: str | None = None, **limits: Any):
        self.now = 1000.0
        self.bus = bus
        self.hub = hub
        self.frames: list[Any] = []  # decoded frames, or Close
        self.calls: list[Call] = []
        host = Host(
            bus=bus,
            hub=hub,
            scope_of=KEYS.get,
            resources=lambda: RESOURCES,
            bridgeid=lambda: "00212EFFFF000001",
            version="9.9",
        )
        self.session = Session(host, self, self.now, url_apikey, Limits(**limits))
        self._take(self.session.start())

    def _take(self, outputs: list[Any]) -> list[Any]:
        got = []
        for out in outputs:
            if isinstance(out, Send):
                got.append(json.loads(out.text))
            elif isinstance(out, Close):
                got.append(out)
            elif isinstance(out, Call):
                self.calls.append(out)
                got.append(out)
        self.frames.extend(got)
        return got

    def send(self, message: Any) -> list[Any]:
        """What the session answers to one client frame (the frames are also kept)."""
        text = message if isinstance(message, str) else json.dumps(message)
        return self._take(self.session.receive(text, self.now))

    def deliver(self, text: str) -> None:
        self.frames.append(json.loads(text))

    def events(self) -> list[dict]:
        return [f for f in self.frames if isinstance(f, dict) and f.get("type") == "event"]


class Gateway:
    """The bus and hub of the test, plus wires; `publish` goes through the bus as the
    gateway's does, and the hub's deliveries land on their wires."""

    def __init__(self, journal: Journal | None = None, notify_all: bool = True):
        self.notify_all = notify_all
        self.bus = EventBus(journal, epoch="epoch-1")
        self.hub = Hub(lambda r, rid: TYPES.get((r, rid)), lambda: self.notify_all)
        self.bus.add_sink(self._fan_out)

    def _fan_out(self, event) -> None:
        for text, owners in self.hub.deliveries(event.seq, event.message, event.text):
            for owner in owners:
                owner.deliver(text)

    def wire(self, url_apikey: str | None = None, **limits: Any) -> Wire:
        return Wire(self.bus, self.hub, url_apikey, **limits)

    def authed(self, key: str = "control-key") -> Wire:
        wire = self.wire(key)
        wire.frames.clear()
        return wire

    def publish(self, *messages: dict) -> None:
        self.bus.publish(list(messages))


@pytest.fixture
def gateway() -> Gateway:
    return Gateway()
