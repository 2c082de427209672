"""The common shape of every planner's result.

A plan is what the I/O shell needs to finish a request: the reply body and status, the
radio commands to send (in order) and the optimistic changes to apply to the resource
store before the radio answers, as typed records (`gateway.api.changes`) that the app
layer carries out in order, so one `apply_changes` serves every planner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Self

from radio.commands import RadioCommand

from .changes import Change
from .errors import ApiError, success


@dataclass(slots=True)
class Plan:
    responses: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    commands: list[RadioCommand] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @classmethod
    def rejected(cls, error: ApiError) -> Self:
        """A request that stops at `error`: nothing is sent or changed."""
        return cls(responses=[error.to_dict()], status=error.http_status)

    @property
    def succeeded(self) -> bool:
        """At least one success item; a plan without one must not send or change anything."""
        return any("success" in item for item in self.responses)

    def ok(self, path: str, value: Any) -> None:
        self.responses.append(success(path, value))

    def error(self, error: ApiError) -> None:
        """A per-parameter error; the request's status stays as it is."""
        self.responses.append(error.to_dict())

    def change(self, change: Change) -> None:
        self.changes.append(change)
