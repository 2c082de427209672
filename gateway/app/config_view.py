"""The gateway's `config` object, as `GET /api/<key>/config` and `GET /api/config` show it.

Values clients depend on (deCONZ's REST API docs for `config`; what pydeconz reads):
- `bridgeid`: 16 uppercase hex, `00212EFFFF` + the last 6 hex digits of the coordinator's
  IEEE. pydeconz shortens ids with FFFF at [6:10] to 12 characters and homebridge tools
  reject other shapes, so we keep deCONZ's shape while staying unique per coordinator.
- `websocketport`: the port the websocket really listens on (pydeconz opens nothing without).
- `zigbeechannel`, `panid`, `rfconnected` from the live network; `UTC` (upper case, no Z).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from gateway.api.config import DEFAULT_GATEWAY_NAME as DEFAULT_NAME
from gateway.core import timefmt

SWVERSION = "2.33.2"
APIVERSION = "1.16.0"
DATASTOREVERSION = "93"
DEVICENAME = "ConBee II"
"""deCONZ names its coordinator here and discovery tools check for one; pydeconz knows only
the ConBee and RaspBee names, so every stick is shown as the most common one."""
MODELID = "deCONZ"
DEFAULT_NETWORK_OPEN_DURATION = 60


@dataclass(slots=True)
class NetworkFacts:
    """What the radio said about the network, for config; empty until it is up."""

    ieee: str | None = None
    pan_id: int = 0
    channel: int = 0
    firmware: str | None = None
    connected: bool = False


@dataclass(slots=True)
class ConfigContext:
    """Everything `config` is built from besides the persisted values."""

    config: dict[str, Any]
    network: NetworkFacts
    websocketport: int
    whitelist: dict[str, dict[str, str]] = field(default_factory=dict)
    unlocked: bool = False
    ipaddress: str = "127.0.0.1"
    now: float = field(default_factory=time.time)


def bridge_id(coordinator_ieee: str | None) -> str:
    tail = (coordinator_ieee or "00:00:00:00:00:00:00:00").replace(":", "")[-6:]
    return f"00212EFFFF{tail}".upper()


def host_mac() -> str:
    node = uuid.getnode()
    return ":".join(f"{(node >> s) & 0xFF:02x}" for s in range(40, -1, -8))


def basic_config(ctx: ConfigContext) -> dict[str, Any]:
    """The unauthenticated subset (`GET /api/config`, or any key on `/api/<x>/config`)."""
    return {
        "apiversion": APIVERSION,
        "bridgeid": bridge_id(ctx.network.ieee),
        "datastoreversion": DATASTOREVERSION,
        "devicename": DEVICENAME,
        "factorynew": False,
        "mac": host_mac(),
        "modelid": MODELID,
        "name": ctx.config.get("name") or DEFAULT_NAME,
        "replacesbridgeid": None,
        "starterkitid": "",
        "swversion": SWVERSION,
    }


def full_config(ctx: ConfigContext) -> dict[str, Any]:
    s = ctx.config
    ip = ctx.ipaddress
    config = basic_config(ctx)
    config.update(
        {
            "UTC": timefmt.utc(ctx.now),
            "localtime": timefmt.localtime(ctx.now),
            "backup": {"errorcode": 0, "status": "idle"},
            "dhcp": True,
            "disablePermitJoinAutoOff": bool(s.get("disablePermitJoinAutoOff", False)),
            "fwversion": ctx.network.firmware or "",
            "gateway": ".".join([*ip.split(".")[:3], "1"]) if ip.count(".") == 3 else ip,
            "internetservices": {
                "internet": "disconnected",
                "remoteaccess": "disconnected",
                "swupdate": "disconnected",
                "time": "disconnected",
            },
            "ipaddress": ip,
            "lightlastseeninterval": int(s.get("lightlastseeninterval", 60)),
            "linkbutton": ctx.unlocked,
            "netmask": "255.255.255.0",
            "networkopenduration": int(s.get("networkopenduration", DEFAULT_NETWORK_OPEN_DURATION)),
            "ntp": "synced",
            "panid": ctx.network.pan_id,
            "portalconnection": "disconnected",
            "portalservices": False,
            "portalstate": {
                "communication": "disconnected",
                "incoming": False,
                "outgoing": False,
                "signedon": False,
            },
            "proxyaddress": "",
            "proxyport": 0,
            "rfconnected": ctx.network.connected,
            "swupdate": {
                "checkforupdate": False,
                "devicetypes": {"bridge": False, "lights": [], "sensors": []},
                "notify": False,
                "text": "",
                "updatestate": 0,
                "url": "",
            },
            "swupdate2": {
                "autoinstall": {"on": False, "updatetime": ""},
                "bridge": {"lastinstall": "", "state": "noupdates"},
                "checkforupdate": False,
                "lastchange": "",
                "state": "noupdates",
            },
            "timeformat": s.get("timeformat", "24h"),
            "timezone": s.get("timezone") or _local_timezone(),
            "uuid": s.get("uuid", ""),
            "websocketnotifyall": bool(s.get("websocketnotifyall", True)),
            "websocketport": ctx.websocketport,
            "whitelist": ctx.whitelist,
            "zigbeechannel": ctx.network.channel,
        }
    )
    return config


def whitelist_entry(name: str, created: float, last_used: float, scope: str) -> dict[str, str]:
    """deCONZ's entry plus zigbridge's `scope` ("control" or "read")."""
    return {
        "create date": timefmt.utc(created),
        "last use date": timefmt.utc(last_used),
        "name": name,
        "scope": scope,
    }


def _local_timezone() -> str:
    try:
        with open("/etc/timezone") as fh:
            return fh.read().strip() or "Etc/UTC"
    except OSError:
        return "Etc/UTC"
