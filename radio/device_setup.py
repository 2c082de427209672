"""Setting a device up after its interview, and describing it to the gateway.

Two phases, both best-effort (a sleepy or flaky device must never block the rest):
1. before the gateway hears of the device: read the static attributes the mapping needs to
   pick resource types (an IAS zone's type, colour capabilities, meter divisors) together
   with the reported ones in one read per cluster, so a new resource's `added` event
   carries the device's real state rather than nulls; enrol IAS zones with the coordinator;
2. afterwards: bind and configure reporting for every mapped cluster, then read whatever
   the first read did not get.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import zigpy.exceptions
from zigpy.zcl.helpers import ReportingConfig, UnsupportedAttribute

from radio import events as ev
from radio.clusters import BASIC, BASIC_STATIC, IAS_ZONE, MAPPED_ATTRIBUTES, SETUP
from radio.listeners import plain

LOGGER = logging.getLogger("radio")

STEP_TIMEOUT = 20.0
_FAILURES = (TimeoutError, zigpy.exceptions.ZigbeeException, ValueError, KeyError)

_LOGICAL = {0: ev.LogicalType.COORDINATOR, 1: ev.LogicalType.ROUTER, 2: ev.LogicalType.END_DEVICE}


def _mapped_clusters(device: Any):
    """(endpoint id, cluster, setup) for every server cluster the gateway maps."""
    for ep_id, endpoint in device.endpoints.items():
        if ep_id == 0:
            continue
        for cluster_id, cluster in endpoint.in_clusters.items():
            setup = SETUP.get(cluster_id)
            if setup is not None:
                yield ep_id, cluster, setup


def _basic(device: Any) -> Any | None:
    for ep_id, endpoint in device.endpoints.items():
        if ep_id and BASIC in endpoint.in_clusters:
            return endpoint.in_clusters[BASIC]
    return None


async def _attempt(what: str, device: Any, coro: Any) -> Any:
    try:
        async with asyncio.timeout(STEP_TIMEOUT):
            return await coro
    except _FAILURES as exc:
        LOGGER.debug("%s: %s failed: %s", device.ieee, what, exc)
        return None


async def set_up_device(device: Any, app: Any, *, reporting: bool = False) -> None:
    if not reporting:
        basic = _basic(device)
        if basic is not None:
            await _attempt("basic read", device, basic.read_attributes(list(BASIC_STATIC)))
        for _, cluster, setup in _mapped_clusters(device):
            names = [*setup.static, *(r.attribute for r in setup.reports)]
            if names:
                await _attempt("first read", device, cluster.read_attributes(names))
            if cluster.cluster_id == IAS_ZONE:
                await _enrol(device, cluster, app)
        return
    for _, cluster, setup in _mapped_clusters(device):
        if not setup.reports:
            continue
        if setup.bind:
            await _attempt("bind", device, cluster.bind())
        config = {
            cluster.find_attribute(r.attribute): _reporting_config(r)
            for r in setup.reports
            if r.attribute in cluster.attributes_by_name
        }
        await _attempt("configure reporting", device, cluster.configure_reporting_multiple(config))
        missing = [r.attribute for r in setup.reports if _uncached(cluster, r.attribute)]
        if missing:
            await _attempt("second read", device, cluster.read_attributes(missing))


def _uncached(cluster: Any, name: str) -> bool:
    attr = cluster.attributes_by_name.get(name)
    return attr is not None and cluster.get(attr.id) is None


def _reporting_config(report: Any) -> ReportingConfig:
    return ReportingConfig(
        min_interval=report.min_interval,
        max_interval=report.max_interval,
        reportable_change=report.change,
    )


async def _enrol(device: Any, cluster: Any, app: Any) -> None:
    """Write our IEEE as the CIE address and send an unsolicited enrol response, the
    "auto-enroll-response" path every IAS zone must accept."""
    ieee = app.state.node_info.ieee
    await _attempt("IAS CIE write", device, cluster.write_attributes({"cie_addr": ieee}))
    await _attempt("IAS enrol", device, cluster.enroll_response(0, 0))


# What the gateway keeps of every device for good is mostly the same for all devices of a
# kind: the (endpoint, cluster, attribute) keys of its cache, its endpoint descriptions.
# One shared (immutable) object per distinct value, not one per device.
_SHARED: dict[Any, Any] = {}


def _shared(value: Any) -> Any:
    return _SHARED.setdefault(value, value)


def _cache_time(cluster: Any, attr: Any) -> float | None:
    """When zigpy last stored the cached value (restored from its database with the value).
    zigpy has no public accessor; quirks and ZHA read the same `_attr_cache`."""
    try:
        return cluster._attr_cache.get_last_updated(attr).timestamp()
    except (AttributeError, KeyError, UnsupportedAttribute):
        return None


def cached_values(
    device: Any,
) -> tuple[dict[tuple[int, int, int], Any], dict[tuple[int, int, int], float]]:
    """The values zigpy holds for the attributes the gateway maps, keyed
    (endpoint, cluster, attribute id), and when each was last stored."""
    values: dict[tuple[int, int, int], Any] = {}
    times: dict[tuple[int, int, int], float] = {}
    for ep_id, endpoint in device.endpoints.items():
        if ep_id == 0:
            continue
        for cluster_id, cluster in endpoint.in_clusters.items():
            for name in MAPPED_ATTRIBUTES.get(cluster_id, ()):
                attr = cluster.attributes_by_name.get(name)
                if attr is None:
                    continue
                value = plain(cluster.get(attr.id))
                if value is not None:
                    key = _shared((ep_id, cluster_id, attr.id))
                    # strings too: manufacturer, model, ... (interned, as Python's names are)
                    values[key] = sys.intern(value) if isinstance(value, str) else value
                    stored = _cache_time(cluster, attr)
                    if stored is not None:
                        times[key] = stored
    return values, times


def device_info(device: Any) -> ev.DeviceInfo:
    cached, cached_at = cached_values(device)
    endpoints = _shared(
        tuple(
            ev.EndpointInfo(
                id=ep_id,
                profile_id=int(endpoint.profile_id or 0),
                device_type=int(endpoint.device_type or 0),
                in_clusters=tuple(sorted(endpoint.in_clusters)),
                out_clusters=tuple(sorted(endpoint.out_clusters)),
            )
            for ep_id, endpoint in sorted(device.endpoints.items())
            if ep_id != 0
        )
    )
    desc = device.node_desc
    if desc is not None and desc.is_mains_powered is not None:
        power = ev.PowerSource.MAINS if desc.is_mains_powered else ev.PowerSource.BATTERY
        logical = _LOGICAL.get(int(desc.logical_type), ev.LogicalType.UNKNOWN)
    else:
        power, logical = ev.PowerSource.UNKNOWN, ev.LogicalType.UNKNOWN
    basic = _basic(device)
    sw_build = basic.get("sw_build_id") if basic is not None else None
    return ev.DeviceInfo(
        ieee=str(device.ieee).lower(),
        nwk=int(device.nwk),
        manufacturer=device.manufacturer,
        model=device.model,
        power_source=power,
        logical_type=logical,
        endpoints=endpoints,
        sw_build=str(sw_build) if sw_build else None,
        last_seen=device.last_seen,
        cached=cached,
        cached_at=cached_at,
    )
