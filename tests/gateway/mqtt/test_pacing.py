"""The bridge's pacing, as plain functions: the resync's rate limit and the reconnect
backoff with jitter (the figures in docs/mqtt.md)."""

from __future__ import annotations

import random

from gateway.mqtt.bridge import Pacing, TokenBucket, backoff


def test_the_bucket_lets_a_burst_through_then_holds_to_the_rate():
    now = [0.0]
    bucket = TokenBucket(rate=1000.0, burst=200, clock=lambda: now[0])
    assert bucket.delay(200) == 0.0  # the burst goes at once
    assert bucket.delay(100) == 0.1  # then 1,000 a second
    now[0] = 0.1
    assert bucket.delay(100) == 0.1  # the wait was spent on the previous batch
    now[0] = 10.0
    assert bucket.delay(150) == 0.0  # idle time refills it, up to the burst only
    assert bucket.delay(100) > 0.0


def test_the_backoff_doubles_to_its_ceiling_with_jitter():
    pacing = Pacing(reconnect_min=0.5, reconnect_max=10.0)
    rng = random.Random(1)
    waits = {
        attempt: [backoff(pacing, attempt, rng) for _ in range(200)] for attempt in range(1, 12)
    }
    for attempt, samples in waits.items():
        ceiling = min(10.0, 0.5 * 2**attempt)
        assert all(ceiling / 2 <= w <= ceiling for w in samples)
        assert max(samples) - min(samples) > ceiling / 4  # spread: gateways do not march in step
    assert max(waits[11]) <= 10.0
