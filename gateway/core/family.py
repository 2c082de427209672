"""What a light family that is not a lamp (covering, lock, fan, siren) tells the mapping.

deCONZ serves window coverings, door locks, fans and warning devices as `lights` with
their own `type` and `state` keys. Each family lives in its own module and describes itself
with one `LightFamily`: which endpoints it claims, the `state` keys it publishes, and for
each ZCL attribute the function that recomputes state from the endpoint's attribute cache
(the same cache-driven scheme as `lights.py`, so a report and a restart agree).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from radio.events import EndpointInfo

Reader = Callable[[int, int], Any]
"""`read(cluster, attribute)` → the cached value on the endpoint, or None."""
Compute = Callable[[Reader], dict[str, Any]]
"""The state items one attribute sets, from the cache (empty when it is not known)."""


@dataclass(frozen=True, slots=True, eq=False)
class LightFamily:
    """One family; instances are singletons compared by identity, named by `name`."""

    name: str
    type: str  # the deCONZ light type pydeconz routes on
    cluster: int  # the server cluster the family is for
    claims: Callable[[EndpointInfo], bool]
    state: Callable[[EndpointInfo, Reader], dict[str, Any]]
    """The `state` keys (without `reachable`), unknown values None."""
    attributes: Mapping[tuple[int, int], Compute] = field(default_factory=dict)
    alerts: tuple[str, ...] = ("none",)  # `capabilities.alerts`


def percent(value: Any) -> int | None:
    """A ZCL percentage (uint8, 0xFF = unknown) clamped to 0..100."""
    if not isinstance(value, int) or isinstance(value, bool) or value == 0xFF:
        return None
    return min(max(value, 0), 100)
