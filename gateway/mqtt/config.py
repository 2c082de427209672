"""The bridge's settings as it uses them: the broker URL taken apart, and the topic names.

Pure: the daemon's settings table checks a URL with `parse_url` (so a mistake stops the
start with one line) and hands the bridge a `BridgeConfig`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

SCHEMES = {"mqtt": 1883, "mqtts": 8883}
PROTOCOLS = ("3.1.1", "5")
LEVEL = re.compile(r"[A-Za-z0-9_-]+")
"""One topic level we name ourselves (the gateway id): NATS refuses spaces and maps `.`."""


@dataclass(frozen=True, slots=True)
class Broker:
    host: str
    port: int
    tls: bool
    username: str | None = None
    password: str | None = None

    @property
    def address(self) -> str:
        """For logs: never the password."""
        scheme = "mqtts" if self.tls else "mqtt"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def parse_url(url: str) -> Broker:
    """`mqtt://[user[:pass]@]host[:port]` or `mqtts://…`; ValueError says what is wrong."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise ValueError(f"must start with mqtt:// or mqtts://, not {url!r}")
    if not parts.hostname:
        raise ValueError(f"names no broker host: {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"must be only mqtt[s]://[user:pass@]host[:port], not {url!r}")
    return Broker(
        host=parts.hostname,
        port=port or SCHEMES[parts.scheme],
        tls=parts.scheme == "mqtts",
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def check_base_topic(topic: str) -> str:
    """One or more `/`-separated levels of letters, digits, `_` and `-` (no wildcards)."""
    levels = topic.split("/")
    if not all(LEVEL.fullmatch(level) for level in levels):
        raise ValueError(
            f"must be topic levels of letters, digits, _ and - separated by /, not {topic!r}"
        )
    return topic


def check_level(value: str) -> str:
    if not LEVEL.fullmatch(value):
        raise ValueError(f"must be letters, digits, _ and - only, not {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    broker: Broker
    base_topic: str = "zigbridge"
    gateway_id: str | None = None  # None: the bridgeid, once the radio has said it
    commands: bool = True
    homeassistant: bool = True
    homeassistant_prefix: str = "homeassistant"
    qos: int = 1
    protocol: str = "3.1.1"
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None


def bridge_config(section: Any) -> BridgeConfig:
    """From the daemon's `[mqtt]` section (its `url` already checked, and set). TLS files
    with a plain `mqtt://` url are a mistake said, not a setting silently unused."""
    broker = parse_url(section.url)
    if not broker.tls:
        for option in ("ca_file", "cert_file", "key_file"):
            if getattr(section, option) is not None:
                raise ValueError(
                    f"mqtt.{option} is for an mqtts:// broker; the url is mqtt:// "
                    f"(use mqtts://{section.url.partition('://')[2]} for TLS)"
                )
    return BridgeConfig(
        broker=broker,
        base_topic=section.base_topic,
        gateway_id=section.gateway_id,
        commands=section.commands,
        homeassistant=section.homeassistant,
        homeassistant_prefix=section.homeassistant_prefix,
        qos=section.qos,
        protocol=section.protocol,
        ca_file=section.ca_file,
        cert_file=section.cert_file,
        key_file=section.key_file,
    )
