"""`--radio auto`: probe candidate ports until a radio library recognises the stick.

A probe is what zigpy's `ControllerApplication.probe` does (and ZHA and zigpy-cli through
it): build the radio library's application on the port and run its `connect()`, the
library's own handshake, then `disconnect()`. bellows resets the NCP (ASH) and asks for
the EZSP version; zigpy-znp pings Z-Stack over MT and reads its version and NV alignment;
zigpy-deconz asks for the firmware version and device state. None of them writes what the
stick keeps across a power cycle: the network on it is not touched. Unlike zigpy's
`probe`, each attempt here is bounded by a timeout, the radio-library options from the
settings apply (bellows' thread, zigpy-znp's bootloader skip) and the baud rate is the
one configured, else the identified stick's own (ConBee III), else the radio's usual one
(no sweep over rates).

Which ports and which radio types are tried, in which order, is the caller's business
(`radio.sticks.candidates` orders them by USB id); this module only probes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from radio.selection import radio_type

if TYPE_CHECKING:
    from radio.controller import RadioSettings

LOGGER = logging.getLogger("radio.detect")

PROBE_ORDER = ("ezsp", "znp", "deconz")
"""Radio types to try on a port nothing is known about (ZHA's order)."""

PROBE_TIMEOUTS = {"ezsp": 10.0, "znp": 12.0, "deconz": 6.0}
"""Per attempt: long enough for each library's own handshake on a real stick (bellows
resets up to three times; zigpy-znp gives a CC2531's bootloader 10 s; zigpy-deconz gives
up after 2 s), short enough that a wrong guess costs seconds, not minutes."""

DETECT_BUDGET = 60.0
"""All attempts together; after that the search stops and says so."""

DISCONNECT_TIMEOUT = 3.0
SETTLE = 0.2
"""After each probe: a serial bridge on `socket://` serves one client at a time and may
take a moment to notice that the last one left before it accepts the next."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A port and the radio types to try on it, most likely first."""

    path: str
    radios: tuple[str, ...]
    stick: str | None = None  # the known stick's name, when the USB id says
    # radio type -> the baud rate that stick runs at when it is not the radio's usual one
    baudrates: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Attempt:
    path: str
    radio: str
    error: str | None  # None: the stick answered as this radio type

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class Found:
    path: str
    radio: str
    stick: str | None
    baudrate: int | None = None  # the rate it answered at, when not the radio's usual one

    def describe(self) -> str:
        what = self.stick or "a Zigbee coordinator"
        rate = f" --baudrate {self.baudrate}" if self.baudrate else ""
        return (
            f"{what} on {self.path}: --radio {self.radio}{rate} "
            f"({radio_type(self.radio).description})"
        )


@dataclass(slots=True)
class Detection:
    """The outcome: what answered (if anything) and every attempt made, in order."""

    found: Found | None
    attempts: list[Attempt]
    out_of_time: bool = False


async def probe(
    settings: RadioSettings, radio: str, path: str, timeout: float | None = None
) -> str | None:
    """Whether the stick on `path` speaks `radio`: None if it does, else why not (one
    short phrase). Never raises for a stick that fails; only cancellation propagates."""
    from radio.controller import zigpy_config

    config = zigpy_config(replace(settings, radio_type=radio, device_path=path))
    config["database_path"] = None  # a probe opens no database
    try:
        app = radio_type(radio).controller_class()(config)
    except Exception as exc:  # the library refused the config: not this radio
        return f"invalid configuration ({_one_line(exc)})"
    limit = timeout if timeout is not None else PROBE_TIMEOUTS.get(radio, 10.0)
    error: str | None = None
    try:
        async with asyncio.timeout(limit):
            await app.connect()
    except TimeoutError:
        error = "no answer"
    except Exception as exc:
        error = _one_line(exc)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(app.disconnect(), DISCONNECT_TIMEOUT)
        await asyncio.sleep(SETTLE)
    return error


async def find_radio(
    candidates: Sequence[Candidate],
    settings: RadioSettings,
    *,
    timeout: float | None = None,
    budget: float = DETECT_BUDGET,
) -> Detection:
    """Probe the candidates in order; stop at the first stick that answers. Each attempt
    is logged. `timeout` overrides the per-radio timeouts (tests)."""
    attempts: list[Attempt] = []
    deadline = time.monotonic() + budget
    for candidate in candidates:
        for radio in candidate.radios:
            left = deadline - time.monotonic()
            if left <= 0:
                LOGGER.warning("Giving up the search after %.0f s", budget)
                return Detection(None, attempts, out_of_time=True)
            limit = min(timeout or PROBE_TIMEOUTS.get(radio, 10.0), left)
            where = f"{candidate.path} ({candidate.stick})" if candidate.stick else candidate.path
            rate = None if settings.baudrate else candidate.baudrates.get(radio)
            LOGGER.info("Probing %s as %s", where, radio)
            error = await probe(
                replace(settings, baudrate=settings.baudrate or rate), radio, candidate.path, limit
            )
            attempts.append(Attempt(candidate.path, radio, error))
            if error is None:
                found = Found(candidate.path, radio, candidate.stick, rate)
                return Detection(found, attempts)
            LOGGER.info("%s is not %s: %s", candidate.path, radio, error)
    return Detection(None, attempts)


def summarise(attempts: Sequence[Attempt]) -> str:
    """'socket://h:1 did not answer as ezsp, znp or deconz (no answer)' per port, joined."""
    by_path: dict[str, list[Attempt]] = {}
    for attempt in attempts:
        if not attempt.ok:
            by_path.setdefault(attempt.path, []).append(attempt)
    parts = []
    for path, failed in by_path.items():
        radios = _either([a.radio for a in failed])
        errors = list(dict.fromkeys(a.error for a in failed))
        if len(errors) == 1:
            parts.append(f"{path} did not answer as {radios} ({errors[0]})")
        else:
            reasons = ", ".join(f"{a.radio}: {a.error}" for a in failed)
            parts.append(f"{path} did not answer as {radios} ({reasons})")
    return "; ".join(parts)


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _one_line(exc: BaseException) -> str:
    """A short reason; zigpy wraps connection errors in exceptions without a message."""
    seen: BaseException = exc
    while not str(seen) and (seen.__cause__ or seen.__context__) is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    text = (getattr(seen, "strerror", None) or str(seen) or type(exc).__name__).splitlines()
    return text[0][:120] if text else type(exc).__name__


def candidate_radios(preferred: Sequence[str] = ()) -> tuple[str, ...]:
    """The preferred radio types first, then the others in `PROBE_ORDER`."""
    known = [r for r in dict.fromkeys(preferred) if r in PROBE_ORDER]
    return (*known, *(r for r in PROBE_ORDER if r not in known))
