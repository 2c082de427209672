"""The hub: one event, the frames each subscription gets, shared where the bytes are equal."""

from __future__ import annotations

import json

from gateway.ws.v1.filters import Filter
from gateway.ws.v1.hub import Hub, Subscription

from .conftest import TYPES, light_changed


def hub(notify_all: bool = True) -> Hub:
    return Hub(lambda r, rid: TYPES.get((r, rid)), lambda: notify_all)


def test_same_bytes_are_one_delivery_for_every_owner():
    h = hub()
    for owner in ("a", "b", "c"):
        h.add(Subscription(owner, 2, Filter()))
    h.add(Subscription("d", 3, Filter()))
    h.add(Subscription("e", 2, Filter(), notify_all=False))
    message = light_changed("1", {"on": True, "bri": 1}, changed=("on",))
    text = json.dumps(message, sort_keys=True, separators=(",", ":"))
    deliveries = h.deliveries(7, message, text)
    assert [owners for _, owners in deliveries] == [["a", "b", "c"], ["d"], ["e"]]
    frame, _ = deliveries[0]
    assert frame == '{"type":"event","sub":2,"seq":7,' + text[1:]  # spliced, not re-encoded
    assert json.loads(deliveries[2][0])["state"] == {"on": True}


def test_no_subscription_no_work_and_filters_apply():
    h = hub()
    message = light_changed("1", {"on": True})
    assert h.deliveries(1, message, "{}") == []
    sub = Subscription("a", 1, Filter(r=frozenset({"sensors"})))
    h.add(sub)
    assert h.deliveries(1, message, json.dumps(message)) == []
    h.remove(sub)
    assert len(h) == 0
