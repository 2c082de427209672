"""The Sans-I/O core: radio events in, deCONZ resources and websocket messages out.

No sockets, no asyncio, no zigpy: only `radio.events` come in, and time is injected.
`Store` is the entry point; `Persistence` keeps what must survive a restart.
"""

from __future__ import annotations

from .errors import Conflict, CoreError, NotFound, NotModifiable, TableFull
from .persistence import ApiKeyRow, GroupRow, Persistence, ResourceRow, SceneRow
from .resources import Group, Light, Scene, SceneLight, Sensor
from .store import Store
from .values import ALL_LIGHTS_ADDRESS

__all__ = [
    "ALL_LIGHTS_ADDRESS",
    "ApiKeyRow",
    "Conflict",
    "CoreError",
    "Group",
    "GroupRow",
    "Light",
    "NotFound",
    "NotModifiable",
    "Persistence",
    "ResourceRow",
    "Scene",
    "SceneLight",
    "SceneRow",
    "Sensor",
    "Store",
    "TableFull",
]
