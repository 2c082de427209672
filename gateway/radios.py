"""`zigbridge radios`: the serial ports this machine has, and which Zigbee stick each is.

Ports come from serialx (zigpy's serial library) the way `serial.tools.list_ports` lists
them: USB adapters with vendor and product ids, preferring their stable
`/dev/serial/by-id/` names, and native UARTs (a RaspBee or another HAT on the Pi's GPIO).
The USB id alone is sometimes ambiguous: the Silicon Labs CP210x bridge sits on Texas
Instruments and Silicon Labs sticks alike, so the product string the stick reports
decides when it names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class KnownStick:
    vid: int
    pid: int
    name: str
    radio: str  # --radio value
    product_hint: str | None = None  # substring of the USB product string that confirms it


KNOWN_STICKS: tuple[KnownStick, ...] = (
    KnownStick(0x10C4, 0xEA60, "Sonoff ZBDongle-P (CC2652P)", "znp", "dongle plus"),
    KnownStick(0x10C4, 0xEA60, "Home Assistant SkyConnect / Connect ZBT-1", "ezsp", "skyconnect"),
    KnownStick(0x10C4, 0xEA60, "Home Assistant SkyConnect / Connect ZBT-1", "ezsp", "zbt-1"),
    KnownStick(0x1A86, 0x55D4, "Sonoff ZBDongle-E (EFR32MG21)", "ezsp"),
    KnownStick(0x10C4, 0x8A2A, "Nortek HUSBZB-1", "ezsp"),
    KnownStick(0x1CF1, 0x0030, "ConBee II", "deconz"),
    KnownStick(0x0403, 0x6015, "ConBee III", "deconz", "conbee"),
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
