"""The config file, the environment and the command line: precedence, every kind of mistake
as one line naming the setting and where it came from, before anything starts, and each
option at the path its key names."""

from __future__ import annotations

import subprocess
from dataclasses import fields, is_dataclass
from operator import attrgetter
from pathlib import Path

import pytest
import websockets

from gateway.daemon.settings import (
    BY_KEY,
    BY_NAME,
    OPTIONS,
    ConfigError,
    build_settings,
    load_settings,
    radio_settings,
    read_config_file,
)
from tests.gateway.cli.test_main import clean_env, zigbridge
from tests.gateway.conftest import WsClient, run_daemon, stop_daemon

ROOT = Path(__file__).resolve().parents[3]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment whose default data dir is under tmp_path (as under systemd)."""
    return {"STATE_DIRECTORY": str(tmp_path / "state"), **extra}


def test_defaults_without_a_file(tmp_path):
    settings = load_settings({}, base_env(tmp_path))
    assert settings.config_file is None
    assert settings.data_dir == tmp_path / "state"
    server = settings.server
    assert (settings.radio.type, server.host, server.http_port, server.ws_port) == (
        "sim", "0.0.0.0", 8080, 8088,
    )  # fmt: skip
    assert (settings.log.level, settings.log.format, settings.log.levels) == ("INFO", "text", {})
    assert server.rest_url == "http://127.0.0.1:8080"


def test_the_default_file_is_in_the_data_dir(tmp_path):
    write(tmp_path / "state" / "zigbridge.toml", "[server]\nhttp_port = 1111\n")
    settings = load_settings({}, base_env(tmp_path))
    assert settings.server.http_port == 1111
    assert settings.config_file == tmp_path / "state" / "zigbridge.toml"
    # the data dir given on the command line or in the environment moves the default file
    write(tmp_path / "other" / "zigbridge.toml", "[server]\nhttp_port = 2222\n")
    moved = load_settings({"data_dir": str(tmp_path / "other")}, base_env(tmp_path))
    assert moved.server.http_port == 2222
    env = base_env(tmp_path, ZIGBRIDGE_DATA_DIR=str(tmp_path / "other"))
    assert load_settings({}, env).server.http_port == 2222


FILE = """\
data_dir = "data"
[gateway]
name = "Attic"
websocketnotifyall = false
[radio]
type = "znp"
device = "/dev/ttyFILE"
baudrate = 115200
zigpy = { znp_config = { tx_power = 9 } }
[network]
channel = 20
pan_id = 0x1A62
[server]
host = "127.0.0.1"
http_port = 1111
ws_port = 1112
[log]
level = "debug"
format = "json"
levels = { zigpy = "INFO", radio = "DEBUG" }
[sim]
devices = 3
quiet = true
join_on_permit = true
"""


def test_every_key_from_the_file(tmp_path):
    path = write(tmp_path / "z.toml", FILE)
    settings = load_settings({"config": str(path)}, {})
    assert settings.config_file == path
    assert settings.data_dir == tmp_path / "data"  # relative to the file
    gateway, radio, network, server, log, sim = (
        settings.gateway, settings.radio, settings.network, settings.server, settings.log,
        settings.sim,
    )  # fmt: skip
    assert (gateway.name, gateway.websocketnotifyall) == ("Attic", False)
    assert (radio.type, radio.device, radio.baudrate) == ("znp", "/dev/ttyFILE", 115200)
    assert radio.zigpy == {"znp_config": {"tx_power": 9}}
    assert (network.channel, network.pan_id) == (20, 0x1A62)
    assert (server.host, server.http_port, server.ws_port) == ("127.0.0.1", 1111, 1112)
    assert (log.level, log.format) == ("DEBUG", "json")
    assert log.levels == {"zigpy": "INFO", "radio": "DEBUG"}
    assert (sim.devices, sim.quiet, sim.join_on_permit) == (3, True, True)
    radio = radio_settings(settings)
    assert (radio.device_path, radio.channel, radio.pan_id) == ("/dev/ttyFILE", 20, 0x1A62)
    assert radio.zigpy_config == {"znp_config": {"tx_power": 9}}


def test_precedence_cli_over_environment_over_file_over_defaults(tmp_path):
    path = write(tmp_path / "z.toml", FILE)
    env = {
        "ZIGBRIDGE_CONFIG": str(path),
        "ZIGBRIDGE_HTTP_PORT": "2221",
        "ZIGBRIDGE_DEVICE": "/dev/ttyENV",
        "ZIGBRIDGE_SIM_QUIET": "no",
        "ZIGBRIDGE_LOG_LEVELS": "api=WARNING",
        "ZIGBRIDGE_PAN_ID": "0x2B73",
    }
    cli = {"http_port": "3331", "sim_quiet": True, "log_level": "warning"}
    settings = load_settings(cli, env)
    assert settings.server.http_port == 3331  # command line
    assert settings.sim.quiet is True  # command line switch over environment "no"
    assert settings.log.level == "WARNING"  # command line over file
    assert settings.radio.device == "/dev/ttyENV"  # environment over file
    assert settings.network.pan_id == 0x2B73  # environment, hex
    assert settings.log.levels == {"api": "WARNING"}  # the environment's table replaces the file's
    assert settings.server.ws_port == 1112  # file over default
    assert settings.radio.baudrate == 115200  # file
    assert load_settings({}, {"STATE_DIRECTORY": str(tmp_path)}).server.ws_port == 8088


def test_explicit_config_wins_over_environment_config(tmp_path):
    a = write(tmp_path / "a.toml", "[server]\nhttp_port = 1\n")
    b = write(tmp_path / "b.toml", "[server]\nhttp_port = 2\n")
    assert load_settings({"config": str(a)}, {"ZIGBRIDGE_CONFIG": str(b)}).server.http_port == 1
    assert load_settings({}, {"ZIGBRIDGE_CONFIG": str(b)}).server.http_port == 2


FILE_ERRORS = [
    ("[radio]\ndevcie = '/dev/ttyUSB0'\n", "unknown key radio.devcie (did you mean radio.device?)"),
    ("[radoi]\ntype = 'znp'\n", "unknown key radoi.type (did you mean radio.type?)"),
    ("http_port = 1\n", "unknown key http_port (did you mean server.http_port?)"),
    ("radio = 'znp'\n", "radio must be a table ([radio] with radio.type, radio.device, "),
    ("[server]\nhttp_port = '8080'\n", "server.http_port: must be an integer from 0 to 65535, "
                                       "not a string ('8080')"),
    ("[server]\nhttp_port = 70000\n", "server.http_port: must be an integer from 0 to 65535, "
                                      "not 70000"),
    ("[server]\nws_port = true\n", "server.ws_port: must be an integer from 0 to 65535, "
                                   "not a boolean (True)"),
    ("[server]\nhost = 127\n", "server.host: must be a string, not an integer (127)"),
    ("[network]\nchannel = 27\n", "network.channel: must be an integer from 11 to 26, not 27"),
    ("[network]\npan_id = 0xFFFF\n", "network.pan_id: must be an integer from 1 to 65534"),
    ("[radio]\ntype = 'zstack'\n", "radio.type: must be one of ezsp, znp, deconz, sim, "
                                   "auto, not 'zstack'"),
    ("[radio]\nbaudrate = 115200.0\n", "radio.baudrate: must be an integer from 1200 to 4000000, "
                                       "not a number (115200.0)"),
    ("[radio]\ndevice = ''\n", "radio.device: must not be empty"),
    ("[gateway]\nname = 'A very long gateway name'\n", "gateway.name: must be at most 16 "
                                                        "characters, not 24"),
    ("[gateway]\nwebsocketnotifyall = 'yes'\n", "gateway.websocketnotifyall: must be true or "
                                                "false, not a string ('yes')"),
    ("[log]\nlevel = 'LOUD'\n", "log.level: must be one of DEBUG, INFO, WARNING, ERROR, "
                                "not 'LOUD'"),
    ("[log]\nformat = 'xml'\n", "log.format: must be one of text, json, not 'xml'"),
    ("[log]\nlevels = 'DEBUG'\n", "log.levels: must be a table such as"),
    ("[log]\nlevels = { zigbee = 'DEBUG' }\n", "log.levels: has unknown namespace 'zigbee'"),
    ("[log]\nlevels = { zigpy = 'LOUD' }\n", "log.levels: zigpy: must be one of DEBUG"),
    ("[sim]\ndevices = -1\n", "sim.devices: must be an integer from 0 to 53248, not -1"),
    ("[history]\ndays = -1\n", "history.days: must be an integer from 0 to 3650, not -1"),
    ("[radio]\nzigpy = 9\n", "radio.zigpy: must be a table such as { znp_config = "),
    ("[radio.zigpy]\ndatabase_path = 'x'\n", "radio.zigpy: must not set 'database_path': use "
                                              "--data-dir"),
    ("[mqtt]\nurl = 'http://broker'\n", "mqtt.url: must start with mqtt:// or mqtts://, "
                                       "not 'http://broker'"),
    ("[mqtt]\nurl = 'mqtt://'\n", "mqtt.url: names no broker host: 'mqtt://'"),
    ("[mqtt]\nurl = 'mqtt://host:99999'\n", "mqtt.url: is not a valid URL"),
    ("[mqtt]\nurl = 'mqtt://host/topic'\n", "mqtt.url: must be only mqtt[s]://[user:pass@]host"),
    ("[mqtt]\ngateway_id = 'my house'\n", "mqtt.gateway_id: must be letters, digits, _ and - "
                                           "only, not 'my house'"),
    ("[mqtt]\nbase_topic = 'zigbridge/#'\n", "mqtt.base_topic: must be topic levels of"),
    ("[mqtt]\nbase_topic = '/zigbridge'\n", "mqtt.base_topic: must be topic levels of"),
    ("[mqtt]\nqos = 3\n", "mqtt.qos: must be an integer from 0 to 2, not 3"),
    ("[mqtt]\nprotocol = '3.1'\n", "mqtt.protocol: must be one of 3.1.1, 5, not '3.1'"),
    ("[server\nhttp_port = 1\n", "not valid TOML: "),
    ("[server]\nhttp_port = 1\nhttp_port = 2\n", "not valid TOML: "),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), FILE_ERRORS)
def test_each_file_error_names_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path / "zigbridge.toml", text)
    with pytest.raises(ConfigError) as info:
        load_settings({"config": str(path)}, {})
    assert str(info.value).startswith(f"{path}: {message}")
    assert "\n" not in str(info.value)


def test_missing_or_unreadable_explicit_files(tmp_path):
    with pytest.raises(ConfigError, match=f"config file {tmp_path}/nope.toml does not exist"):
        load_settings({"config": str(tmp_path / "nope.toml")}, {})
    with pytest.raises(ConfigError, match=f"config file {tmp_path} is a directory"):
        load_settings({}, {"ZIGBRIDGE_CONFIG": str(tmp_path)})
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[server]")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"config": str(binary)}, {})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ZIGBRIDGE_HTTP_PORT": "http"}, "environment variable ZIGBRIDGE_HTTP_PORT: must be an "
                                          "integer from 0 to 65535, not 'http'"),
        ({"ZIGBRIDGE_SIM_QUIET": "maybe"}, "environment variable ZIGBRIDGE_SIM_QUIET: must be true "
                                           "or false"),
        ({"ZIGBRIDGE_LOG_LEVELS": "zigpy"}, "environment variable ZIGBRIDGE_LOG_LEVELS: must be "
                                            "NAMESPACE=LEVEL pairs"),
        ({"ZIGBRIDGE_ZIGPY": "tx_power=9"}, "environment variable ZIGBRIDGE_ZIGPY: must be a JSON "
                                            "object such as"),
        ({"ZIGBRIDGE_PORT": "1"}, "unknown environment variable ZIGBRIDGE_PORT (did you mean "
                                  "ZIGBRIDGE_WS_PORT?)"),
    ],
)  # fmt: skip
def test_environment_errors_name_the_variable(tmp_path, env, message):
    with pytest.raises(ConfigError) as info:
        load_settings({}, base_env(tmp_path, **env))
    assert str(info.value).startswith(message)


def test_the_mqtt_section_from_file_environment_and_command_line(tmp_path):
    path = write(
        tmp_path / "zigbridge.toml",
        "[mqtt]\nurl = 'mqtts://me:p%40ss@broker.lan'\nbase_topic = 'home/zb'\nqos = 0\n",
    )
    env = base_env(tmp_path, ZIGBRIDGE_MQTT_GATEWAY_ID="attic")
    settings = load_settings({"config": str(path), "mqtt_commands": False}, env)
    mqtt = settings.mqtt
    assert (mqtt.url, mqtt.base_topic, mqtt.gateway_id, mqtt.qos) == (
        "mqtts://me:p%40ss@broker.lan", "home/zb", "attic", 0,
    )  # fmt: skip
    assert (mqtt.commands, mqtt.homeassistant, mqtt.protocol) == (False, True, "3.1.1")
    from gateway.mqtt.config import bridge_config

    broker = bridge_config(mqtt).broker
    assert (broker.host, broker.port, broker.tls) == ("broker.lan", 8883, True)
    assert (broker.username, broker.password) == ("me", "p@ss")
    assert broker.address == "mqtts://broker.lan:8883"  # what the logs show: no password
    assert load_settings({}, base_env(tmp_path)).mqtt.url is None  # no url: no bridge


def test_command_line_errors_name_the_flag(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_settings({"channel": "5"}, base_env(tmp_path))
    assert str(info.value) == "--channel: must be an integer from 11 to 26, not 5"
    with pytest.raises(ConfigError) as info:
        load_settings({"zigpy": "[9]"}, base_env(tmp_path))
    assert str(info.value) == (
        '--zigpy: must be a JSON object such as {"znp_config": {"tx_power": 9}}, not \'[9]\''
    )


def test_a_real_radio_needs_a_device_from_somewhere(tmp_path):
    path = write(tmp_path / "z.toml", "[radio]\ntype = 'ezsp'\n")
    settings = load_settings({"config": str(path)}, {})
    with pytest.raises(ConfigError) as info:
        radio_settings(settings)
    assert str(info.value) == (
        "--radio ezsp needs --device (a serial port or socket://host:port; or "
        f"ZIGBRIDGE_DEVICE, or radio.device in {path})"
    )


def run_zigbridge(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(zigbridge(*args), capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("command", [[], ["run"], ["devices"], ["permit-join"]])
def test_a_bad_file_stops_every_command_before_anything_starts(tmp_path, command):
    data_dir = tmp_path / "data"
    path = write(tmp_path / "zigbridge.toml", "[server]\nhttp_port = 'eighty'\n")
    env = clean_env(ZIGBRIDGE_DATA_DIR=str(data_dir))
    result = run_zigbridge("--config", str(path), *command, env=env)
    assert result.returncode == 2
    assert result.stderr == (
        f"zigbridge: {path}: server.http_port: must be an integer from 0 to 65535, "
        "not a string ('eighty')\n"
    )
    assert result.stdout == ""
    assert not data_dir.exists()  # nothing started, nothing created


def test_a_bad_environment_variable_stops_the_start(tmp_path):
    env = clean_env(ZIGBRIDGE_DATA_DIR=str(tmp_path / "data"), ZIGBRIDGE_RADIO="zstack")
    result = run_zigbridge(env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "zigbridge: environment variable ZIGBRIDGE_RADIO: must be one of ezsp, znp, deconz, "
        "sim, auto, not 'zstack'\n"
    )


def test_the_example_config_is_valid_and_documents_every_key():
    example = ROOT / "systemd" / "zigbridge.toml"
    assert read_config_file(example)["radio"] == "znp"
    text = example.read_text()
    readme = (ROOT / "README.md").read_text()
    for option in OPTIONS:
        key = option.key.rpartition(".")[2]
        assert f"{key} =" in text, f"{option.key} is missing from {example}"
        assert f"`{option.key}`" in readme, f"{option.key} is missing from README.md"
        assert f"`{option.env}`" in readme, f"{option.env} is missing from README.md"
    assert set(BY_KEY) == {o.key for o in OPTIONS}


def test_each_option_is_the_field_its_key_names_and_each_field_an_option():
    """What makes an option one row in OPTIONS plus one field: `build_settings` fills
    every field from the table, at the path the option's key names, with no mapping of
    its own (a row without its field, or a field without its row, fails here)."""
    marked = {option.name: object() for option in OPTIONS}
    settings = build_settings(marked)
    paths = set()
    for field in fields(settings):
        value = getattr(settings, field.name)
        if is_dataclass(value):
            paths |= {f"{field.name}.{inner.name}" for inner in fields(value)}
        elif field.name != "config_file":
            paths.add(field.name)
    assert paths == set(BY_KEY)
    for option in OPTIONS:
        assert attrgetter(option.key)(settings) is marked[option.name], option.key


def test_defaults_come_from_the_table(tmp_path):
    settings = build_settings({"data_dir": tmp_path})
    for option in OPTIONS:
        if option.name != "data_dir":
            assert attrgetter(option.key)(settings) == option.default, option.key


def test_radio_options_name_the_option_as_the_settings_do():
    from radio.options import WHERE

    option = BY_NAME["zigpy"]
    assert f"{option.key} ({option.flag})" == WHERE


RUNNING = """\
data_dir = "data"
[gateway]
name = "Attic"
websocketnotifyall = false
[server]
host = "127.0.0.1"
http_port = 0
ws_port = 0
[sim]
quiet = {quiet}
"""


@pytest.mark.parametrize("quiet", [True, False])
async def test_the_file_reaches_the_running_gateway_under_its_own_names(tmp_path, quiet):
    path = write(tmp_path / "zigbridge.toml", RUNNING.format(quiet=str(quiet).lower()))
    gw = await run_daemon(load_settings({"config": str(path)}, {}))
    ws = WsClient(await websockets.connect(gw.ws_url))
    try:
        config = await gw.get("/config")
        assert (config["name"], config["websocketnotifyall"]) == ("Attic", False)
        assert gw.daemon.demo.live is not quiet
        if not quiet:  # the demo's thermometer reports by itself (it does not at the start)
            await ws.wait(lambda e: "temperature" in e.get("state", {}), timeout=20)
    finally:
        await ws.close()
        await stop_daemon(gw)


def test_the_connection_limits_default_as_the_servers_do():
    from gateway.rest.guard import DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT
    from gateway.ws.server import DEFAULT_MAX_CLIENTS

    assert BY_NAME["max_connections"].default == DEFAULT_MAX_CONNECTIONS
    assert BY_NAME["request_timeout"].default == DEFAULT_REQUEST_TIMEOUT
    assert BY_NAME["ws_max_clients"].default == DEFAULT_MAX_CLIENTS
