"""`zigbridge radios`: the serial ports this machine has, and which Zigbee stick each is.

Ports come from serialx (zigpy's serial library) the way `serial.tools.list_ports` lists
them: USB adapters with vendor and product ids, preferring their stable
`/dev/serial/by-id/` names, and native UARTs (a RaspBee or another HAT on the Pi's GPIO).
The USB id alone is sometimes ambiguous: the Silicon Labs CP210x bridge sits on Texas
Instruments and Silicon Labs sticks alike, so the product string the stick reports
decides when it names one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from radio.failures import StartupError
from radio.selection import AUTO

if TYPE_CHECKING:
    from radio.controller import RadioSettings
    from radio.detect import Candidate, Detection, Found

LOGGER = logging.getLogger("radio.detect")


@dataclass(frozen=True, slots=True)
class KnownStick:
    vid: int
    pid: int
    name: str
    radio: str  # --radio value
    product_hint: str | None = None  # substring of the USB product string that confirms it
    baudrate: int | None = None  # when not the radio type's usual rate


KNOWN_STICKS: tuple[KnownStick, ...] = (
    KnownStick(0x10C4, 0xEA60, "Sonoff ZBDongle-P (CC2652P)", "znp", "dongle plus"),
    KnownStick(0x10C4, 0xEA60, "Home Assistant SkyConnect / Connect ZBT-1", "ezsp", "skyconnect"),
    KnownStick(0x10C4, 0xEA60, "Home Assistant SkyConnect / Connect ZBT-1", "ezsp", "zbt-1"),
    KnownStick(0x1A86, 0x55D4, "Sonoff ZBDongle-E (EFR32MG21)", "ezsp"),
    KnownStick(0x10C4, 0x8A2A, "Nortek HUSBZB-1", "ezsp"),
    KnownStick(0x1CF1, 0x0030, "ConBee II", "deconz"),
    KnownStick(0x0403, 0x6015, "ConBee III", "deconz", "conbee", baudrate=115200),
    KnownStick(0x0451, 0x16A8, "TI CC2531 / CC2652 board", "znp"),
    KnownStick(0x0451, 0xBEF3, "TI CC26x2/CC13x2 LaunchPad", "znp"),
    KnownStick(0x1A86, 0x7523, "CH340 serial (many CC2652 boards)", "znp"),
)


@dataclass(frozen=True, slots=True)
class DetectedPort:
    device: str  # the by-id path when there is one
    resolved: str  # /dev/ttyUSB0 etc.
    usb_id: str | None  # "10c4:ea60"
    product: str | None
    manufacturer: str | None
    sticks: tuple[KnownStick, ...]  # candidates; one when it is certain

    @property
    def stick(self) -> str:
        if self.sticks:
            return " or ".join(dict.fromkeys(s.name for s in self.sticks))
        if self.usb_id is None:
            return "built-in serial port (on a Pi: a RaspBee or another GPIO board?)"
        return "unknown USB serial device"

    @property
    def radio(self) -> str:
        radios = dict.fromkeys(s.radio for s in self.sticks)
        return "/".join(radios) if radios else "?"

    def baudrates(self) -> dict[str, int]:
        """Radio type -> the rate this stick needs, where its candidates agree on one."""
        rates: dict[str, set[int | None]] = {}
        for stick in self.sticks:
            rates.setdefault(stick.radio, set()).add(stick.baudrate)
        return {radio: rate for radio, (rate,) in rates.items() if len(rates[radio]) == 1 and rate}


def identify(vid: int | None, pid: int | None, product: str | None) -> tuple[KnownStick, ...]:
    """The known sticks with this USB id; narrowed by the product string when it says."""
    candidates = tuple(s for s in KNOWN_STICKS if (s.vid, s.pid) == (vid, pid))
    lowered = (product or "").lower()
    confirmed = tuple(s for s in candidates if s.product_hint and s.product_hint in lowered)
    if confirmed:
        return confirmed
    generic = tuple(s for s in candidates if s.product_hint is None)
    return generic or candidates


def describe_port(info: Any) -> DetectedPort:
    """A serialx/pyserial port info object → what zigbridge makes of it."""
    vid, pid = info.vid, info.pid
    usb_id = f"{vid:04x}:{pid:04x}" if vid is not None and pid is not None else None
    return DetectedPort(
        device=str(info.device),
        resolved=str(getattr(info, "resolved_device", info.device)),
        usb_id=usb_id,
        product=info.product,
        manufacturer=info.manufacturer,
        sticks=identify(vid, pid, info.product),
    )


def detect_ports() -> list[DetectedPort]:
    from serialx import list_serial_ports

    ports = [describe_port(info) for info in list_serial_ports()]
    # Likely Zigbee sticks first, then other USB serial devices, then native UARTs.
    return sorted(ports, key=lambda p: (not p.sticks, p.usb_id is None, p.device))


# ---- --radio auto -------------------------------------------------------------------------


class NoRadioFound(StartupError):
    """`--radio auto` found no stick that answers; the message lists what was seen."""


def port_for(device: str, ports: Sequence[DetectedPort]) -> DetectedPort | None:
    """The listed port a `--device` path names (a by-id link, /dev/ttyUSB0, ...)."""
    if "://" in device:
        return None
    real = os.path.realpath(device)
    for port in ports:
        if device in (port.device, port.resolved) or real in (
            os.path.realpath(port.device),
            os.path.realpath(port.resolved),
        ):
            return port
    return None


def candidates(ports: Sequence[DetectedPort], device: str | None = None) -> list[Candidate]:
    """What `--radio auto` probes, in order.

    With `--device`: that port only, with the radio types its USB id suggests first, then
    the others (a `socket://` coordinator has no USB id: all in `PROBE_ORDER`). Without:
    every port whose USB id is a known Zigbee stick, the likeliest radio types first; other
    serial devices (a GPS, a UPS, a 3D printer) are left alone, since probing writes bytes
    to them; they can still be named with `--device`."""
    from radio.detect import Candidate, candidate_radios

    if device:
        port = port_for(device, ports)
        if port is None or not port.sticks:
            return [Candidate(device, candidate_radios())]
        return [_candidate(device, port)]
    return [_candidate(port.device, port) for port in ports if port.sticks]


def _candidate(path: str, port: DetectedPort) -> Candidate:
    from radio.detect import Candidate, candidate_radios

    radios = candidate_radios([s.radio for s in port.sticks])
    return Candidate(path, radios, port.stick, port.baudrates())


def supported_sticks() -> str:
    entries = dict.fromkeys(f"{s.name} [{s.vid:04x}:{s.pid:04x}, {s.radio}]" for s in KNOWN_STICKS)
    return ", ".join(entries)


def seen_ports(ports: Sequence[DetectedPort]) -> str:
    if not ports:
        return "none"
    described = []
    for port in ports:
        ids = ", ".join(filter(None, (port.usb_id, port.product)))
        described.append(f"{port.device} ({port.stick}{'; ' + ids if ids else ''})")
    return ", ".join(described)


def no_radio_message(
    device: str | None, ports: Sequence[DetectedPort], detection: Detection
) -> str:
    from radio.detect import summarise

    if detection.attempts:
        tried = summarise(detection.attempts)
        if detection.out_of_time:
            tried += "; the search ran out of time"
    elif device:
        tried = f"{device} was not probed"
    else:
        tried = "no serial port is a known Zigbee stick"
    return (
        f"no Zigbee stick found (--radio auto): {tried}. Serial ports seen: "
        f"{seen_ports(ports)}. Supported sticks: {supported_sticks()}. Plug one in, or "
        "name its port with --device and its type with --radio (`zigbridge radios` lists "
        "the ports)"
    )


async def find_stick(settings: RadioSettings, ports: Sequence[DetectedPort] | None = None) -> Found:
    """Find the stick for `--radio auto` (probing only reads from it); raises
    NoRadioFound. `ports` defaults to this machine's serial ports."""
    from radio.detect import find_radio

    if ports is None:
        ports = _ports()
    device = settings.device_path
    detection = await find_radio(
        candidates(ports, device), settings, timeout=settings.probe_timeout
    )
    found = detection.found
    if found is None:
        raise NoRadioFound(no_radio_message(device, ports, detection))
    port = port_for(found.path, ports) if "://" not in found.path else None
    if port is None and not device:
        port = next((p for p in ports if p.device == found.path), None)
    if port is not None:  # name the one stick of that radio type, when the id was ambiguous
        names = dict.fromkeys(s.name for s in port.sticks if s.radio == found.radio)
        if names:
            found = replace(found, stick=" or ".join(names))
    return found


async def resolve_auto(
    settings: RadioSettings, ports: Sequence[DetectedPort] | None = None
) -> Found:
    """`--radio auto` → the radio type and port that answered, written into `settings`
    (so that reconnects use them), and logged in one line."""
    found = await find_stick(settings, ports)
    settings.radio_type = found.radio
    settings.device_path = found.path
    if found.baudrate:
        settings.baudrate = found.baudrate
    LOGGER.info("--radio auto: found %s", found.describe())
    return found


async def resolve_radio(
    settings: RadioSettings, ports: Sequence[DetectedPort] | None = None
) -> Found | None:
    """Settle what to open before the radio starts: `--radio auto` finds the stick
    (:func:`resolve_auto`); a named port whose USB id is a stick with a rate of its own
    (ConBee III: 115200, where ConBee II and RaspBee run at 38400) gets that rate unless
    `--baudrate` was given; then the radio-library options are checked against the chosen
    library. `settings` is updated in place."""
    from radio.options import check_option_names, check_radio_options

    found = None
    if settings.radio_type == AUTO:
        if settings.zigpy_config:
            check_option_names(settings)  # a typo is not worth a minute of probing
        found = await resolve_auto(settings, ports)
    elif _named_serial_port(settings) and not settings.baudrate:
        port = port_for(settings.device_path, _ports() if ports is None else ports)
        rate = port.baudrates().get(settings.radio_type) if port is not None else None
        if rate:
            settings.baudrate = rate
            LOGGER.info("%s is a %s: opening it at %d baud", settings.device_path, port.stick, rate)
    check_radio_options(settings)
    return found


def _named_serial_port(settings: RadioSettings) -> bool:
    path = settings.device_path
    return bool(path) and "://" not in path and settings.radio_type != "sim"


def _ports() -> list[DetectedPort]:
    try:
        return detect_ports()
    except Exception as exc:  # no sysfs, no permission: go on without the list
        LOGGER.warning("Cannot list serial ports: %s", exc)
        return []
