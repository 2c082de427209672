"""Which deCONZ light an endpoint is: an ordered list of rules, the first that answers wins.

deCONZ looks the simple descriptor's (profile, device id) pair up and drops every endpoint
it does not list, which is why so many devices "pair and never show up". Here the pair is
only the first rule:

1. `by_device_id`: the known pairs keep their deCONZ type; a ZLL device id announced
   under the HA profile (or the reverse) is recognised when its own profile does not
   define that id.
2. `FAMILY_RULES`: one line per device family recognised by a server cluster (window
   covering, door lock, fan, warning device, ...), added by the family modules.
3. `from_clusters`: any other endpoint with a controllable On/Off server cluster becomes
   the light its clusters describe (On/Off + Level + Color → a colour light of the type its
   ColorCapabilities give, On/Off + Level → Dimmable light, On/Off alone → On/Off plug-in
   unit), unless its device id says it is a controller or a sensor.

Manufacturer-specific clusters (0xFC00 and up) are never looked at, so they cannot make an
endpoint fail. A rule is a plain function of the endpoint and its attribute cache (read at
interview), so the table reads top to bottom as the decision is taken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from radio.events import EndpointInfo

from . import light_families, zcl
from .family import LightFamily

Reader = Callable[[int, int], Any]
"""`read(cluster, attribute)` → the cached value on the endpoint, or None."""

# ColorCapabilities (0x0300/0x400A) bits.
CAP_HS = 0x01
CAP_ENHANCED_HUE = 0x02
CAP_LOOP = 0x04
CAP_XY = 0x08
CAP_CT = 0x10
CAP_ALL = 0x1F


@dataclass(frozen=True, slots=True)
class LightKind:
    """What a rule decides: the deCONZ `type` and what the light is assumed to have."""

    type: str
    dimmable: bool = False
    color: int = 0  # ColorCapabilities to assume when the light has not reported them
    with_level: str | None = None  # type to use instead when a Level cluster is present
    requires: int = zcl.ON_OFF  # the server cluster without which it is not this kind


@dataclass(frozen=True, slots=True)
class LightFeatures:
    """What a light was built with; fixes its `state` keys for its lifetime."""

    dimmable: bool
    color: int  # ColorCapabilities bits, 0 for a light without colour
    identify: bool


Rule = Callable[[EndpointInfo, Reader], LightKind | None]
"""One classification step: the kind the endpoint is, or None to let the next rule decide."""

_HA = zcl.PROFILE_HA
_ZLL = zcl.PROFILE_ZLL
_COLOR_LIGHT = LightKind("Color light", True, CAP_HS | CAP_ENHANCED_HUE | CAP_LOOP | CAP_XY)
_EXTENDED = LightKind("Extended color light", True, CAP_ALL)
_CT = LightKind("Color temperature light", True, CAP_CT)
_DIMMABLE = LightKind("Dimmable light", True)
_DIMMABLE_PLUG = LightKind("Dimmable plug-in unit", True)
_PLUG = LightKind("On/Off plug-in unit")

DEVICE_IDS: Mapping[tuple[int, int], LightKind] = {
    (_ZLL, 0x0000): LightKind("On/Off light"),
    (_ZLL, 0x0010): _PLUG,
    (_ZLL, 0x0100): _DIMMABLE,
    (_ZLL, 0x0110): _DIMMABLE_PLUG,
    (_ZLL, 0x0200): _COLOR_LIGHT,
    (_ZLL, 0x0210): _EXTENDED,
    (_ZLL, 0x0220): _CT,
    (_HA, 0x0002): LightKind("On/Off output"),
    (_HA, 0x0009): _PLUG,
    (_HA, 0x0051): LightKind("Smart plug"),
    (_HA, 0x0100): LightKind("On/Off light", with_level="Dimmable light"),
    (_HA, 0x0101): _DIMMABLE,
    (_HA, 0x0102): LightKind("Color dimmable light", True, CAP_HS | CAP_XY),
    (_HA, 0x0103): LightKind("On/Off light switch"),
    (_HA, 0x0104): LightKind("Dimmer switch", True),
    (_HA, 0x010A): _PLUG,
    (_HA, 0x010B): _DIMMABLE_PLUG,
    (_HA, 0x010C): _CT,
    (_HA, 0x010D): _EXTENDED,
}
"""deCONZ's own table (`light_node.cpp`): each pair keeps the type deCONZ gives it."""

_OTHER_PROFILE = {_HA: _ZLL, _ZLL: _HA}
_OWN_IDS = {profile: {d for p, d in DEVICE_IDS if p == profile} for profile in _OTHER_PROFILE}

NOT_LIGHTS: frozenset[int] = frozenset(
    {
        0x0000,  # HA On/Off switch (ZLL 0x0000 is a light, but the table answers that first)
        0x0006,  # HA remote control
        0x0007,  # HA combined interface
        0x000C,  # HA simple sensor
        0x0106,  # light sensor
        0x0107,  # occupancy sensor
        0x0301,  # thermostat
        0x0302,  # temperature sensor
        0x0400,  # IAS control and indicating equipment
        0x0401,  # IAS ancillary control equipment (keypad)
        0x0402,  # IAS zone
        0x0800,  # ZLL colour controller
        0x0810,  # ZLL colour scene controller
        0x0820,  # ZLL non-colour controller
        0x0830,  # ZLL non-colour scene controller
        0x0840,  # ZLL control bridge
        0x0850,  # ZLL on/off sensor
    }
)
"""Device ids of controllers and sensors: an On/Off server cluster on one of these does
not make it a light in the cluster fallback (a remote would lose its ZHASwitch)."""


def by_device_id(ep: EndpointInfo, _read: Reader) -> LightKind | None:
    """The known (profile, device id) pairs; an id the endpoint's own profile does not
    define is looked up under the other one (ZLL ids announced under HA and back)."""
    kind = DEVICE_IDS.get((ep.profile_id, ep.device_type))
    if kind is None and ep.profile_id in _OTHER_PROFILE:
        own_ids = _OWN_IDS[ep.profile_id]
        if ep.device_type not in own_ids and ep.device_type not in NOT_LIGHTS:
            kind = DEVICE_IDS.get((_OTHER_PROFILE[ep.profile_id], ep.device_type))
    return kind


def by_cluster(cluster: int, kind: LightKind) -> Rule:
    """The rule "an endpoint serving `cluster` is `kind`": the one line a family adds."""
    required = LightKind(kind.type, kind.dimmable, kind.color, kind.with_level, cluster)

    def rule(ep: EndpointInfo, _read: Reader) -> LightKind | None:
        return required if cluster in ep.in_clusters else None

    return rule


def colour_kind(caps: int) -> LightKind:
    """The light type a set of ColorCapabilities describes, as deCONZ names them."""
    if caps & CAP_CT and caps & (CAP_HS | CAP_ENHANCED_HUE | CAP_XY):
        return LightKind(_EXTENDED.type, True, caps)
    if caps & CAP_CT:
        return LightKind(_CT.type, True, caps)
    return LightKind(_COLOR_LIGHT.type, True, caps)


_CAP_HINTS = (
    (zcl.ATTR_COLOR_TEMP, CAP_CT),
    (zcl.ATTR_CURRENT_X, CAP_XY),
    (zcl.ATTR_CURRENT_HUE, CAP_HS),
    (zcl.ATTR_ENHANCED_HUE, CAP_ENHANCED_HUE),
)


def colour_capabilities(read: Reader) -> int:
    """ColorCapabilities when the light gave them, else what its cached colour attributes
    show, else everything (as deCONZ assumes for an extended colour light)."""
    caps = read(zcl.COLOR, zcl.ATTR_COLOR_CAPABILITIES)
    if isinstance(caps, int) and caps & CAP_ALL:
        return caps & CAP_ALL
    hinted = 0
    for attribute, bit in _CAP_HINTS:
        if read(zcl.COLOR, attribute) is not None:
            hinted |= bit
    return hinted or CAP_ALL


def from_clusters(ep: EndpointInfo, read: Reader) -> LightKind | None:
    """Any other endpoint with an On/Off server cluster: the light its clusters describe.

    On/Off alone is an On/Off plug-in unit: an unlisted device id on a bare relay is far more
    often a plug, socket or in-wall switch than a lamp (lamps use the standard ids), and
    Home Assistant shows a plug-in unit as a switch, which is right for either."""
    if zcl.ON_OFF not in ep.in_clusters or ep.device_type in NOT_LIGHTS:
        return None
    if zcl.LEVEL in ep.in_clusters and zcl.COLOR in ep.in_clusters:
        return colour_kind(colour_capabilities(read))
    if zcl.LEVEL in ep.in_clusters:
        return _DIMMABLE
    return _PLUG


def by_family(family: LightFamily) -> Rule:
    """An endpoint the family claims (`light_families`: coverings, locks, sirens, fans)."""
    kind = LightKind(family.type, requires=family.cluster)

    def rule(ep: EndpointInfo, _read: Reader) -> LightKind | None:
        return kind if family.claims(ep) else None

    return rule


FAMILY_RULES: Sequence[Rule] = tuple(by_family(f) for f in light_families.FAMILIES)
"""Device families recognised by a server cluster (`by_family` for the light families,
`by_cluster(...)` for a plain one); tried after the device id table and before the generic
On/Off fallback."""


def light_rules() -> tuple[Rule, ...]:
    """The rules in the order they are tried (read at call time, so a family added to
    `FAMILY_RULES` takes part)."""
    return (by_device_id, *FAMILY_RULES, from_clusters)


def _no_cache(_cluster: int, _attribute: int) -> Any:
    return None


def classify(ep: EndpointInfo, read: Reader = _no_cache) -> tuple[str, LightFeatures] | None:
    """The light type and features of an endpoint, or None if it is not a light.

    A rule's answer counts only when the endpoint serves the cluster that kind requires
    (On/Off for the lights), else the next rule decides."""
    kind = next(
        (
            k
            for rule in light_rules()
            if (k := rule(ep, read)) is not None and k.requires in ep.in_clusters
        ),
        None,
    )
    if kind is None:
        return None
    has_level = zcl.LEVEL in ep.in_clusters
    light_type, dimmable = kind.type, kind.dimmable
    if kind.with_level and has_level:
        light_type, dimmable = kind.with_level, True
    color = kind.color if zcl.COLOR in ep.in_clusters else 0
    features = LightFeatures(dimmable and has_level, color, zcl.IDENTIFY in ep.in_clusters)
    return light_type, features
