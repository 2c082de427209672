"""`DeviceListener`: attribute events only where the gateway maps them, commands from every
cluster, and `detach()` leaves zigpy's clusters as it found them."""

from __future__ import annotations

from typing import Any

from zigpy.zcl.clusters.general import Identify, OnOff

from radio import events as ev
from radio.clusters import MAPPED_ATTRIBUTES
from radio.controller import Radio
from radio.listeners import DeviceListener
from radio.sim import catalogue
from tests.radio.conftest import EventLog, join

LIGHT = "00:5a:49:47:00:00:04:01"
REMOTE = "00:5a:49:47:00:00:04:02"


def _clusters(device: Any) -> list[Any]:
    return [
        cluster
        for ep_id, ep in device.endpoints.items()
        if ep_id
        for cluster in (*ep.in_clusters.values(), *ep.out_clusters.values())
    ]


def _subscriptions(device: Any) -> dict[int, tuple[int, int]]:
    """Per cluster (by identity): zigpy's global event listeners and legacy listeners."""
    return {id(c): (len(c._global_listeners), len(c._listeners)) for c in _clusters(device)}


async def test_attribute_events_only_on_mapped_clusters_and_detaches_cleanly(
    radio: Radio, events: EventLog
):
    light = catalogue.extended_color_light(LIGHT, 0x4101)
    remote = catalogue.remote_4button(REMOTE, 0x4102)
    await join(radio, events, light, remote)
    for sim in (light, remote):
        device = radio.app.get_device(ieee=sim.ieee)
        before = _subscriptions(device)
        listener = DeviceListener(device, events.append, lambda: None, lambda *_: None)
        listener.attach()
        after = _subscriptions(device)
        for cluster in _clusters(device):
            events_added = after[id(cluster)][0] - before[id(cluster)][0]
            legacy_added = after[id(cluster)][1] - before[id(cluster)][1]
            server = cluster.is_server
            assert events_added == (server and cluster.cluster_id in MAPPED_ATTRIBUTES)
            assert legacy_added == 1  # commands: heard on every cluster, for the log
        listener.detach()
        assert _subscriptions(device) == before


async def test_reports_of_unmapped_clusters_are_not_events(radio: Radio, events: EventLog):
    light = catalogue.extended_color_light(LIGHT, 0x4101)
    await join(radio, events, light)
    net = radio.app.network
    start = len(events)
    net.emit(light.report(None, Identify, {"identify_time": 5}))
    net.emit(light.report(None, OnOff, {"on_off": False}))
    got = await events.wait(  # not a read the interview may still have in flight
        lambda e: (
            isinstance(e, ev.AttributeReport) and e.cluster == OnOff.cluster_id and not e.read
        ),
        start=start,
    )
    assert got.value == 0
    # zigpy took the Identify report first (frames arrive in order); it made no event
    identify = radio.app.get_device(ieee=light.ieee).endpoints[11].in_clusters[Identify.cluster_id]
    assert identify.get("identify_time") == 5
    assert not any(
        isinstance(e, ev.AttributeReport) and e.cluster == Identify.cluster_id
        for e in events[start:]
    )
