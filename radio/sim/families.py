"""The simulated devices of the light families that are not lamps, by factory name (the
covering, lock, fan and siren modules register their command handlers on import)."""

from __future__ import annotations

from .covering import SimCovering, window_covering
from .fan import ceiling_fan
from .locking import door_lock
from .siren import SimSiren, siren

FACTORIES = {
    "window_covering": window_covering,
    "door_lock": door_lock,
    "ceiling_fan": ceiling_fan,
    "siren": siren,
}

__all__ = ["FACTORIES", "SimCovering", "SimSiren", "ceiling_fan", "door_lock", "siren",
           "window_covering"]  # fmt: skip
