"""The subcommands that talk to a running zigbridge (and `radios`, `restore`, which talk to
the hardware). Each takes the resolved settings and its arguments, prints plain lines (no
terminal tricks, so they read the same in a pipe, a log or a test) and returns the exit
status. Problems are raised (`ClientError`, `DaemonNotRunning`) for `cli.main` to print.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from gateway.cli.client import ClientError, DaemonNotRunning, GatewayClient, error_description
from gateway.daemon.preflight import StartupError
from gateway.daemon.settings import Settings, radio_settings
from radio.selection import AUTO

COUNTDOWN_EVERY = 5.0  # seconds between "n s left" lines while joining is open
EXIT_INTERRUPTED = 130


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    rows = [list(map(str, row)) for row in rows]
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=True)]
    lines = [headers, *rows]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def _say(out: TextIO, text: str = "") -> None:
    print(text, file=out, flush=True)


def age(lastseen: str | None, now: datetime | None = None) -> str:
    """deCONZ's `lastseen` (UTC, minute precision) as "3 min ago"."""
    if not lastseen:
        return "never"
    for fmt in ("%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            seen = datetime.strptime(lastseen, fmt).replace(tzinfo=UTC)
            break
        except ValueError:
            continue
    else:
        return lastseen
    seconds = ((now or datetime.now(UTC)) - seen).total_seconds()
    if seconds < 120:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds // 60)} min ago"


# ---- permit-join ------------------------------------------------------------------------


def _ieee(uniqueid: str) -> str:
    return uniqueid.split("-")[0]


class JoinWatcher:
    """Turns websocket `added` events into lines, one header per new physical device."""

    def __init__(self, out: TextIO):
        self.out = out
        self.devices: dict[str, list[str]] = {}

    def handle(self, event: dict[str, Any]) -> None:
        if event.get("e") != "added" or event.get("r") not in ("lights", "sensors"):
            return
        noun = "light" if event["r"] == "lights" else "sensor"
        resource = event.get(noun, {})
        ieee = _ieee(str(event.get("uniqueid") or resource.get("uniqueid", "")))
        if ieee not in self.devices:
            self.devices[ieee] = []
            model = resource.get("modelid") or "unknown model"
            maker = resource.get("manufacturername") or "unknown maker"
            _say(self.out, f"Joined and interviewed: {ieee}, {model} by {maker}")
        self.devices[ieee].append(f"{event['r']}/{event['id']}")
        _say(
            self.out,
            f'  {noun} {event["id"]} "{resource.get("name", "")}" ({resource.get("type", "?")})',
        )


def permit_join(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    client = GatewayClient(settings)
    seconds = args.seconds
    if seconds == 0:
        client.api("PUT", "/config", {"permitjoin": 0})
        _say(out, "Joining closed.")
        return 0
    from websockets.exceptions import ConnectionClosed

    ws = client.websocket()  # before opening the network, so that no join is missed
    watcher = JoinWatcher(out)
    try:
        client.api("PUT", "/config", {"permitjoin": seconds})
        _say(out, f"Joining is open for {seconds} s: put the device in pairing mode now.")
        start = time.monotonic()
        deadline = start + seconds
        next_line = start + COUNTDOWN_EVERY
        while (now := time.monotonic()) < deadline:
            if now >= next_line:
                _say(out, f"  {math.ceil(deadline - now)} s left")
                next_line += COUNTDOWN_EVERY
            try:
                frame = ws.recv(timeout=max(0.05, min(deadline, next_line) - now))
            except TimeoutError:
                continue
            watcher.handle(json.loads(frame))
    except KeyboardInterrupt:
        client.api("PUT", "/config", {"permitjoin": 0})
        _say(out, f"Joining closed early; {_joined(watcher)}.")
        return EXIT_INTERRUPTED
    except (OSError, ConnectionClosed) as exc:  # the daemon stopped
        raise ClientError(f"lost the connection to zigbridge: {exc}") from None
    finally:
        ws.close()
    _say(out, f"Joining closed; {_joined(watcher)}.")
    return 0


def _joined(watcher: JoinWatcher) -> str:
    n = len(watcher.devices)
    return "no new devices" if n == 0 else f"{n} new device{'s' if n > 1 else ''}"


# ---- devices, keys, unlock ---------------------------------------------------------------


def devices(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    client = GatewayClient(settings)
    lights = client.api("GET", "/lights")
    sensors = client.api("GET", "/sensors")
    served = {_ieee(str(r.get("uniqueid", ""))) for r in (*lights.values(), *sensors.values())}
    unserved = [
        client.api("GET", f"/devices/{mac}")
        for mac in client.api("GET", "/devices")
        if mac not in served
    ]
    if args.json:
        listing = {"lights": lights, "sensors": sensors, "unsupported": unserved}
        _say(out, json.dumps(listing, indent=2, sort_keys=True))
        return 0
    rows = []
    for kind, resources in (("lights", lights), ("sensors", sensors)):
        for rid in sorted(resources, key=lambda r: (len(r), r)):
            item = resources[rid]
            reachable = (item.get("state") if kind == "lights" else item.get("config")) or {}
            rows.append(
                (
                    f"{kind}/{rid}",
                    item.get("name", ""),
                    item.get("type", ""),
                    item.get("modelid", ""),
                    "yes" if reachable.get("reachable") else "no",
                    age(item.get("lastseen")),
                )
            )
    for device in unserved:
        status = device.get("zigbridge", {}).get("status", "unsupported")
        row = (device["uniqueid"], device["name"], status, device["modelid"], "-")
        rows.append((*row, age(device.get("lastseen"))))
    if not rows:
        _say(out, "No devices yet: `zigbridge permit-join` opens the network for one to join.")
        return 0
    _say(out, table(("ID", "NAME", "TYPE", "MODEL", "REACHABLE", "LAST SEEN"), rows))
    if unserved:
        _say(out)
        _say(out, "Devices with no light or sensor, and what they are made of:")
        for device in unserved:
            _describe_unserved(device, out)
    return 0


def _describe_unserved(device: dict[str, Any], out: TextIO) -> None:
    extension = device.get("zigbridge", {})
    maker = device.get("manufacturername") or "unknown maker"
    _say(out, f"  {device['uniqueid']}  {device.get('modelid') or 'unknown model'} by {maker}:")
    endpoints = extension.get("endpoints", [])
    for ep in endpoints:
        ins = " ".join(ep["inclusters"]) or "-"
        outs = " ".join(ep["outclusters"]) or "-"
        _say(
            out,
            f"    ep{ep['endpoint']} profile {ep['profile']} device {ep['devicetype']}: "
            f"in {ins}; out {outs}",
        )
    if extension.get("status") == "interview failed" or not endpoints:
        _say(out, f"    not interviewed: `zigbridge reinterview {device['uniqueid']}` tries again")


def reinterview(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    GatewayClient(settings).api("PUT", f"/devices/{args.mac}", {"reinterview": True})
    _say(
        out,
        f"Interviewing {args.mac} again; its lights and sensors appear as it answers "
        "(`zigbridge devices`).",
    )
    return 0


def apikey(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    client = GatewayClient(settings)
    if args.action == "create":
        _say(out, client.create_key(args.key_name, "read" if args.read_only else "control"))
        return 0
    if args.action == "delete":
        answer = client.api("DELETE", f"/config/whitelist/{args.key}")
        if not answer:
            raise ClientError(f"there is no API key {args.key}")
        _say(out, f"Deleted API key {args.key}.")
        return 0
    whitelist = client.api("GET", "/config")["whitelist"]
    mine = client.key()
    rows = [
        (
            key,
            entry.get("name", "") + (" (this command line)" if key == mine else ""),
            entry.get("scope", "control"),
            entry.get("create date", ""),
            entry.get("last use date", ""),
        )
        for key, entry in sorted(whitelist.items(), key=lambda kv: kv[1].get("create date", ""))
    ]
    _say(out, table(("KEY", "NAME", "SCOPE", "CREATED (UTC)", "LAST USED (UTC)"), rows))
    return 0


def unlock(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    GatewayClient(settings).api("PUT", "/config", {"unlock": args.seconds})
    if args.seconds == 0:
        _say(out, "The gateway is locked: apps can no longer register without a key.")
        return 0
    _say(
        out,
        f"The gateway is unlocked for {args.seconds} s: an app may now register and get an "
        "API key (POST /api), as after pressing the Phoscon button.",
    )
    return 0


# ---- radios ------------------------------------------------------------------------------


def radios(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from radio.sticks import detect_ports

    ports = detect_ports()
    if getattr(args, "probe", False):
        return _probe_ports(settings, ports, out)
    if not ports:
        _say(out, "No serial ports found. Is the stick plugged in? (`dmesg | tail` shows what")
        _say(out, "the kernel saw; a network coordinator is used as --device socket://host:port)")
        return 0
    rows = [(p.device, p.stick, p.radio, p.usb_id or "-", p.product or "-") for p in ports]
    _say(out, table(("PORT", "STICK", "--radio", "USB ID", "PRODUCT"), rows))
    best = next((p for p in ports if len(p.sticks) == 1), None)
    if best is not None:
        _say(out, f"\nFor example: zigbridge run --radio {best.radio} --device {best.device}")
    if any(p.sticks for p in ports):
        _say(out, "`zigbridge radios --probe` asks the sticks which radio type they speak.")
    return 0


def _probe_ports(settings: Settings, ports: list, out: TextIO) -> int:
    """`radios --probe`: probe the known sticks (and --device) as `--radio auto` would,
    each until one radio type answers. Only reads; refused while zigbridge runs."""
    import asyncio

    from radio.controller import RadioSettings
    from radio.detect import find_radio
    from radio.sticks import candidates

    _refuse_while_running(settings, "probe")
    device = settings.radio.device
    if device:
        from gateway.daemon.preflight import check_serial_device

        check_serial_device(device)  # a port that is not there is said so, not "no answer"
    todo = candidates(ports, None)
    if device:
        todo = [c for c in todo if c.path != device] + candidates(ports, device)
    radio = RadioSettings(AUTO, None, settings.data_dir, baudrate=settings.radio.baudrate)

    async def probe_all() -> dict[str, str]:
        answers = {}
        for candidate in todo:
            found = (await find_radio([candidate], radio)).found
            answers[candidate.path] = found.radio if found else "no answer"
        return answers

    answers = asyncio.run(probe_all())
    rows = [
        (p.device, p.stick, answers.get(p.device, "not probed"), p.usb_id or "-") for p in ports
    ]
    if device and not any(device == p.device for p in ports):
        rows.append((device, "given with --device", answers.get(device, "not probed"), "-"))
    if not rows:
        _say(out, "No serial ports found, and no --device to probe.")
        return 0
    _say(out, table(("PORT", "STICK", "ANSWERS AS", "USB ID"), rows))
    found = [path for path, answer in answers.items() if answer != "no answer"]
    if found:
        path = found[0]
        _say(out, f"\nUse --radio auto (or --radio {answers[path]} --device {path}).")
    elif any(not p.sticks for p in ports) and not device:
        _say(out, "\nOnly known sticks are probed; name another port with --device to probe it.")
    return 0


# ---- backup and restore -------------------------------------------------------------------


def backup(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    data = GatewayClient(settings).api("GET", "/config/zigbee/backup")
    text = json.dumps(data, indent=2) + "\n"
    if args.file == "-":
        out.write(text)
        out.flush()
        return 0
    path = Path(args.file or datetime.now().strftime("zigbridge-backup-%Y%m%d-%H%M%S.json"))
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the key
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise ClientError(f"cannot write {path}: {exc.strerror or exc}") from None
    _say(
        out,
        f"Saved the network backup (PAN 0x{str(data.get('pan_id', '?')).upper()}, channel "
        f"{data.get('channel', '?')}, {len(data.get('devices', []))} devices) to {path}. "
        "It holds the network key: keep it private.",
    )
    return 0


def _refuse_while_running(settings: Settings, what: str) -> None:
    """The daemon has the stick open: a second program on the port would disturb it."""
    try:
        status, body = GatewayClient(settings, timeout=5).request("GET", "/api/config")
    except (DaemonNotRunning, ClientError):
        return  # not running (or not answering): the stick is ours
    if error_description(body) is None and status == 200:
        raise ClientError(
            f"zigbridge is running at {settings.server.rest_url} and has the stick open; stop it "
            f"first (sudo systemctl stop zigbridge), {what}, then start it again"
        )


def restore(settings: Settings, args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    import asyncio

    from gateway.daemon.preflight import check_data_dir
    from radio.backup import BackupError, read_backup, restore_backup
    from radio.failures import describe_radio_failure

    # The file first: a bad one stops here, before anything talks to the stick
    network = read_backup(Path(args.file))
    _refuse_while_running(settings, "restore")
    radio = radio_settings(settings)
    check_data_dir(radio.data_dir)

    async def find_and_restore():
        from radio.sticks import resolve_radio

        found = await resolve_radio(radio)
        if found is not None:
            _say(out, f"Found {found.describe()}.")
        return await restore_backup(radio, network, force=args.force)

    try:
        restored = asyncio.run(find_and_restore())
    except BackupError as exc:
        raise ClientError(str(exc)) from None
    except StartupError:
        raise
    except Exception as exc:
        where = radio.device_path or f"the simulated stick in {radio.data_dir}"
        raise ClientError(describe_radio_failure(where, exc)) from None
    where = radio.device_path or f"the simulated stick in {radio.data_dir}"
    origin = f" from {restored.source}" if restored.source else ""
    _say(
        out,
        f"Restored the network{origin} ({restored}, coordinator {restored.coordinator}) to "
        f"{where}. Start zigbridge to use it.",
    )
    return 0
