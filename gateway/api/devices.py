"""`PUT /devices/<mac>`: ask for a device to be interviewed again.

deCONZ's `/devices/<mac>` PUTs manage DDF files, which zigbridge does not have; the one
thing a person needs there is a second interview for a device whose first one failed (a
sleepy sensor that went back to sleep half-way), so that is the one parameter taken:
`{"reinterview": true}`. It is answered at once; the outcome arrives as events (the
device's new resources are `added`), as the first interview's would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from radio.commands import Reinterview

from .errors import ApiError
from .plan import Plan

PARAMETERS = ("reinterview",)


def plan_device_put(ieee: str, body: Any) -> Plan:
    """Plan `PUT /devices/<ieee>`: error 2 for a body that is no JSON object or an empty
    one, 6 for an unknown parameter, 7 for a `reinterview` that is not `true`."""
    path = f"/devices/{ieee}"
    if not isinstance(body, Mapping) or not body:
        return Plan.rejected(ApiError.invalid_json(path))
    for key in body:
        if key not in PARAMETERS:
            return Plan.rejected(ApiError.parameter_not_available(f"{path}/{key}", key))
    value = body["reinterview"]
    if value is not True:
        return Plan.rejected(ApiError.invalid_value(f"{path}/reinterview", "reinterview", value))
    plan = Plan()
    plan.ok(f"{path}/reinterview", True)
    plan.commands.append(Reinterview(ieee))
    return plan
