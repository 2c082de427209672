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
from collections.abc import Mapping
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


def resource_device(node: Node, resource: Mapping[str, Any]) -> dict[str, Any]:
    """The HA device of a resource: one per IEEE address, behind the gateway."""
    device: dict[str, Any] = {
        "identifiers": [f"{UNIQUE_PREFIX}_{ieee_of(resource)}"],
        "name": resource.get("name") or resource.get("modelid") or ieee_of(resource),
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
    **fields: Any,
) -> dict[str, Any]:
    config: dict[str, Any] = {"unique_id": unique_id, **fields}
    if state_topic is not None:
        config["state_topic"] = state_topic
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
    node: Node, kind: str, rid: str, resource: Mapping[str, Any]
) -> dict[str, dict]:
    """Every discovery config of one resource (`kind` lights|sensors|groups); {} for a
    resource HA gets no entity for (unknown types, lights or sensors without a uniqueid)."""
    if kind == "groups":
        return _group_configs(node, rid, resource)
    if uid_slug(resource) is None:
        return {}
    if kind == "lights":
        return _light_configs(node, rid, resource)
    if kind == "sensors":
        return _sensor_configs(node, rid, resource)
    return {}


def _light_configs(node: Node, rid: str, light: Mapping[str, Any]) -> dict[str, dict]:
    ltype = light.get("type")
    uid = uid_slug(light)
    state_topic = f"{node.base}/lights/{rid}"
    command_topic = f"{state_topic}/set"
    if ltype in SWITCH_TYPES:
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
        resource_device(node, light),
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
    "ZHAThermostat": (
        Reading("temperature", "Temperature", "temperature", "°C", 100),
        Reading("valve", "Valve", None, "%"),
    ),
    "ZHAParticulateMatter": (Reading("measured_value", "PM2.5", "pm25", "µg/m³"),),
    "ZHAMoisture": (Reading("moisture", "Soil moisture", "moisture", "%", 100),),
    "ZHAAirQuality": (
        Reading("airquality_co2_density", "CO2", "carbon_dioxide", "ppm"),
        Reading(
            "airquality_formaldehyde_density", "Formaldehyde", "volatile_organic_compounds", "µg/m³"
        ),
    ),
}

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


def _sensor_configs(node: Node, rid: str, sensor: Mapping[str, Any]) -> dict[str, dict]:
    stype = sensor.get("type", "")
    state = sensor.get("state") or {}
    config_obj = sensor.get("config") or {}
    uid = uid_slug(sensor)
    state_topic = f"{node.base}/sensors/{rid}"
    device = resource_device(node, sensor)
    configs: dict[str, dict] = {}

    def add(component: str, object_id: str, **fields: Any) -> None:
        configs[_topic(node, component, object_id)] = _entity(
            node,
            device,
            f"{UNIQUE_PREFIX}_{object_id}",
            state_topic,
            "config.reachable",
            **fields,
        )

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
        object_id = uid if len(readings) == 1 else f"{uid}_{r.key}"
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
    node: Node, rid: str, resource: Mapping[str, Any], buttonevent: int
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
        "device": resource_device(node, resource) if ieee_of(resource) else gateway_device(node),
        "origin": origin(node),
    }
    return _topic(node, "device_automation", object_id), payload
