"""The simulated radio with a coordinator that takes ``ZBBENCH_RADIO_DELAY``
seconds (default 10) to answer, for the slow-radio start-up figure. Imported by name
through ``radio.selection`` exactly as the real ``radio.sim.radio`` would be."""

from __future__ import annotations

import os

from radio.sim.radio import VirtualRadio

SlowVirtualRadio = VirtualRadio.with_startup_delay(
    float(os.environ.get("ZBBENCH_RADIO_DELAY", "10"))
)
