"""A device as `/devices` shows it: deCONZ's device object, plus what zigbridge knows of
a device it could not turn into any resource.

deCONZ answers `GET /devices/<mac>` with the device and its `subdevices` (each resource's
type, uniqueid and items as `{"value": .., "lastupdated": ..}`). A device that joined but
became nothing has an empty list there, which alone tells a user nothing; so every device
also carries a `zigbridge` key (an extension deCONZ clients ignore): its status, the REST
paths of its resources, and its endpoints with their clusters.
"""

from __future__ import annotations

from typing import Any

from radio.events import EndpointInfo

from . import timefmt
from .devices import Device
from .resources import DeviceResource, Light

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
INTERVIEWING = "interviewing"
INTERVIEW_FAILED = "interview failed"


def status(dev: Device) -> str:
    """What a person needs to know first: served, interviewed but served by nothing, or
    not interviewed (yet)."""
    if dev.resources:
        return SUPPORTED
    if dev.interview == "failed":
        return INTERVIEW_FAILED
    if dev.interview == "joined":
        return INTERVIEWING
    return UNSUPPORTED


def _hex(value: int) -> str:
    return f"0x{value:04x}"


def endpoint_json(ep: EndpointInfo) -> dict[str, Any]:
    """One endpoint; manufacturer-specific clusters are listed too (they are what an
    unsupported device often has), but marked by their range, 0xfc00 and up."""
    return {
        "devicetype": _hex(ep.device_type),
        "endpoint": ep.id,
        "inclusters": [_hex(c) for c in ep.in_clusters],
        "outclusters": [_hex(c) for c in ep.out_clusters],
        "profile": _hex(ep.profile_id),
    }


def describe_clusters(dev: Device) -> str:
    """One line for the log: `ep1 0x0104/0xabcd in 0x0000,0xfc00 out 0x0019`."""
    parts = []
    for ep in dev.info.endpoints:
        ins = ",".join(_hex(c) for c in ep.in_clusters) or "-"
        outs = ",".join(_hex(c) for c in ep.out_clusters) or "-"
        parts.append(f"ep{ep.id} {_hex(ep.profile_id)}/{_hex(ep.device_type)} in {ins} out {outs}")
    return "; ".join(parts) or "no endpoints"


def resource_path(res: DeviceResource) -> str:
    return f"/{res.r}/{res.id}"


def _items(values: dict[str, Any], stamp: str | None) -> dict[str, Any]:
    return {k: {"lastupdated": stamp, "value": v} for k, v in sorted(values.items())}


def _subdevice(res: DeviceResource, stamp: str | None) -> dict[str, Any]:
    state = {k: v for k, v in res.state.items() if k != "lastupdated"}
    return {
        "config": _items(dict(res.config), stamp),
        "state": _items(state, stamp),
        "type": res.attr.get("type", ""),
        "uniqueid": res.uniqueid,
    }


def device_name(dev: Device) -> str:
    """deCONZ names a device after its first resource; a device without one by its model
    (or its IEEE when even that is unknown)."""
    light = next((r for r in dev.resources if isinstance(r, Light)), None)
    first = light or (dev.resources[0] if dev.resources else None)
    if first is not None:
        return str(first.attr.get("name") or "")
    return dev.info.model or dev.info.ieee


def device_json(dev: Device) -> dict[str, Any]:
    """`GET /devices/<mac>`: deCONZ's keys (sorted as it emits them) and the extension."""
    info = dev.info
    stamp = timefmt.lastannounced(dev.last_seen)
    return {
        "lastannounced": timefmt.lastannounced(dev.last_announced),
        "lastseen": timefmt.lastseen(dev.last_seen),
        "manufacturername": info.manufacturer or "",
        "modelid": info.model or "",
        "name": device_name(dev),
        "productid": "",
        "subdevices": [_subdevice(r, stamp) for r in dev.resources],
        "swversion": info.sw_build or "",
        "uniqueid": info.ieee,
        "zigbridge": {
            "endpoints": [endpoint_json(ep) for ep in info.endpoints],
            "resources": [resource_path(r) for r in dev.resources],
            "status": status(dev),
        },
    }
