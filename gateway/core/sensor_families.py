"""Which measurement sensor a server cluster makes: the family modules, then the base table.

Each family module (`thermostats`, `air_quality`, ...) answers for its own clusters; this
is the one list `DeviceBook` plans sensors with, so a new family is one line here.
"""

from __future__ import annotations

from radio.events import EndpointInfo

from . import air_quality, thermostats
from .sensors import DeviceReader, SensorSpec, SpecFinder, measurement_spec

FINDERS: tuple[SpecFinder, ...] = (thermostats.spec_for, air_quality.spec_for, measurement_spec)


def spec_for(ep: EndpointInfo, cluster: int) -> SensorSpec | None:
    for finder in FINDERS:
        if (spec := finder(ep, cluster)) is not None:
            return spec
    return None


def for_device(read: DeviceReader) -> SpecFinder:
    """`spec_for` plus the families that need a cached attribute to classify (VOC's unit)."""
    return air_quality.with_voc(read, spec_for)
