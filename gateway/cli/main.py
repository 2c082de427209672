"""The `zigbridge` command line: `run` (the default) starts the gateway; the other
subcommands talk to a running one (or, for `radios` and `restore`, to the hardware).

Settings come from the command line, the environment and the config file (see
`gateway.daemon.settings`). Every problem a person can fix is one line on stderr starting
`zigbridge: `, never a traceback. Exit status: 0 done, 1 the gateway refused or a
request failed, 2 bad usage, configuration or start-up conditions, 3 the daemon is not
running, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from gateway.app.version import version
from gateway.daemon.logs import LogSettings, StartupLogHold, configure_logging
from gateway.daemon.preflight import StartupError
from gateway.daemon.settings import OPTIONS, Settings, load_settings

EXIT_FAILED = 1
EXIT_STARTUP = 2
EXIT_NOT_RUNNING = 3
EXIT_INTERRUPTED = 130

EPILOG = """\
Every option can also be set in the config file (default <data-dir>/zigbridge.toml) or in
the environment as ZIGBRIDGE_<OPTION>, e.g. ZIGBRIDGE_HTTP_PORT=8080. The command line
wins over the environment, which wins over the file. See README.md for the file's keys.
"""
LOCATING = ("data_dir", "host", "http_port")  # what a client command needs to find the daemon


class Parser(argparse.ArgumentParser):
    """Usage errors as one `zigbridge: ` line (exit 2), like every other problem."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_STARTUP, f"zigbridge: {message} (see `{self.prog} --help`)\n")


CLIENT_HELP = {
    "host": "where the daemon listens (0.0.0.0 means this machine)",
    "http_port": "the daemon's REST API port",
}


def _add_options(parser: argparse.ArgumentParser, names: tuple[str, ...] | None = None) -> None:
    """Settings options; absent ones stay absent (SUPPRESS), so that the environment and
    the file can supply them and a subcommand does not reset what came before it. `names`
    limits them to those a client command needs to find the daemon."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="config file (default: <data-dir>/zigbridge.toml; env ZIGBRIDGE_CONFIG)",
    )
    for option in OPTIONS:
        if names is not None and option.name not in names:
            continue
        default = option.default if option.default not in (None, {}, False) else None
        suffix = f" (default {default})" if default is not None else ""
        help_ = (CLIENT_HELP.get(option.name) if names else None) or option.help + suffix
        if option.kind.flag:
            parser.add_argument(
                option.flag,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=help_,
            )
        else:
            parser.add_argument(
                option.flag,
                metavar=option.kind.metavar or option.name.split("_")[-1].upper(),
                default=argparse.SUPPRESS,
                help=help_,
            )


class _Version(argparse.Action):
    """`--version`, looked up only when asked (argparse's own action formats it up front)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(f"zigbridge {version()}")  # on stdout, as argparse's version action does
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="zigbridge",
        description="Zigbee gateway with a deCONZ-compatible REST API and websocket.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    _add_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_: str, options: tuple[str, ...] | None = LOCATING) -> Any:
        p = sub.add_parser(name, help=help_, description=help_)
        _add_options(p, options)
        return p

    command("run", "run the gateway (the default)", None)
    p = command("permit-join", "open the network for new devices and show them as they join")
    p.add_argument(
        "seconds",
        nargs="?",
        type=_seconds(0, 254),
        default=60,
        metavar="SECONDS",
        help="how long joining stays open (default 60, at most 254; 0 closes it)",
    )
    p = command("devices", "list the lights and sensors, and devices that have none")
    p.add_argument("--json", action="store_true", help="print the REST API's JSON instead")
    p = command("reinterview", "interview a device again (e.g. after its first one failed)")
    p.add_argument("mac", metavar="MAC", help="the device's IEEE address (00:11:22:...)")
    p = command("apikey", "create, list or delete API keys")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    def action(name: str, help_: str) -> Any:
        # The locating options again, so they may come after the action as after any command.
        a = actions.add_parser(name, help=help_, description=help_)
        _add_options(a, LOCATING)
        return a

    created = action("create", "create a key for an app and print it")
    created.add_argument(  # not `name`: that is --name, the gateway's own
        "key_name", metavar="NAME", help="who the key is for, e.g. 'home-assistant'"
    )
    created.add_argument(
        "--read-only",
        action="store_true",
        help="a key that can read everything and change nothing (every write is refused)",
    )
    action("list", "list the keys")
    action("delete", "delete a key").add_argument("key")
    p = command("unlock", "let apps register (as the Phoscon button does) for SECONDS")
    p.add_argument(
        "seconds",
        nargs="?",
        type=_seconds(0, 600),
        default=60,
        metavar="SECONDS",
        help="how long (default 60, at most 600; 0 locks the gateway again)",
    )
    p = command(
        "radios",
        "list serial ports and the Zigbee sticks on them",
        (*LOCATING, "device", "baudrate"),
    )
    p.add_argument(
        "--probe",
        action="store_true",
        help="ask each known stick (and --device) which radio type it speaks, as --radio auto "
        "does; only reads from the sticks; refused while zigbridge runs",
    )
    p = command("backup", "save a backup of the Zigbee network (Open Coordinator Backup JSON)")
    p.add_argument("file", nargs="?", help="where to save it (default: a dated file; - for stdout)")
    p = command("restore", "write a network backup to the stick (zigbridge must be stopped)", None)
    p.add_argument(
        "file",
        help="a backup from `zigbridge backup`, <data-dir>/backups/, zigpy-cli, ZHA or "
        "Zigbee2MQTT (coordinator_backup.json)",
    )
    p.add_argument("--force", action="store_true", help="replace another network on the stick")
    return parser


def _seconds(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"SECONDS must be {low} to {high}, not {text!r}")
        return int(text)

    return parse


def run(settings: Settings) -> int:
    from gateway.daemon.daemon import Daemon

    daemon = Daemon(settings)  # ConfigError for what the options alone can't catch
    configure_logging(settings.log)
    hold = StartupLogHold() if settings.log.level != "DEBUG" else None
    try:
        asyncio.run(daemon.run_until_signal(on_running=hold.release if hold else None))
    except StartupError:
        if hold is not None:
            hold.discard()  # the one line says it all
        raise
    finally:
        if hold is not None:
            hold.release()
    return 0


# Subcommand → function in gateway.cli.commands, imported (with gateway.cli.client) only when
# one runs: the daemon (`run`) never needs them, and every module it loads stays in its
# memory for good.
COMMANDS: dict[str, str] = {
    "permit-join": "permit_join",
    "devices": "devices",
    "reinterview": "reinterview",
    "apikey": "apikey",
    "unlock": "unlock",
    "radios": "radios",
    "backup": "backup",
    "restore": "restore",
}


def _client_command(name: str, settings: Settings, args: argparse.Namespace) -> int:
    from gateway.cli import commands
    from gateway.cli.client import ClientError, DaemonNotRunning

    try:
        return getattr(commands, COMMANDS[name])(settings, args)
    except DaemonNotRunning as exc:
        return _fail(exc, EXIT_NOT_RUNNING)
    except ClientError as exc:
        return _fail(exc, EXIT_FAILED)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given = {o.name: getattr(args, o.name) for o in OPTIONS if hasattr(args, o.name)}
    given["config"] = getattr(args, "config", None)
    try:
        settings = load_settings(given)
        if args.command in (None, "run"):
            return run(settings)
        configure_logging(LogSettings("WARNING", settings.log.format, {}))
        return _client_command(args.command, settings, args)
    except StartupError as exc:
        return _fail(exc, EXIT_STARTUP)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _fail(exc: Exception, status: int) -> int:
    print(f"zigbridge: {exc}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
