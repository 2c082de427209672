"""The virtual coordinator's non-volatile memory: a small JSON file, or memory only.

Like a real stick, it holds the network settings separately from zigpy's database, plus a
hardware IEEE address generated once. The file also keeps what the simulated devices would
remember across a power cut (groups, scenes, reporting), so a restarted demo behaves; while
the radio runs, that state lives in the devices (`VirtualRadio` hands `devices` over when
it connects and exports it again for each save).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zigpy.types as t

LOGGER = logging.getLogger(__name__)

MEMORY = ":memory:"
FORMAT_VERSION = 1


@dataclass
class Nvram:
    path: Path | None  # None: kept in memory only
    hardware_ieee: t.EUI64
    network_info: dict[str, Any] | None = None
    node_info: dict[str, Any] | None = None
    devices: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, path: str) -> Nvram:
        """Load the NV file, creating it (with a fresh hardware IEEE) when missing."""
        nv_path = None if path == MEMORY else Path(path)
        if nv_path is not None and nv_path.exists():
            data = json.loads(nv_path.read_text())
            return cls(
                path=nv_path,
                hardware_ieee=t.EUI64.convert(data["hardware_ieee"]),
                network_info=data.get("network_info"),
                node_info=data.get("node_info"),
                devices=data.get("devices", {}),
            )
        nvram = cls(path=nv_path, hardware_ieee=random_ieee())
        nvram.save()
        return nvram

    def save(self) -> None:
        """Write atomically, so a crash never leaves a torn NV file."""
        if self.path is None:
            return
        data = {
            "version": FORMAT_VERSION,
            "hardware_ieee": str(self.hardware_ieee),
            "network_info": self.network_info,
            "node_info": self.node_info,
            "devices": self.devices,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as file:
                json.dump(data, file, indent=2, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def random_ieee() -> t.EUI64:
    """A random, locally administered unicast EUI-64 (no vendor's OUI)."""
    raw = bytearray(os.urandom(8))
    raw[7] = (raw[7] | 0x02) & 0xFE  # most significant byte: locally administered, unicast
    return t.EUI64(raw)
