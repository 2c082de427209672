"""The `zigbridge` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from gateway.preflight import StartupError
from radio.selection import RADIO_TYPES

EXIT_STARTUP = 2


def default_data_dir() -> Path:
    """systemd's StateDirectory when run as a service, else the XDG per-user data dir."""
    state = os.environ.get("STATE_DIRECTORY")
    if state:
        return Path(state.split(":")[0])
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "zigbridge"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zigbridge")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zigbridge",
        description="Zigbee gateway with a deCONZ-compatible REST API and websocket.",
    )
    parser.add_argument("--version", action="version", version=f"zigbridge {_version()}")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the gateway (the default)")
    for p in (parser, run):
        _add_run_options(p)
    return parser


def _add_run_options(p: argparse.ArgumentParser) -> None:
    radios = ", ".join(f"{name} ({t.description})" for name, t in RADIO_TYPES.items())
    p.add_argument(
        "--radio",
        choices=sorted(RADIO_TYPES),
        default="sim",
        help=f"radio type: {radios}",
    )
    p.add_argument("--device", help="serial port (/dev/ttyUSB0) or socket://host:port")
    p.add_argument("--baudrate", type=int, help="serial speed (default: the radio's usual)")
    p.add_argument("--data-dir", type=Path, default=None, help="where zigbridge keeps its data")
    p.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--http-port", type=int, default=8080, help="REST API port (default 8080)")
    p.add_argument("--ws-port", type=int, default=8088, help="websocket port (default 8088)")
    p.add_argument(
        "--channel",
        type=int,
        choices=range(11, 27),
        metavar="11-26",
        help="Zigbee channel used when forming a new network",
    )
    p.add_argument(
        "--sim-devices",
        type=int,
        metavar="N",
        help="with --radio sim: a generated network of N devices instead of the demo home",
    )
    p.add_argument(
        "--sim-quiet",
        action="store_true",
        help="with --radio sim: devices join but do not report by themselves",
    )
    p.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="log level",
    )


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=getattr(logging, level),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    if level != "DEBUG":
        # zigpy and the radio libraries are chatty at INFO about things users can't act on.
        for name in ("zigpy", "bellows", "zigpy_znp", "zigpy_deconz", "aiosqlite"):
            logging.getLogger(name).setLevel(logging.WARNING)


def settings_from_args(args: argparse.Namespace):
    from gateway.daemon import DaemonSettings
    from radio.controller import RadioSettings

    if args.sim_devices is not None and args.sim_devices < 0:
        raise StartupError("--sim-devices must be 0 or more")
    if args.radio != "sim" and not args.device:
        raise StartupError(f"--radio {args.radio} needs --device (a serial port or socket://)")
    return DaemonSettings(
        radio=RadioSettings(
            radio_type=args.radio,
            device_path=args.device,
            baudrate=args.baudrate,
            data_dir=args.data_dir or default_data_dir(),
            channel=args.channel,
        ),
        host=args.host,
        http_port=args.http_port,
        ws_port=args.ws_port,
        sim_devices=args.sim_devices,
        demo_live=not args.sim_quiet,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.log_level)
    try:
        settings = settings_from_args(args)
        from gateway.daemon import Daemon

        asyncio.run(Daemon(settings).run_until_signal())
    except StartupError as exc:
        print(f"zigbridge: {exc}", file=sys.stderr)
        return EXIT_STARTUP
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
