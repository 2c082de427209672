"""Reading the resource store's deCONZ JSON: targets, capabilities, current values.

Planners take lights, groups and sensors exactly as `GET /lights/<id>` (etc.) would show
them, so the store needs no extra bookkeeping: the unicast target comes from `uniqueid`
(`<ieee>-<endpoint>[-<cluster>]`), capabilities from which `state`/`config` keys exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.core.uniqueid import parse_uniqueid
from radio.commands import DeviceTarget

COLOR_CAP_ENHANCED_HUE = 0x02  # colorcapabilities bit (ZCL 0x0300/0x400A)


def sub(resource: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`resource[key]` if it is an object, else an empty mapping (store data may be sparse)."""
    value = resource.get(key)
    return value if isinstance(value, Mapping) else {}


def device_target(resource: Mapping[str, Any]) -> DeviceTarget:
    """The endpoint a light or sensor lives on, from its `uniqueid` (or `ep`).

    A resource without a usable uniqueid is a bug in the store, not a client error, so this
    raises `ValueError` rather than producing a deCONZ reply.
    """
    ieee, endpoint, _cluster = parse_uniqueid(str(resource.get("uniqueid", "")))
    if endpoint is None:
        endpoint = resource.get("ep")
    if not isinstance(endpoint, int) or isinstance(endpoint, bool) or not 0 < endpoint < 0xFF:
        raise ValueError(f"no endpoint in resource {resource.get('uniqueid')!r}")
    return DeviceTarget(ieee=ieee, endpoint=endpoint)


def is_reachable(resource: Mapping[str, Any]) -> bool:
    """Lights keep `reachable` in `state`; a missing value counts as reachable."""
    return sub(resource, "state").get("reachable", True) is not False


def execute_if_off(light: Mapping[str, Any], kind: str) -> bool:
    """`config.<bri|color>.execute_if_off`: whether the light takes level/colour while off."""
    return sub(sub(light, "config"), kind).get("execute_if_off") is True


def ct_range(light: Mapping[str, Any]) -> tuple[int, int] | None:
    """`(ctmin, ctmax)` in mired from the top level or `capabilities.color.ct`, if sane."""
    caps = sub(sub(sub(light, "capabilities"), "color"), "ct")
    lo = light.get("ctmin", caps.get("min"))
    hi = light.get("ctmax", caps.get("max"))
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi)) and 0 < lo <= hi:
        return lo, hi
    return None


def supports_enhanced_hue(light: Mapping[str, Any]) -> bool:
    """Enhanced (16-bit) hue unless `colorcapabilities` says otherwise.

    ZLL lights must support it and deCONZ sends Enhanced Move to Hue unconditionally; only a
    known, non-zero capability bitmap without bit 1 makes us fall back to 8-bit hue.
    """
    caps = light.get("colorcapabilities")
    if not isinstance(caps, int) or isinstance(caps, bool) or caps == 0:
        return True
    return bool(caps & COLOR_CAP_ENHANCED_HUE)


def int_value(mapping: Mapping[str, Any], key: str, default: int) -> int:
    value = mapping.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return default
