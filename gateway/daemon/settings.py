"""zigbridge's settings: one table of options, read from the command line, the environment
(`ZIGBRIDGE_…`) and a TOML file, in that order of precedence, over built-in defaults.

Every option has one name, from which its command-line flag (`http_port` → `--http-port`)
and its environment variable (`ZIGBRIDGE_HTTP_PORT`) follow, plus its key in the file
(`server.http_port`), which is also where its value is in `Settings`
(`settings.server.http_port`): one section per TOML table, each handed to the part of
zigbridge that uses it. Adding an option is one row in `OPTIONS` and one field.

Text from the command line and the environment and typed values from TOML go through the
same checks, so a mistake anywhere is one line naming the option and where it came from,
before anything starts. Unknown keys in the file and unknown `ZIGBRIDGE_` variables are
errors too: a misspelt setting that silently does nothing is worse than one that stops
the start.

The file is `--config FILE`, else `$ZIGBRIDGE_CONFIG`, else `<data-dir>/zigbridge.toml`
(`<data-dir>` as given on the command line or in the environment, else the default). Only
the default file may be missing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_type_hints

from gateway.app.journal import DEFAULT_MAX_EVENTS
from gateway.app.limits import DEFAULT_MAX_CLIENTS, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT
from gateway.daemon.logs import FORMATS, LEVELS, NAMESPACES, LogSettings
from gateway.history.recorder import DEFAULT_DAYS as DEFAULT_HISTORY_DAYS
from gateway.mqtt import config as mqtt_config
from radio.failures import ConfigError
from radio.options import RESERVED_ZIGPY_KEYS
from radio.selection import AUTO, RADIO_TYPES

if TYPE_CHECKING:
    from radio.controller import RadioSettings

ENV_PREFIX = "ZIGBRIDGE_"
CONFIG_ENV = "ZIGBRIDGE_CONFIG"
CONFIG_NAME = "zigbridge.toml"
SYSTEM_DATA_DIR = Path("/var/lib/zigbridge")
SERVICE_USER = "zigbridge"
GATEWAY_NAME_MAX = 16  # deCONZ's limit on config.name


class Invalid(ValueError):
    """Raised by value checks; the message says what was expected."""


# ---- value kinds ----------------------------------------------------------------------

_TOML_TYPE_NAMES = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "an array",
    dict: "a table",
}


def _describe(value: Any) -> str:
    kind = _TOML_TYPE_NAMES.get(type(value), "a date/time")
    return f"{kind} ({value!r})" if not isinstance(value, dict | list) else kind


@dataclass(frozen=True, slots=True)
class Kind:
    """How one option's values are checked: `check` takes a typed value (TOML, flags),
    `parse` text (command line, environment); both return the value to use."""

    check: Callable[[Any], Any]
    parse: Callable[[str], Any]
    metavar: str | None = None
    flag: bool = False  # a switch on the command line (--x / --no-x), not a value


def _integer(low: int, high: int, *, base: int = 10) -> Kind:
    expected = f"an integer from {low} to {high}"

    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"must be {expected}, not {_describe(value)}")
        if not low <= value <= high:
            raise Invalid(f"must be {expected}, not {value}")
        return value

    def parse(text: str) -> int:
        try:
            return check(int(text.strip(), base))
        except ValueError as exc:
            if isinstance(exc, Invalid):
                raise
            raise Invalid(f"must be {expected}, not {text!r}") from None

    return Kind(check, parse, metavar=f"{low}-{high}" if high - low < 100 else "N")


def _text(max_len: int = 4096, *, allow_empty: bool = False) -> Kind:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be a string, not {_describe(value)}")
        if not value.strip() and not allow_empty:
            raise Invalid("must not be empty")
        if len(value) > max_len:
            raise Invalid(f"must be at most {max_len} characters, not {len(value)}")
        return value

    return Kind(check, check)


def _choice(choices: tuple[str, ...], *, upper: bool = False) -> Kind:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid(f"must be one of {', '.join(choices)}, not {_describe(value)}")
        normal = value.strip().upper() if upper else value.strip()
        if normal not in choices:
            raise Invalid(f"must be one of {', '.join(choices)}, not {value!r}")
        return normal

    return Kind(check, check, metavar="{" + ",".join(choices) + "}")


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _boolean() -> Kind:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid(f"must be true or false, not {_describe(value)}")
        return value

    def parse(text: str) -> bool:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise Invalid(f"must be true or false (or 1/0, yes/no, on/off), not {text!r}")

    return Kind(check, parse, flag=True)


def _path(metavar: str = "DIR") -> Kind:
    text = _text()
    return Kind(
        lambda v: Path(text.check(v)).expanduser(),
        lambda v: Path(text.parse(v)).expanduser(),
        metavar=metavar,
    )


def _checked_text(check_value: Callable[[str], Any], metavar: str) -> Kind:
    """A string that `check_value` accepts (it raises ValueError saying why not)."""
    text = _text()

    def check(value: Any) -> str:
        value = text.check(value).strip()
        try:
            check_value(value)
        except ValueError as exc:
            raise Invalid(str(exc)) from None
        return value

    return Kind(check, check, metavar=metavar)


_LEVEL = _choice(LEVELS, upper=True)


def _namespace_levels() -> Kind:
    """`{zigpy = "WARNING", radio = "DEBUG"}` in the file, `zigpy=WARNING,radio=DEBUG` as text."""
    known = ", ".join(NAMESPACES)

    def check(value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise Invalid(f'must be a table such as {{ zigpy = "DEBUG" }}, not {_describe(value)}')
        levels = {}
        for namespace, level in value.items():
            if namespace not in NAMESPACES:
                raise Invalid(f"has unknown namespace {namespace!r} (known: {known})")
            try:
                levels[namespace] = _LEVEL.check(level)
            except Invalid as exc:
                raise Invalid(f"{namespace}: {exc}") from None
        return levels

    def parse(text: str) -> dict[str, str]:
        pairs = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            namespace, sep, level = item.partition("=")
            if not sep:
                raise Invalid(f"must be NAMESPACE=LEVEL pairs such as zigpy=DEBUG, not {item!r}")
            pairs[namespace.strip()] = level.strip()
        return check(pairs)

    return Kind(check, parse, metavar="NS=LEVEL,...")


def _zigpy_options() -> Kind:
    """Radio-library options passed to zigpy as they are: a table in the file (e.g.
    `[radio.zigpy.znp_config]` `tx_power = 9`), a JSON object as text. Which keys the chosen
    library accepts is checked when the radio is opened (`radio.options`)."""

    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid(
                "must be a table such as { znp_config = { tx_power = 9 } }, not " + _describe(value)
            )
        for key in value:
            if key in RESERVED_ZIGPY_KEYS:
                raise Invalid(f"must not set {key!r}: use {RESERVED_ZIGPY_KEYS[key]}")
        return value

    def parse(text: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise Invalid(
                f'must be a JSON object such as {{"znp_config": {{"tx_power": 9}}}}, not {text!r}'
            )
        return check(value)

    return Kind(check, parse, metavar="JSON")


# ---- the options ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # gives the flag and the environment variable
    key: str  # in the TOML file, "section.key" or a top-level key; also its path in Settings
    kind: Kind
    default: Any
    help: str

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option(
        "data_dir",
        "data_dir",
        _path(),
        None,
        "where zigbridge keeps its data (default: systemd's StateDirectory; "
        "/var/lib/zigbridge for root and the zigbridge user; else ~/.local/share/zigbridge)",
    ),
    Option("name", "gateway.name", _text(GATEWAY_NAME_MAX), None, "gateway name shown to apps"),
    Option(
        "websocketnotifyall",
        "gateway.websocketnotifyall",
        _boolean(),
        None,
        "push whole state objects on each change (deCONZ's websocketnotifyall)",
    ),
    Option(
        "radio",
        "radio.type",
        _choice((*RADIO_TYPES, AUTO)),
        "sim",
        "radio type: "
        + "; ".join(f"{name}: {rtype.description}" for name, rtype in RADIO_TYPES.items())
        + f"; {AUTO}: find the stick by its USB id (or probe --device) and its type",
    ),
    Option(
        "device", "radio.device", _text(), None, "serial port (/dev/ttyUSB0) or socket://host:port"
    ),
    Option(
        "baudrate",
        "radio.baudrate",
        _integer(1200, 4_000_000),
        None,
        "serial speed (default: the stick's own when its USB id says, else the radio's usual)",
    ),
    Option(
        "zigpy",
        "radio.zigpy",
        _zigpy_options(),
        {},
        'options for zigpy and the radio library, e.g. {"znp_config": {"tx_power": 9}}',
    ),
    Option(
        "channel",
        "network.channel",
        _integer(11, 26),
        None,
        "Zigbee channel used when forming a new network",
    ),
    Option(
        "pan_id",
        "network.pan_id",
        _integer(0x0001, 0xFFFE, base=0),
        None,
        "PAN id used when forming a new network (e.g. 0x1A62)",
    ),
    Option("host", "server.host", _text(), "0.0.0.0", "address to listen on"),
    Option("http_port", "server.http_port", _integer(0, 65535), 8080, "REST API port"),
    Option("ws_port", "server.ws_port", _integer(0, 65535), 8088, "websocket port"),
    Option(
        "max_connections",
        "server.max_connections",
        _integer(1, 65535),
        DEFAULT_MAX_CONNECTIONS,
        "REST connections kept open at most; past it the longest idle one is closed",
    ),
    Option(
        "request_timeout",
        "server.request_timeout",
        _integer(1, 3600),
        DEFAULT_REQUEST_TIMEOUT,
        "seconds a REST client has to send its whole request",
    ),
    Option(
        "ws_max_clients",
        "server.ws_max_clients",
        _integer(1, 65535),
        DEFAULT_MAX_CLIENTS,
        "websocket connections at most; past it new clients are refused (HTTP 503)",
    ),
    Option(
        "ws_auth",
        "websocket.auth",
        _choice(("off", "required")),
        "off",
        "the deCONZ websocket stream: off (anyone, as deCONZ) or required "
        "(?apikey=<key> in the URL, else HTTP 401; Home Assistant's deCONZ integration "
        "cannot send one); /v1 always authenticates",
    ),
    Option(
        "ws_journal_events",
        "websocket.journal_events",
        _integer(1, 1_000_000),
        DEFAULT_MAX_EVENTS,
        "recent events kept in memory for websocket v1 clients that reconnect (resume)",
    ),
    Option(
        "history_days",
        "history.days",
        _integer(0, 3650),
        DEFAULT_HISTORY_DAYS,
        "days of sensor history kept in history.db (0: none is recorded)",
    ),
    Option("log_level", "log.level", _LEVEL, "INFO", "log level"),
    Option("log_format", "log.format", _choice(FORMATS), "text", "log line format"),
    Option(
        "log_levels",
        "log.levels",
        _namespace_levels(),
        {},
        f"levels per namespace ({', '.join(NAMESPACES)}), e.g. zigpy=DEBUG,radio=INFO",
    ),
    Option(
        "mqtt_url",
        "mqtt.url",
        _checked_text(mqtt_config.parse_url, "URL"),
        None,
        "MQTT broker to publish to, mqtt://[user:pass@]host[:port] or mqtts://… "
        "(default: no MQTT bridge)",
    ),
    Option(
        "mqtt_base_topic",
        "mqtt.base_topic",
        _checked_text(mqtt_config.check_base_topic, "TOPIC"),
        "zigbridge",
        "first topic level(s) of everything the bridge publishes",
    ),
    Option(
        "mqtt_gateway_id",
        "mqtt.gateway_id",
        _checked_text(mqtt_config.check_level, "ID"),
        None,
        "this gateway's topic level under the base topic (default: its bridgeid)",
    ),
    Option(
        "mqtt_commands",
        "mqtt.commands",
        _boolean(),
        True,
        "take commands from the broker (/set topics, bridge/request); off: publish only",
    ),
    Option(
        "mqtt_homeassistant",
        "mqtt.homeassistant",
        _boolean(),
        True,
        "publish Home Assistant MQTT discovery configs",
    ),
    Option(
        "mqtt_homeassistant_prefix",
        "mqtt.homeassistant_prefix",
        _checked_text(mqtt_config.check_base_topic, "TOPIC"),
        "homeassistant",
        "Home Assistant's discovery prefix",
    ),
    Option(
        "mqtt_qos",
        "mqtt.qos",
        _integer(0, 2),
        1,
        "QoS of what the bridge publishes (bridge/state is always 1)",
    ),
    Option(
        "mqtt_protocol",
        "mqtt.protocol",
        _choice(mqtt_config.PROTOCOLS),
        "3.1.1",
        "MQTT protocol version (NATS' MQTT listener takes only 3.1.1)",
    ),
    Option("mqtt_ca_file", "mqtt.ca_file", _path("FILE"), None, "CA certificate for mqtts://"),
    Option(
        "mqtt_cert_file", "mqtt.cert_file", _path("FILE"), None, "client certificate for mqtts://"
    ),
    Option("mqtt_key_file", "mqtt.key_file", _path("FILE"), None, "client key for mqtts://"),
    Option(
        "sim_devices",
        "sim.devices",
        _integer(0, 0xD000),
        None,
        "with --radio sim: a generated network of N devices instead of the demo home",
    ),
    Option(
        "sim_quiet",
        "sim.quiet",
        _boolean(),
        False,
        "with --radio sim: devices join but do not report by themselves",
    ),
    Option(
        "sim_join_on_permit",
        "sim.join_on_permit",
        _boolean(),
        False,
        "with --radio sim: one new simulated device joins each time joining is opened",
    ),
)
BY_NAME = {option.name: option for option in OPTIONS}
BY_KEY = {option.key: option for option in OPTIONS}


# ---- the settings, one section per TOML table ------------------------------------------
# Each option is the field its key names: `server.http_port` is `settings.server.http_port`.
# `build_settings` fills them from the table, so an option is one row above plus one field.


@dataclass(frozen=True, slots=True)
class GatewaySection:
    """deCONZ `/config` keys the file sets at every start (None: leave the stored value)."""

    name: str | None
    websocketnotifyall: bool | None


@dataclass(frozen=True, slots=True)
class RadioSection:
    type: str
    device: str | None
    baudrate: int | None
    zigpy: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NetworkSection:
    """Used only when a new network is formed."""

    channel: int | None
    pan_id: int | None


@dataclass(frozen=True, slots=True)
class ServerSection:
    host: str
    http_port: int
    ws_port: int
    max_connections: int
    request_timeout: int
    ws_max_clients: int

    @property
    def client_host(self) -> str:
        """Where a local client reaches the daemon: a wildcard address means loopback."""
        return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)

    @property
    def rest_url(self) -> str:
        host = self.client_host
        return f"http://{f'[{host}]' if ':' in host else host}:{self.http_port}"


@dataclass(frozen=True, slots=True)
class WebsocketSection:
    auth: str  # "off" | "required": the deCONZ stream (any path but /v1)
    journal_events: int

    @property
    def auth_required(self) -> bool:
        return self.auth == "required"


@dataclass(frozen=True, slots=True)
class HistorySection:
    """Sensor state values over time (`GET /sensors/<id>/history`)."""

    days: int  # retention; 0 turns recording off


@dataclass(frozen=True, slots=True)
class SimSection:
    """`--radio sim` only."""

    devices: int | None  # None: the demo home; N: a generated network of N devices
    quiet: bool
    join_on_permit: bool


@dataclass(frozen=True, slots=True)
class MqttSection:
    """The MQTT bridge; `url` None: no bridge at all."""

    url: str | None
    base_topic: str
    gateway_id: str | None
    commands: bool
    homeassistant: bool
    homeassistant_prefix: str
    qos: int
    protocol: str
    ca_file: Path | None
    cert_file: Path | None
    key_file: Path | None


@dataclass(frozen=True, slots=True)
class Settings:
    """The settings in effect, and the file they were read from (None: no file)."""

    config_file: Path | None
    data_dir: Path
    gateway: GatewaySection
    radio: RadioSection
    network: NetworkSection
    server: ServerSection
    websocket: WebsocketSection
    history: HistorySection
    log: LogSettings
    mqtt: MqttSection
    sim: SimSection


def build_settings(values: Mapping[str, Any], config_file: Path | None = None) -> Settings:
    """Settings from typed values by option name (`http_port`); the others take their
    default. Nothing is checked here: `load_settings` checks what a person wrote."""
    sections: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for option in OPTIONS:
        section, _, field_name = option.key.rpartition(".")
        into = sections.setdefault(section, {}) if section else top
        into[field_name] = values.get(option.name, option.default)
    types = get_type_hints(Settings)
    built = {section: types[section](**content) for section, content in sections.items()}
    return Settings(config_file=config_file, **top, **built)


# ---- where the values come from --------------------------------------------------------


def default_data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """systemd's StateDirectory when run as the service; the service's directory for root
    and the service user (so `sudo zigbridge devices` finds the running service); else the
    XDG per-user data directory."""
    state = env.get("STATE_DIRECTORY")
    if state:
        return Path(state.split(":")[0])
    if _is_admin_or_service_user() and SYSTEM_DATA_DIR.is_dir():
        return SYSTEM_DATA_DIR
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "zigbridge"


def _is_admin_or_service_user() -> bool:
    if os.geteuid() == 0:
        return True
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name == SERVICE_USER
    except (ImportError, KeyError):
        return False


def _checked(option: Option, value: Any, where: str, *, text: bool) -> Any:
    try:
        return option.kind.parse(value) if text else option.kind.check(value)
    except Invalid as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _from_cli(cli: Mapping[str, Any]) -> dict[str, Any]:
    """Command-line values: text, or booleans from --x/--no-x switches."""
    values = {}
    for name, value in cli.items():
        option = BY_NAME[name]
        values[name] = _checked(option, value, option.flag, text=isinstance(value, str))
    return values


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    by_env = {option.env: option for option in OPTIONS}
    values = {}
    for variable, text in env.items():
        if not variable.startswith(ENV_PREFIX) or variable == CONFIG_ENV:
            continue
        option = by_env.get(variable)
        if option is None:
            hint = _suggest(variable, [*by_env, CONFIG_ENV])
            raise ConfigError(f"unknown environment variable {variable}{hint}")
        values[option.name] = _checked(option, text, f"environment variable {variable}", text=True)
    return values


def _suggest(word: str, candidates: list[str]) -> str:
    import difflib  # only for a mistake: the daemon need not carry it

    close = difflib.get_close_matches(word, candidates, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def read_config_file(path: Path) -> dict[str, Any]:
    """The file's values by option name; every problem is a ConfigError naming the file."""
    import tomllib  # only when there is a file

    try:
        with path.open("rb") as fh:
            document = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {path} is a directory") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    sections = {key.partition(".")[0] for key in BY_KEY if "." in key}
    values: dict[str, Any] = {}
    for top, content in document.items():
        if top in sections:
            if not isinstance(content, dict):
                keys = ", ".join(k for k in BY_KEY if k.startswith(f"{top}."))
                raise ConfigError(
                    f"{path}: {top} must be a table ([{top}] with {keys}), not {_describe(content)}"
                )
            items = [(f"{top}.{key}", value) for key, value in content.items()]
        elif isinstance(content, dict):  # a misspelt table: name its keys in the error
            items = [(f"{top}.{key}", value) for key, value in content.items()] or [(top, {})]
        else:
            items = [(top, content)]
        for key, value in items:
            option = BY_KEY.get(key)
            if option is None:
                raise ConfigError(f"{path}: unknown key {key}{_suggest(key, list(BY_KEY))}")
            values[option.name] = _checked(option, value, f"{path}: {key}", text=False)
    if "data_dir" in values:  # relative to the file, not to wherever zigbridge was started
        values["data_dir"] = path.parent / values["data_dir"]
    return values


def config_path(cli: Mapping[str, Any], env: Mapping[str, str]) -> tuple[Path, bool]:
    """The config file to read and whether it was named explicitly (then it must exist)."""
    if cli.get("config"):
        return Path(cli["config"]).expanduser(), True
    if env.get(CONFIG_ENV):
        return Path(env[CONFIG_ENV]).expanduser(), True
    data_dir = cli.get("data_dir") or env.get(BY_NAME["data_dir"].env)
    base = Path(data_dir).expanduser() if data_dir else default_data_dir(env)
    return base / CONFIG_NAME, False


def load_settings(cli: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> Settings:
    """Resolve every option: command line > environment > file > default.

    `cli` holds only the options given on the command line (by option name), plus
    `config` for `--config`."""
    given = _from_cli({k: v for k, v in cli.items() if k != "config" and v is not None})
    from_env = _from_env(env)
    path, explicit = config_path(cli, env)
    config_file: Path | None = None
    from_file: dict[str, Any] = {}
    if explicit or path.exists():
        config_file = path
        from_file = read_config_file(path)
    resolved = {**from_file, **from_env, **given}
    if resolved.get("data_dir") is None:
        resolved["data_dir"] = default_data_dir(env)
    return build_settings(resolved, config_file)


def radio_settings(settings: Settings, **knobs: Any) -> RadioSettings:
    """What the radio layer needs; a real radio needs a device path. `knobs` are the
    radio's own fields the file has no option for (availability timeouts, reconnect
    backoff, probe timeout): tests and benchmarks set them."""
    from radio.controller import RadioSettings  # imports zigpy: only when a radio is opened

    radio, network = settings.radio, settings.network
    if radio.type not in ("sim", AUTO) and not radio.device:
        device = BY_NAME["device"]
        where = settings.config_file or "the config file"
        raise ConfigError(
            f"--radio {radio.type} needs --device (a serial port or socket://host:port; "
            f"or {device.env}, or {device.key} in {where})"
        )
    return RadioSettings(
        radio_type=radio.type,
        device_path=radio.device,
        data_dir=settings.data_dir,
        baudrate=radio.baudrate,
        channel=network.channel,
        pan_id=network.pan_id,
        zigpy_config=dict(radio.zigpy),
        **knobs,
    )
