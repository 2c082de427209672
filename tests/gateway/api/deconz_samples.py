"""Resources exactly as deCONZ publishes them (answers of a real deCONZ gateway), and a check that
planned commands are real zigpy 2.4 commands. Shared by the API tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import zigpy.zcl as zcl

from radio.commands import AddScene, WriteAttributes, ZclCommand
from radio.scene_fields import add_scene_request

EXTENDED_COLOR_LIGHT: dict[str, Any] = {
    "capabilities": {
        "alerts": [
            "none",
            "select",
            "lselect",
            "blink",
            "breathe",
            "okay",
            "channelchange",
            "finish",
            "stop",
        ],
        "color": {
            "ct": {"max": 454, "min": 153},
            "effects": ["none", "colorloop"],
            "modes": ["ct", "hs", "xy"],
        },
        "sleeper": False,
    },
    "colorcapabilities": 31,
    "config": {
        "bri": {"execute_if_off": True},
        "color": {"ct": {"startup": 366}, "execute_if_off": True},
        "groups": ["0", "1"],
        "on": {"startup": True},
    },
    "ctmax": 454,
    "ctmin": 153,
    "etag": "5d5a5ee1e4bd4e1ce4ab2a9ef8f9b2c1",
    "hascolor": True,
    "lastannounced": "2024-05-01T06:00:12Z",
    "lastseen": "2024-05-02T08:13Z",
    "manufacturername": "innr",
    "modelid": "RB 285 C",
    "name": "Kitchen ceiling",
    "nwkaddress": "0x1A2B",
    "state": {
        "alert": "none",
        "bri": 180,
        "colormode": "xy",
        "ct": 366,
        "effect": "none",
        "hue": 8402,
        "on": True,
        "reachable": True,
        "sat": 140,
        "xy": [0.4573, 0.41],
    },
    "swversion": "2.0.4",
    "type": "Extended color light",
    "uniqueid": "00:15:8d:00:01:23:45:67-01",
}

# IKEA bulb without execute_if_off: level/colour changes while off are refused (error 201).
CT_LIGHT: dict[str, Any] = {
    "capabilities": {
        "alerts": ["none", "select", "lselect"],
        "color": {"ct": {"max": 454, "min": 250}},
    },
    "colorcapabilities": 16,
    "config": {"groups": ["1"]},
    "ctmax": 454,
    "ctmin": 250,
    "etag": "0a2b3c4d5e6f708192a3b4c5d6e7f809",
    "hascolor": True,
    "manufacturername": "IKEA of Sweden",
    "modelid": "TRADFRI bulb E27 WS opal 980lm",
    "name": "Bedroom",
    "state": {
        "alert": "none",
        "bri": 60,
        "colormode": "ct",
        "ct": 300,
        "on": False,
        "reachable": True,
    },
    "swversion": "2.3.087",
    "type": "Color temperature light",
    "uniqueid": "90:fd:9f:ff:fe:01:02:03-01",
}

PLUG: dict[str, Any] = {
    "etag": "1f2e3d4c5b6a79880796a5b4c3d2e1f0",
    "hascolor": False,
    "manufacturername": "innr",
    "modelid": "SP 220",
    "name": "Coffee machine",
    "state": {"alert": "none", "on": True, "reachable": True},
    "swversion": "2.0",
    "type": "On/Off plug-in unit",
    "uniqueid": "00:15:8d:00:04:05:06:07-01",
}

GROUP: dict[str, Any] = {
    "action": {
        "alert": "none",
        "bri": 127,
        "colormode": "hs",
        "ct": 0,
        "effect": "none",
        "hue": 0,
        "on": False,
        "sat": 127,
        "scene": "2",
        "xy": [0, 0],
    },
    "class": "Living room",
    "devicemembership": [],
    "etag": "893f60b611274d1803207298cf26b1e1",
    "id": "1",
    "lights": ["3", "5"],
    "name": "Living",
    "scenes": [
        {"id": "1", "lightcount": 2, "name": "Relax", "transitiontime": 10},
        {"id": "2", "lightcount": 2, "name": "Bright", "transitiontime": 10},
    ],
    "state": {"all_on": False, "any_on": True},
    "type": "Room",
}

SCENES: dict[str, dict[str, Any]] = {
    "1": {
        "lights": [
            {
                "bri": 180,
                "colormode": "xy",
                "id": "3",
                "on": True,
                "transitiontime": 10,
                "x": 0.4573,
                "y": 0.41,
            },
            {"bri": 120, "colormode": "ct", "ct": 370, "id": "5", "on": True, "transitiontime": 10},
        ],
        "name": "Relax",
        "transitiontime": 10,
    },
    "2": {
        "lights": [
            {"bri": 254, "colormode": "ct", "ct": 250, "id": "3", "on": True, "transitiontime": 10},
            {"bri": 254, "colormode": "ct", "ct": 250, "id": "5", "on": True, "transitiontime": 10},
        ],
        "name": "Bright",
        "transitiontime": 10,
    },
}

TEMPERATURE_SENSOR: dict[str, Any] = {
    "capabilities": {"sleeper": True},
    "config": {"battery": 91, "offset": 0, "on": True, "reachable": True},
    "ep": 1,
    "etag": "0b32030b31ef30a4446c9adff6a6f9e5",
    "lastannounced": "2024-04-20T17:02:55Z",
    "lastseen": "2024-05-02T08:10Z",
    "manufacturername": "LUMI",
    "modelid": "lumi.weather",
    "name": "Bathroom climate",
    "nwkaddress": "0x5F3C",
    "state": {"lastupdated": "2024-05-02T08:10:43.512", "temperature": 2154},
    "swversion": "3000-0001",
    "type": "ZHATemperature",
    "uniqueid": "00:15:8d:00:02:aa:bb:cc-01-0402",
}

SWITCH: dict[str, Any] = {
    "capabilities": {"sleeper": True},
    "config": {"battery": 60, "group": "20", "on": True, "reachable": True},
    "ep": 1,
    "etag": "32ae8aa202c6ea66671fa6c4c5d895ce",
    "lastannounced": "2024-04-06T08:41:35Z",
    "lastseen": "2024-05-02T09:36Z",
    "manufacturername": "IKEA of Sweden",
    "mode": 1,
    "modelid": "TRADFRI on/off switch",
    "name": "Hall switch",
    "nwkaddress": "0x2906",
    "productid": "E1743",
    "state": {"buttonevent": 1002, "lastupdated": "2024-05-02T09:36:00.757"},
    "swversion": "2.2.010",
    "type": "ZHASwitch",
    "uniqueid": "90:fd:9f:ff:fe:66:24:3e-01-1000",
}

PRESENCE_SENSOR: dict[str, Any] = {
    "config": {
        "battery": 100,
        "delay": 0,
        "duration": 60,
        "ledindication": False,
        "on": True,
        "pending": [],
        "reachable": True,
        "sensitivity": 2,
        "sensitivitymax": 2,
    },
    "ep": 2,
    "etag": "5cc2a4c54fa1b5f31e0d2e0ac4f9e8a1",
    "manufacturername": "Philips",
    "modelid": "SML001",
    "name": "Hall motion",
    "state": {"lastupdated": "2024-05-02T09:00:00.000", "presence": False},
    "swversion": "6.1.1.27575",
    "type": "ZHAPresence",
    "uniqueid": "00:17:88:01:02:03:04:05-02-0406",
}

LIGHTLEVEL_SENSOR: dict[str, Any] = {
    "config": {
        "battery": 100,
        "on": True,
        "reachable": True,
        "tholddark": 12000,
        "tholdoffset": 7000,
    },
    "ep": 2,
    "etag": "7ab1c2d3e4f5061728394a5b6c7d8e9f",
    "manufacturername": "Philips",
    "modelid": "SML001",
    "name": "Hall light level",
    "state": {
        "dark": False,
        "daylight": False,
        "lastupdated": "2024-05-02T09:00:00.000",
        "lightlevel": 15000,
        "lux": 20,
    },
    "swversion": "6.1.1.27575",
    "type": "ZHALightLevel",
    "uniqueid": "00:17:88:01:02:03:04:05-02-0400",
}

THERMOSTAT: dict[str, Any] = {
    "config": {
        "battery": 80,
        "heatsetpoint": 2100,
        "locked": False,
        "mode": "heat",
        "offset": 0,
        "on": True,
        "reachable": True,
    },
    "ep": 1,
    "etag": "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "manufacturername": "Danfoss",
    "modelid": "eTRV0100",
    "name": "Radiator",
    "state": {
        "lastupdated": "2024-05-02T09:00:00.000",
        "on": True,
        "temperature": 2050,
        "valve": 30,
    },
    "swversion": "01.08",
    "type": "ZHAThermostat",
    "uniqueid": "00:0b:57:ff:fe:11:22:33-01-0201",
}

CLIP_TEMPERATURE: dict[str, Any] = {
    "config": {"battery": 100, "offset": 50, "on": True, "reachable": True},
    "etag": "aa11bb22cc33dd44ee55ff6677889900",
    "manufacturername": "zigbridge",
    "modelid": "CLIPTemperature",
    "name": "Outside",
    "state": {"lastupdated": "none", "temperature": 0},
    "swversion": "1.0",
    "type": "CLIPTemperature",
    "uniqueid": "clip-temperature-1",
}

CONFIG: dict[str, Any] = {
    "UTC": "2024-05-02T08:10:43",
    "apiversion": "1.16.0",
    "bridgeid": "00212EFFFF0A1B2C",
    "datastoreversion": "93",
    "devicename": "ConBee II",
    "disablePermitJoinAutoOff": False,
    "factorynew": False,
    "ipaddress": "192.168.1.20",
    "lightlastseeninterval": 60,
    "linkbutton": False,
    "mac": "b8:27:eb:12:34:56",
    "modelid": "deCONZ",
    "name": "Phoscon-GW",
    "networkopenduration": 60,
    "panid": 56889,
    "rfconnected": True,
    "swversion": "2.33.2",
    "timeformat": "24h",
    "timezone": "Europe/Berlin",
    "websocketnotifyall": True,
    "websocketport": 8080,
    "zigbeechannel": 15,
}


def check_zigpy(commands: Iterable[Any]) -> None:
    """Every command names a real zigpy 2.4 cluster command/attribute, its arguments build
    and serialize with zigpy's schema, and the values are plain ints/strs (zigpy would
    silently accept a bool or truncate a float)."""
    for command in commands:
        if isinstance(command, ZclCommand):
            cluster = zcl.Cluster._registry[command.cluster]
            definition = getattr(cluster.ServerCommandDefs, command.command)
            for name, value in command.args.items():
                assert type(value) in (int, str), (command, name, value)
            definition.schema(**command.args).serialize()
        elif isinstance(command, AddScene):
            definition, args = add_scene_request(command)
            definition.schema(**args).serialize()
        elif isinstance(command, WriteAttributes):
            cluster = zcl.Cluster._registry[command.cluster]
            for name, value in command.attributes.items():
                assert type(value) is int, (command, name, value)
                cluster.attributes_by_name[name].type(value).serialize()
