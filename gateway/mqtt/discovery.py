"""Home Assistant MQTT discovery for the bridge: the retained config payloads that make every
zigbridge resource an HA entity, as pure functions of the deCONZ resource JSON (no I/O).

The bridge publishes each resource's JSON, exactly as `GET /api/<key>/<kind>/<id>` shows it, on
`<base>/<kind>/<id>`; the configs here point HA's templates at those keys (`state.on`,
`state.bri`, `config.battery`…) and make HA's commands bodies that `PUT /lights/<id>/state`,
`PUT /groups/<id>/action` take, so no translation layer sits between HA and the dispatcher.

Lights use HA's *template* schema: one command message per user action (brightness, colour and
transition together, as one deCONZ PUT), with transition and flash, which the default schema
lacks. HA's template schema has no xy mode, so a light's colour is read back as RGB computed
from deCONZ's hue/sat or xy, and set as hue/sat.

Topics are `<prefix>/<component>/<node>/<object>/config`: `<node>` comes from the bridge's topic
root (so two gateways never share a topic), `<object>` from the device's uniqueid; `unique_id`s
come from the uniqueid alone, so a device keeps its HA entity when it moves to another
coordinator. Topics hold ids only, never names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

ORIGIN_NAME = "zigbridge"
UNIQUE_PREFIX = "zigbridge"

_UNSAFE = re.compile(r"[^a-zA-Z0-9_-]+")

# Lights that HA's deCONZ integration treats as switches (its POWER_PLUGS list).
SWITCH_TYPES = frozenset({"On/Off light", "On/Off output", "On/Off plug-in unit", "Smart plug"})
LIGHT_TYPES = frozenset(
    {
        "Extended color light",
        "Color temperature light",
        "Color light",
        "Color dimmable light",
        "Dimmable light",
        "Dimmable plug-in unit",
    }
)


@dataclass(frozen=True)
class Node:
    """One bridge: its topic root `<base_topic>/<gw>`, ids, and the discovery prefix."""

    base: str
    gateway_id: str
    bridgeid: str
    version: str
    prefix: str = "homeassistant"

    @property
    def node_id(self) -> str:
        """The `<node>` topic level: the topic root made safe, unique per gateway and base."""
        return slug(self.base)

    @property
    def identifier(self) -> str:
        """The gateway's HA device identifier, every device's `via_device`."""
        return f"{UNIQUE_PREFIX}_{self.node_id}"

    @property
    def availability_topic(self) -> str:
        return f"{self.base}/bridge/state"


def slug(text: str) -> str:
    """`[a-zA-Z0-9_-]` only, as HA wants in discovery topics and ids."""
    return _UNSAFE.sub("_", text).strip("_")


def ieee_of(resource: Mapping[str, Any]) -> str | None:
    """The IEEE part of a deCONZ uniqueid, as 16 hex digits (None without a uniqueid)."""
    uniqueid = resource.get("uniqueid")
    if not isinstance(uniqueid, str) or not uniqueid:
        return None
    return uniqueid.split("-")[0].replace(":", "").lower() or None


def uid_slug(resource: Mapping[str, Any]) -> str | None:
    """`00158d0001234567_01_0402` from `00:15:8d:00:01:23:45:67-01-0402`."""
    uniqueid = resource.get("uniqueid")
    if not isinstance(uniqueid, str) or not uniqueid:
        return None
    return slug(uniqueid.replace(":", "").replace("-", "_").lower())


# --- shared blocks -----------------------------------------------------------------------


def origin(node: Node) -> dict[str, Any]:
    return {"name": ORIGIN_NAME, "sw_version": node.version}


def gateway_device(node: Node) -> dict[str, Any]:
    return {
        "identifiers": [node.identifier],
        "name": f"zigbridge {node.gateway_id}",
        "manufacturer": "zigbridge",
        "model": "Zigbee gateway",
        "serial_number": node.bridgeid,
        "sw_version": node.version,
    }


def resource_device(
    node: Node, resource: Mapping[str, Any], name: str | None = None
) -> dict[str, Any]:
    """The HA device of a resource: one per IEEE address, behind the gateway. `name` is the
    device's one name (`device_name`); without it, the resource's own."""
    device: dict[str, Any] = {
        "identifiers": [f"{UNIQUE_PREFIX}_{ieee_of(resource)}"],
        "name": name or resource.get("name") or resource.get("modelid") or ieee_of(resource),
        "via_device": node.identifier,
    }
    for key, field in (
        ("manufacturername", "manufacturer"),
        ("modelid", "model"),
        ("swversion", "sw_version"),
    ):
        if resource.get(key):
            device[field] = resource[key]
    return device


def device_name(resources: Iterable[tuple[str, str, str]]) -> str | None:
    """One name for a device with several resources, given as (kind, id, name): its first
    light's by id, else its first sensor's, so every config of the device says the same,
    whichever was announced last (a plug is named after its switch, not its meter)."""
    ranked = sorted(
        (kind != "lights", int(rid) if rid.isdigit() else 1 << 30, rid, name)
        for kind, rid, name in resources
        if name
    )
    return ranked[0][3] if ranked else None


def _availability(node: Node, state_topic: str | None, reachable_path: str | None) -> dict:
    """Available only while the gateway is online AND (when given) the resource is reachable."""
    items: list[dict[str, str]] = [
        {"topic": node.availability_topic, "value_template": "{{ value_json.state }}"}
    ]
    if state_topic is not None and reachable_path is not None:
        items.append(
            {
                "topic": state_topic,
                "value_template": (
                    f"{{{{ 'online' if value_json.{reachable_path} else 'offline' }}}}"
                ),
            }
        )
    return {"availability": items, "availability_mode": "all"}


def _topic(node: Node, component: str, object_id: str) -> str:
    return f"{node.prefix}/{component}/{node.node_id}/{object_id}/config"


def _entity(
    node: Node,
    device: dict[str, Any],
    unique_id: str,
    state_topic: str | None,
    reachable_path: str | None,
    state_field: str | None = "state_topic",
    **fields: Any,
) -> dict[str, Any]:
    """`state_field` names the key the state topic goes in; None for a component without a
    `state_topic` (climate), whose availability still follows the resource's topic."""
    config: dict[str, Any] = {"unique_id": unique_id, **fields}
    if state_topic is not None and state_field is not None:
        config[state_field] = state_topic
    config.update(_availability(node, state_topic, reachable_path))
    config["device"] = device
    config["origin"] = origin(node)
    return config


# --- the bridge itself -------------------------------------------------------------------


def bridge_configs(node: Node) -> dict[str, dict]:
    """The gateway's own entities: connectivity from `bridge/state`, facts from `bridge/info`."""
    device = gateway_device(node)
    info = f"{node.base}/bridge/info"
    uid = node.identifier
    configs: dict[str, dict] = {
        _topic(node, "binary_sensor", "connection"): {
            "unique_id": f"{uid}_connection",
            "name": "Connection",
            "device_class": "connectivity",
            "entity_category": "diagnostic",
            "state_topic": node.availability_topic,
            "value_template": "{{ value_json.state }}",
            "payload_on": "online",
            "payload_off": "offline",
            "device": device,
            "origin": origin(node),
        }
    }
    for object_id, key, name, extra in (  # keys of the bridge's `bridge/info` payload
        ("devices", "device_count", "Devices", {"state_class": "measurement"}),
        (
            "permitjoin",
            "permit_join_remaining",
            "Permit join remaining",
            {"device_class": "duration", "unit": "s"},
        ),
        ("channel", "channel", "Zigbee channel", {}),
    ):
        unit = extra.pop("unit", None)
        config = _entity(
            node,
            device,
            f"{uid}_{object_id}",
            info,
            None,
            name=name,
            entity_category="diagnostic",
            value_template=_get(f"value_json.{key}"),
            **extra,
        )
        if unit:
            config["unit_of_measurement"] = unit
        configs[_topic(node, "sensor", object_id)] = config
    return configs


# --- per resource ------------------------------------------------------------------------


def resource_configs(
    node: Node,
    kind: str,
    rid: str,
    resource: Mapping[str, Any],
    device_name: str | None = None,
) -> dict[str, dict]:
    """Every discovery config of one resource (`kind` lights|sensors|groups); {} for a
    resource HA gets no entity for (unknown types, lights or sensors without a uniqueid).
    `device_name` is the HA device's one name (`device_name()` over the device's resources)."""
    if kind == "groups":
        return _group_configs(node, rid, resource)
    if uid_slug(resource) is None:
        return {}
    if kind == "lights":
        return _light_configs(node, rid, resource, device_name)
    if kind == "sensors":
        return _sensor_configs(node, rid, resource, device_name)
    return {}


def _light_configs(
    node: Node, rid: str, light: Mapping[str, Any], device_name: str | None
) -> dict[str, dict]:
    ltype = light.get("type")
    uid = uid_slug(light)
    state_topic = f"{node.base}/lights/{rid}"
    command_topic = f"{state_topic}/set"
    family = FAMILY_FIELDS.get(str(ltype))
    if family is not None:
        component, fields = family(light, command_topic)
    elif ltype in SWITCH_TYPES:
        component, fields = (
            "switch",
            {
                "command_topic": command_topic,
                "payload_on": '{"on": true}',
                "payload_off": '{"on": false}',
                "state_on": "ON",
                "state_off": "OFF",
                "value_template": "{{ 'ON' if value_json.state.on else 'OFF' }}",
            },
        )
    elif ltype in LIGHT_TYPES:
        component, fields = "light", light_template_fields("state", light, command_topic)
    else:
        return {}
    config = _entity(
        node,
        resource_device(node, light, device_name),
        f"{UNIQUE_PREFIX}_{uid}",
        state_topic,
        "state.reachable",
        name=None,
        **fields,
    )
    return {_topic(node, component, uid): config}


def _group_configs(node: Node, rid: str, group: Mapping[str, Any]) -> dict[str, dict]:
    """A deCONZ group as one HA light: on from `state.any_on`, the rest from `action`."""
    state_topic = f"{node.base}/groups/{rid}"
    caps = {"ctmin": 153, "ctmax": 500, "state": group.get("action", {})}
    fields = light_template_fields("action", caps, f"{state_topic}/set")
    fields["state_template"] = "{{ 'on' if value_json.state.any_on else 'off' }}"
    config = _entity(
        node,
        gateway_device(node),
        f"{node.identifier}_group_{slug(rid)}",
        state_topic,
        None,
        name=group.get("name") or f"Group {rid}",
        **fields,
    )
    return {_topic(node, "light", f"group_{slug(rid)}"): config}


# --- coverings, locks, fans and sirens: deCONZ lights of their own types -----------------


def cover_fields(light: Mapping[str, Any], command_topic: str) -> tuple[str, dict[str, Any]]:
    """A `Window covering device` as an HA cover. deCONZ's `lift` and `tilt` are percent
    *closed* (0 is open), HA's positions percent open: the templates turn them round. The
    state topic carries the resource, so `open` (lift < 100) gives open/closed and `lift`
    the position, and nothing is optimistic (a blind reports where it is)."""
    state = light.get("state") or {}
    state_topic = command_topic.removesuffix("/set")
    fields: dict[str, Any] = {
        "device_class": "shade",
        "command_topic": command_topic,
        "payload_open": '{"open": true}',
        "payload_close": '{"open": false}',
        "payload_stop": '{"stop": true}',
        "value_template": (
            "{{ none if value_json.state.open is none"
            " else ('open' if value_json.state.open else 'closed') }}"
        ),
        "state_open": "open",
        "state_closed": "closed",
        "position_topic": state_topic,
        "position_template": _inverted("value_json.state.lift"),
        "set_position_topic": command_topic,
        "set_position_template": '{"lift": {{ 100 - (position | int) }}}',
    }
    if "tilt" in state:
        fields |= {
            "tilt_command_topic": command_topic,
            "tilt_command_template": '{"tilt": {{ 100 - (tilt_position | int) }}}',
            "tilt_status_topic": state_topic,
            "tilt_status_template": _inverted("value_json.state.tilt"),
        }
    return "cover", fields


def _inverted(path: str) -> str:
    """A percent-closed deCONZ value as HA's percent open; `None` while it is unknown."""
    return f"{{{{ 100 - {path} if {path} is not none else none }}}}"


def lock_fields(light: Mapping[str, Any], command_topic: str) -> tuple[str, dict[str, Any]]:
    """A `Door Lock` as an HA lock: `state.on` is locked, `{"on": …}` locks or unlocks. The
    state waits for the lock's report, as deCONZ's does (a bolt can jam)."""
    return "lock", {
        "command_topic": command_topic,
        "payload_lock": '{"on": true}',
        "payload_unlock": '{"on": false}',
        "state_locked": "LOCKED",
        "state_unlocked": "UNLOCKED",
        "value_template": (
            "{{ none if value_json.state.on is none"
            " else ('LOCKED' if value_json.state.on else 'UNLOCKED') }}"
        ),
    }


# deCONZ's fan `speed` (FanMode): 1-4 are HA's 25/50/75/100 %, 5 and 6 are presets.
FAN_PRESETS: dict[str, int] = {"auto": 5, "smart": 6}


def fan_fields(light: Mapping[str, Any], command_topic: str) -> tuple[str, dict[str, Any]]:
    """A `Fan` as an HA fan: on/off from `state.on`, speeds 1-4 as a percentage (HA's
    speed range maps 1..4 onto 25..100 %, and 0 % onto speed 0, off), auto and smart as
    presets. Every command is a `PUT state` body: `on` or `speed`."""
    speed = "value_json.state.speed"
    state_topic = command_topic.removesuffix("/set")
    presets = ", ".join(f"{v}: '{k}'" for k, v in FAN_PRESETS.items())
    return "fan", {
        "command_topic": command_topic,
        "command_template": '{"on": {{ "true" if value == "ON" else "false" }}}',
        "state_value_template": "{{ 'ON' if value_json.state.on else 'OFF' }}",
        "percentage_command_topic": command_topic,
        "percentage_command_template": '{"speed": {{ value | int }}}',
        "percentage_state_topic": state_topic,
        "percentage_value_template": (
            f"{{{{ {speed} if {speed} is not none and {speed} <= 4 else 'None' }}}}"
        ),
        "speed_range_min": 1,
        "speed_range_max": 4,
        "preset_modes": list(FAN_PRESETS),
        "preset_mode_command_topic": command_topic,
        "preset_mode_command_template": (
            '{"speed": {{ ' + str(FAN_PRESETS).replace("'", '"') + "[value] }}}"
        ),
        "preset_mode_state_topic": state_topic,
        "preset_mode_value_template": f"{{{{ {{{presets}}}.get({speed}, 'None') }}}}",
    }


# HA siren tones → deCONZ `alert`: the warning with strobe, the strobe alone, one second.
SIREN_TONES: dict[str, str] = {"warning": "lselect", "strobe": "blink", "short": "select"}


def siren_fields(light: Mapping[str, Any], command_topic: str) -> tuple[str, dict[str, Any]]:
    """A `Warning device` as an HA siren: on is `alert` lselect (or blink), for `duration`
    seconds as `ontime` (deCONZ's 300 s without it), off is `alert` none. deCONZ never
    reads a siren back, so `state.alert` is what was last asked; `select` (one second) is
    shown as off."""
    tones = str(SIREN_TONES).replace("'", '"')
    return "siren", {
        "command_topic": command_topic,
        "command_template": (
            '{"alert": "{{ ' + tones + '.get(tone, "lselect") if tone is defined and tone'
            ' else "lselect" }}"{% if duration is defined and duration %}, "ontime": '
            "{{ duration | int }}{% endif %}}"
        ),
        "command_off_template": '{"alert": "none"}',
        "state_value_template": (
            "{{ 'ON' if value_json.state.alert in ['lselect', 'blink'] else 'OFF' }}"
        ),
        "available_tones": list(SIREN_TONES),
        "support_duration": True,
        "support_volume_set": False,
    }


FAMILY_FIELDS = {
    "Window covering device": cover_fields,
    "Door Lock": lock_fields,
    "Fan": fan_fields,
    "Warning device": siren_fields,
}


# --- lights: HA's template schema onto deCONZ state keys ---------------------------------


def light_template_fields(
    where: str, light: Mapping[str, Any], command_topic: str
) -> dict[str, Any]:
    """Template-schema fields for a light (`where`="state") or a group (`where`="action")."""
    state = light.get("state") or {}
    caps = light.get("capabilities") or {}
    modes = set((caps.get("color") or {}).get("modes") or ())
    has_bri = "bri" in state
    has_ct = "ct" in modes or "ct" in state
    has_hs = bool(modes & {"hs", "xy"}) or "hue" in state or "xy" in state
    s = f"value_json.{where}"
    fields: dict[str, Any] = {
        "schema": "template",
        "command_topic": command_topic,
        "command_on_template": _on_template(has_bri, has_ct, has_hs),
        "command_off_template": (
            '{"on": false{% if transition is defined %}, "transitiontime": '
            "{{ (transition * 10) | round | int }}{% endif %}}"
        ),
        "state_template": f"{{{{ 'on' if {s}.on else 'off' }}}}",
    }
    if has_bri:
        fields["brightness_template"] = (
            f"{{{{ ({s}.bri * 255 / 254) | round | int if {s}.bri is not none else none }}}}"
        )
    if has_ct:
        ct_range = (caps.get("color") or {}).get("ct") or {}
        ctmin = light.get("ctmin", ct_range.get("min"))
        ctmax = light.get("ctmax", ct_range.get("max"))
        if isinstance(ctmin, int) and isinstance(ctmax, int) and 0 < ctmin < ctmax:
            fields["min_mireds"], fields["max_mireds"] = ctmin, ctmax
        guard = f"{s}.colormode == 'ct' and " if has_hs else ""
        fields["color_temp_template"] = (
            f"{{{{ {s}.ct if {guard}{s}.ct is not none and {s}.ct > 0 else none }}}}"
        )
    if has_hs:
        for index, colour in enumerate(("red", "green", "blue")):
            fields[f"{colour}_template"] = rgb_channel_template(s, index)
    effects = (caps.get("color") or {}).get("effects")
    if effects and "effect" in state:
        fields["effect_list"] = list(effects)
        fields["effect_template"] = f"{{{{ {s}.effect }}}}"
    return fields


def _on_template(has_bri: bool, has_ct: bool, has_hs: bool) -> str:
    """A `PUT .../state` body: on, plus what HA asked for, in deCONZ's ranges."""
    parts = ['{"on": true']
    if has_bri:
        parts.append(
            '{%- if brightness is defined -%}, "bri": '
            "{{ [[(brightness * 254 / 255) | round | int, 1] | max, 254] | min }}"
            "{%- endif -%}"
        )
    if has_ct:
        parts.append('{%- if color_temp is defined -%}, "ct": {{ color_temp | int }}{%- endif -%}')
    if has_hs:
        parts.append(
            '{%- if hue is defined and sat is defined -%}, "hue": '
            '{{ (hue * 65535 / 360) | round | int }}, "sat": '
            "{{ (sat * 254 / 100) | round | int }}{%- endif -%}"
        )
    parts.append(
        '{%- if transition is defined -%}, "transitiontime": '
        "{{ (transition * 10) | round | int }}{%- endif -%}"
        '{%- if flash is defined -%}, "alert": '
        "\"{{ 'lselect' if flash == 'long' else 'select' }}\"{%- endif -%}"
        '{%- if effect is defined -%}, "effect": "{{ effect }}"{%- endif -%}}'
    )
    return "".join(parts)


def rgb_channel_template(s: str, index: int) -> str:
    """One RGB channel (0 red, 1 green, 2 blue) at full value from deCONZ's hue/sat (colormode
    hs) or xy (sRGB primaries, scaled so the largest channel is 255); `None` in ct mode, which
    tells HA's template light the colour mode is colour temperature."""
    hsv_k = (5, 3, 1)[index]  # HSV to RGB: f(n) = v - v*s*max(0, min(k, 4 - k, 1)), k = n + h/60
    xyz_row = (
        ("3.2406", "-1.5372", "-0.4986"),
        ("-0.9689", "1.8758", "0.0415"),
        ("0.0557", "-0.2040", "1.0570"),
    )
    rows = [f"{a} * X + ({b}) + ({c}) * Z" for a, b, c in xyz_row]
    return (
        f"{{%- set s = {s} -%}}"
        "{%- if s.colormode == 'xy' and s.xy -%}"
        "{%- set y = [s.xy[1], 0.0001] | max -%}"
        "{%- set X = s.xy[0] / y -%}{%- set Z = (1 - s.xy[0] - y) / y -%}"
        f"{{%- set rgb = [[{rows[0]}, 0] | max, [{rows[1]}, 0] | max, [{rows[2]}, 0] | max] -%}}"
        f"{{{{ (rgb[{index}] / ([rgb | max, 0.000001] | max) * 255) | round | int }}}}"
        "{%- elif s.colormode != 'ct' and s.hue is not none and s.sat is not none"
        " and s.hue is defined and s.sat is defined -%}"
        f"{{%- set k = ({hsv_k} + s.hue / 65536 * 6) % 6 -%}}"
        "{{ (255 * (1 - s.sat / 254 * ([0, [k, 4 - k, 1] | min] | max))) | round | int }}"
        "{%- else -%}None{%- endif -%}"
    )


# --- sensors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """One HA sensor entity from one deCONZ state key."""

    key: str
    name: str
    device_class: str | None
    unit: str | None
    scale: int = 1  # deCONZ integer units per HA unit (temperature: 100 per °C)
    state_class: str = "measurement"


@dataclass(frozen=True)
class Flag:
    """One HA binary sensor from one deCONZ boolean state key."""

    key: str
    name: str
    device_class: str
    diagnostic: bool = False


SENSOR_READINGS: dict[str, tuple[Reading, ...]] = {
    "ZHATemperature": (Reading("temperature", "Temperature", "temperature", "°C", 100),),
    "ZHAHumidity": (Reading("humidity", "Humidity", "humidity", "%", 100),),
    "ZHAPressure": (Reading("pressure", "Pressure", "pressure", "hPa"),),
    "ZHALightLevel": (Reading("lux", "Illuminance", "illuminance", "lx"),),
    "ZHAPower": (
        Reading("power", "Power", "power", "W"),
        Reading("voltage", "Voltage", "voltage", "V"),
        Reading("current", "Current", "current", "mA"),
    ),
    "ZHAConsumption": (
        Reading("consumption", "Energy", "energy", "Wh", state_class="total_increasing"),
    ),
    "ZHABattery": (Reading("battery", "Battery", "battery", "%"),),
    "ZHAParticulateMatter": (Reading("measured_value", "PM2.5", "pm25", "µg/m³"),),
    "ZHAMoisture": (Reading("moisture", "Soil moisture", "moisture", "%", 100),),
    "ZHACarbonDioxide": (Reading("measured_value", "Carbon dioxide", "carbon_dioxide", "ppm"),),
    "ZHAAirQuality": (
        Reading("airqualityppb", "VOC", "volatile_organic_compounds_parts", "ppb"),
        Reading("airquality_co2_density", "CO2", "carbon_dioxide", "ppm"),
        Reading(
            "airquality_formaldehyde_density", "Formaldehyde", "volatile_organic_compounds", "µg/m³"
        ),
    ),
    "ZHAThermostat": (Reading("valve", "Valve", None, "%"),),  # beside its climate entity
}

# Sensor types whose uniqueid names another entity (the thermostat's climate): their
# readings get their key in their object id.
OWN_ENTITY_TYPES = frozenset({"ZHAThermostat"})

SENSOR_FLAGS: dict[str, tuple[Flag, ...]] = {
    "ZHAPresence": (Flag("presence", "Occupancy", "occupancy"),),
    "ZHAOpenClose": (Flag("open", "Opening", "opening"),),
    "ZHAWater": (Flag("water", "Water leak", "moisture"),),
    "ZHAFire": (Flag("fire", "Smoke", "smoke"),),
    "ZHAVibration": (Flag("vibration", "Vibration", "vibration"),),
    "ZHAAlarm": (Flag("alarm", "Alarm", "safety"),),
    "ZHACarbonMonoxide": (Flag("carbonmonoxide", "Carbon monoxide", "carbon_monoxide"),),
}

# IAS zones also report these; HA shows them as diagnostic problems.
IAS_FLAGS = (
    Flag("lowbattery", "Battery low", "battery", diagnostic=True),
    Flag("tampered", "Tamper", "tamper", diagnostic=True),
)


def _get(path: str, scale: int = 1) -> str:
    """`None` (HA: unknown) while deCONZ still has null, else the value in HA's unit."""
    value = path if scale == 1 else f"({path} / {scale}) | round(2)"
    return f"{{{{ {value} if {path} is not none else none }}}}"


def _sensor_configs(
    node: Node, rid: str, sensor: Mapping[str, Any], device_name: str | None
) -> dict[str, dict]:
    stype = sensor.get("type", "")
    state = sensor.get("state") or {}
    config_obj = sensor.get("config") or {}
    uid = uid_slug(sensor)
    state_topic = f"{node.base}/sensors/{rid}"
    device = resource_device(node, sensor, device_name)
    configs: dict[str, dict] = {}

    def add(
        component: str, object_id: str, state_field: str | None = "state_topic", **fields: Any
    ) -> None:
        configs[_topic(node, component, object_id)] = _entity(
            node,
            device,
            f"{UNIQUE_PREFIX}_{object_id}",
            state_topic,
            "config.reachable",
            state_field,
            **fields,
        )

    if stype == "ZHAThermostat":
        add("climate", uid, None, **climate_fields(sensor, state_topic))
    elif stype == "ZHADoorLock":
        lock_state_sensor(add, uid, state)

    readings = SENSOR_READINGS.get(stype, ())
    for r in readings:
        if r.key not in state:
            continue
        fields: dict[str, Any] = {
            "name": r.name,
            "state_class": r.state_class,
            "value_template": _get(f"value_json.state.{r.key}", r.scale),
        }
        if r.device_class:
            fields["device_class"] = r.device_class
        if r.unit:
            fields["unit_of_measurement"] = r.unit
        if r.key == "battery":
            fields["entity_category"] = "diagnostic"
        alone = len(readings) == 1 and stype not in OWN_ENTITY_TYPES
        object_id = uid if alone else f"{uid}_{r.key}"
        add("sensor", object_id, **fields)

    flags = SENSOR_FLAGS.get(stype, ())
    extra = IAS_FLAGS if flags and any(f.key in state for f in IAS_FLAGS) else ()
    for f in (*flags, *extra):
        if f.key not in state:
            continue
        path = f"value_json.state.{f.key}"
        fields = {
            "name": f.name,
            "device_class": f.device_class,
            "payload_on": "ON",
            "payload_off": "OFF",
            "value_template": f"{{{{ none if {path} is none else ('ON' if {path} else 'OFF') }}}}",
        }
        if f.diagnostic:
            fields["entity_category"] = "diagnostic"
        object_id = uid if f in flags else f"{uid}_{f.key}"
        add("binary_sensor", object_id, **fields)

    if "battery" in config_obj and stype != "ZHABattery":
        # One battery entity per device (as HA's deCONZ integration has): every sensor of a
        # battery device carries config.battery, and they all write the same config.
        ieee = ieee_of(sensor)
        add(
            "sensor",
            f"{ieee}_battery",
            name="Battery",
            device_class="battery",
            state_class="measurement",
            unit_of_measurement="%",
            entity_category="diagnostic",
            value_template=_get("value_json.config.battery"),
        )
    return configs


# --- thermostats and the door lock's sensor ----------------------------------------------

# deCONZ `config.mode` → HA's HVAC mode (those HA has no name for are the nearest).
HVAC_MODES: dict[str, str] = {
    "off": "off",
    "auto": "auto",
    "heat": "heat",
    "cool": "cool",
    "emergency heating": "heat",
    "precooling": "cool",
    "fan only": "fan_only",
    "dry": "dry",
    "sleep": "off",
}
SETPOINT_RANGE = (5, 32)  # °C: the heatsetpoint the config planner takes, 500-3200


def climate_fields(sensor: Mapping[str, Any], state_topic: str) -> dict[str, Any]:
    """A `ZHAThermostat` as an HA climate entity: current temperature from `state`, the
    target from `config.heatsetpoint` (both 0.01 °C), the mode from `config.mode`; every
    command is a `PUT /sensors/<id>/config` body, to `<base>/sensors/<id>/config/set`."""
    config = sensor.get("config") or {}
    command_topic = f"{state_topic}/config/set"
    modes = ["off", "heat", "auto"] + (["cool"] if "coolsetpoint" in config else [])
    mode = "value_json.config.mode"
    mapping = str(HVAC_MODES)
    return {
        "name": None,
        "current_temperature_topic": state_topic,
        "current_temperature_template": _get("value_json.state.temperature", 100),
        "temperature_state_topic": state_topic,
        "temperature_state_template": _get("value_json.config.heatsetpoint", 100),
        "temperature_command_topic": command_topic,
        "temperature_command_template": '{"heatsetpoint": {{ (value * 100) | round | int }}}',
        "mode_state_topic": state_topic,
        "mode_state_template": f"{{{{ {mapping}.get({mode}, 'None') }}}}",
        "mode_command_topic": command_topic,
        "mode_command_template": '{"mode": "{{ value }}"}',
        "modes": modes,
        "action_topic": state_topic,
        "action_template": (
            f"{{{{ 'off' if {mode} == 'off' else"
            " ('heating' if value_json.state.on else 'idle') }}"
        ),
        "min_temp": SETPOINT_RANGE[0],
        "max_temp": SETPOINT_RANGE[1],
        "temp_step": 0.5,
        "precision": 0.1,
        "temperature_unit": "C",
    }


LOCK_STATES = ["locked", "unlocked", "not fully locked", "undefined"]


def lock_state_sensor(add: Any, uid: str, state: Mapping[str, Any]) -> None:
    """A `ZHADoorLock`: its lock is the `Door Lock` light's HA lock, so the sensor adds
    what only it knows, `lockstate` (a jammed bolt is "not fully locked") and the door."""
    add(
        "sensor",
        uid,
        name="Lock state",
        device_class="enum",
        options=LOCK_STATES,
        value_template=_get("value_json.state.lockstate"),
    )
    if "open" in state:
        path = "value_json.state.open"
        add(
            "binary_sensor",
            f"{uid}_door",
            name="Door",
            device_class="door",
            payload_on="ON",
            payload_off="OFF",
            value_template=f"{{{{ none if {path} is none else ('ON' if {path} else 'OFF') }}}}",
        )


# --- remotes: device triggers ------------------------------------------------------------

# deCONZ buttonevent = button * 1000 + action; HA's known trigger types per action.
BUTTON_ACTIONS: dict[int, str] = {
    0: "button_short_press",
    1: "button_long_press",
    2: "button_short_release",
    3: "button_long_release",
    4: "button_double_press",
    5: "button_triple_press",
    6: "button_quadruple_press",
    10: "button_quintuple_press",
}


def trigger_config(
    node: Node,
    rid: str,
    resource: Mapping[str, Any],
    buttonevent: int,
    device_name: str | None = None,
) -> tuple[str, dict]:
    """The `device_automation` config of one button event of a remote, fired from the
    bridge's (not retained) `<base>/sensors/<id>/event` messages."""
    button, action = divmod(int(buttonevent), 1000)
    trigger_type = BUTTON_ACTIONS.get(action, f"action_{action}")
    uid = uid_slug(resource) or f"{node.node_id}_sensor_{slug(rid)}"
    object_id = f"{uid}_{int(buttonevent)}"
    payload = {
        "automation_type": "trigger",
        "topic": f"{node.base}/sensors/{rid}/event",
        "type": trigger_type,
        "subtype": f"button_{button}",
        "payload": str(int(buttonevent)),
        "value_template": (
            "{{ value_json.buttonevent if value_json.buttonevent is defined"
            " else value_json.state.buttonevent }}"
        ),
        "device": (
            resource_device(node, resource, device_name)
            if ieee_of(resource)
            else gateway_device(node)
        ),
        "origin": origin(node),
    }
    return _topic(node, "device_automation", object_id), payload
