"""Warning devices (IAS WD cluster 0x0502): a "Warning device" light with `alert` only.

A siren reports nothing about itself, so `state.alert` is what it was last told, as deCONZ
keeps it: "lselect" while a long warning runs (pydeconz's `is_on`), "select" for a short
one, "none" once stopped. There is no `on`: deCONZ's warning devices have none.
"""

from __future__ import annotations

from typing import Any

from radio.clusters import IAS_WD
from radio.events import EndpointInfo

from .family import LightFamily, Reader

TYPE = "Warning device"
ALERTS = ("none", "select", "lselect", "blink", "all")


def _claims(ep: EndpointInfo) -> bool:
    return IAS_WD in ep.in_clusters


def _state(_ep: EndpointInfo, _read: Reader) -> dict[str, Any]:
    return {"alert": "none"}


FAMILY = LightFamily("siren", TYPE, IAS_WD, _claims, _state, alerts=ALERTS)
