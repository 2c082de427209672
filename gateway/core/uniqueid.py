"""deCONZ `uniqueid`s: `aa:bb:cc:dd:ee:ff:00:11-EE` for lights, `...-EE-CCCC` for sensors.

Always lowercase; Home Assistant keys its entity registry on these strings and only
creates a device entry when the IEEE part has exactly seven colons.
"""

from __future__ import annotations

import re

_HEX16 = re.compile(r"[0-9a-f]{16}")


def normalize_ieee(ieee: str) -> str:
    """Any common spelling (`00158D00...`, `00:15:8D:...`, `00-15-...`) → `00:15:8d:...`."""
    digits = re.sub(r"[^0-9a-fA-F]", "", ieee).lower()
    if not _HEX16.fullmatch(digits):
        raise ValueError(f"not an IEEE address: {ieee!r}")
    return ":".join(digits[i : i + 2] for i in range(0, 16, 2))


def light_uniqueid(ieee: str, endpoint: int) -> str:
    return f"{normalize_ieee(ieee)}-{endpoint:02x}"


def sensor_uniqueid(ieee: str, endpoint: int, cluster: int) -> str:
    return f"{normalize_ieee(ieee)}-{endpoint:02x}-{cluster:04x}"


def parse_uniqueid(uniqueid: str) -> tuple[str, int | None, int | None]:
    """`(ieee, endpoint, cluster)`; the parts a uniqueid lacks are None."""
    ieee, *rest = uniqueid.lower().split("-")
    endpoint = int(rest[0], 16) if rest else None
    cluster = int(rest[1], 16) if len(rest) > 1 else None
    return normalize_ieee(ieee), endpoint, cluster
