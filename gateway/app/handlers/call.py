"""What every handler shares: the request as handlers see it, lookups that answer error 3,
the body, and carrying out a plan.

Handlers are registered on `router` by path under `/api/<key>/` and return a `Reply`;
they raise `Rejected` to answer a deCONZ error at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.api.errors import ApiError, parse_json_body
from gateway.api.keys import CONTROL
from gateway.api.plan import Plan
from gateway.app.gateway import Gateway
from gateway.app.outcomes import OutcomeWatch
from gateway.app.reply import Rejected, Reply
from gateway.app.router import Router

router = Router()


@dataclass(slots=True)
class Call:
    """One authenticated request: the gateway, the key used, the path parameters, the raw
    body, the address the client reached us at (config's `ipaddress`), the key's scope and
    the URL's query parameters."""

    gw: Gateway
    key: str
    params: dict[str, str]
    raw: bytes
    host_ip: str
    scope: str = CONTROL
    watch: OutcomeWatch | None = None  # set: the commands' outcomes go there, not awaited
    query: tuple[tuple[str, str], ...] = ()

    def body(self, address: str, *, allow_empty: bool = False) -> dict[str, Any]:
        """The JSON object; a body that is not one is answered with its error at once,
        before any planner looks at it."""
        body = parse_json_body(self.raw, address=address, allow_empty=allow_empty)
        if isinstance(body, ApiError):
            raise Rejected(body)
        return body

    def require_network(self, address: str) -> None:
        """Writes that only make sense with the radio answer 950 (HTTP 503) while it is
        down, before any per-light check (deCONZ: "Not connected")."""
        if not self.gw.radio.is_up:
            raise Rejected(ApiError.not_connected(address))

    async def carry_out(self, plan: Plan, address: str) -> Reply:
        return Reply(*await self.gw.carry_out(plan, address, self.watch))

    # -- lookups that answer error 3 ---------------------------------------------------

    def find(self, kind: str) -> Any:
        """A light or sensor by id or uniqueid."""
        store = self.gw.store
        find = store.find_light if kind == "lights" else store.find_sensor
        resource = find(self.params["id"])
        if resource is None:
            raise Rejected(ApiError.not_found(f"/{kind}/{self.params['id']}"))
        return resource

    def group(self, param: str = "id") -> tuple[str, Any]:
        gid = self.params[param]
        group = self.gw.store.groups.get(gid)
        if group is None:
            raise Rejected(ApiError.not_found(f"/groups/{gid}"))
        return gid, group

    def scene(self) -> tuple[str, Any, str]:
        gid, group = self.group("gid")
        sid = self.params["sid"]
        if sid not in group.scenes:
            raise Rejected(ApiError.not_found(f"/groups/{gid}/scenes/{sid}"))
        return gid, group, sid

    def members(self, group: Any) -> dict[str, dict[str, Any]]:
        """The group's lights as their deCONZ JSON, for the planners."""
        lights = self.gw.store.lights
        return {lid: lights[lid].to_json() for lid in group.lights if lid in lights}


def scenes_json(group: Any) -> dict[str, dict[str, Any]]:
    return {sid: scene.to_json() for sid, scene in group.scenes.items()}
