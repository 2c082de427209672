"""The topic tree under `<base>/<gw>/`, mirroring the REST resource tree by id (never by
name: names hold spaces, which NATS refuses), and the command topics the bridge hears."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("lights", "sensors", "groups")

COMMANDS = {
    # topic below <base>/<gw>/ (with + for the id) -> the REST path it stands for
    "lights/+/set": "/lights/{id}/state",
    "groups/+/set": "/groups/{id}/action",
    "sensors/+/config/set": "/sensors/{id}/config",
}
REQUEST = "bridge/request"


@dataclass(frozen=True, slots=True)
class Topics:
    base: str
    gateway_id: str

    @property
    def root(self) -> str:
        return f"{self.base}/{self.gateway_id}"

    @property
    def state(self) -> str:
        return f"{self.root}/bridge/state"

    @property
    def info(self) -> str:
        return f"{self.root}/bridge/info"

    @property
    def request(self) -> str:
        return f"{self.root}/{REQUEST}"

    @property
    def response(self) -> str:
        return f"{self.root}/bridge/response"

    @property
    def events(self) -> str:
        return f"{self.root}/events"

    def resource(self, kind: str, rid: str) -> str:
        return f"{self.root}/{kind}/{rid}"

    def button(self, rid: str) -> str:
        return f"{self.root}/sensors/{rid}/event"

    def command_filters(self) -> list[str]:
        """What the bridge subscribes to: only command topics, so it never hears itself."""
        return [f"{self.root}/{pattern}" for pattern in (*COMMANDS, REQUEST)]

    def command_path(self, topic: str) -> str | None:
        """The REST path a `/set` topic stands for (`lights/3/set` → `/lights/3/state`)."""
        prefix = self.root + "/"
        if not topic.startswith(prefix):
            return None
        levels = topic[len(prefix) :].split("/")
        for pattern, path in COMMANDS.items():
            wanted = pattern.split("/")
            if len(levels) == len(wanted) and all(
                w in ("+", level) for w, level in zip(wanted, levels, strict=True)
            ):
                return path.format(id=levels[1])
        return None
