"""`--radio auto`: which ports and radio types are probed, in which order (synthetic USB
port info: there is no USB here), and the real radio libraries probing the emulated
Z-Stack and EmberZNet sticks and a TCP server that never answers. A probe only reads: the
emulators' write records stay empty.

The per-attempt probe timeout is shortened (`RadioSettings.probe_timeout`, not a user
option) so that a wrong guess costs 1.5 s here instead of 10 s; no assertion is timed.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from serialx import SerialPortInfo

from gateway.daemon.daemon import Daemon
from gateway.daemon.preflight import StartupError
from gateway.daemon.settings import ConfigError
from radio.controller import RadioSettings
from radio.detect import PROBE_ORDER, Attempt, Detection, Found, summarise
from radio.sticks import (
    NoRadioFound,
    candidates,
    describe_port,
    find_stick,
    no_radio_message,
    resolve_auto,
    resolve_radio,
)
from tests.emulators.ezsp import FakeEzspNcp
from tests.emulators.znp import ZStackEmulator, formed_nvram
from tests.gateway.conftest import Running, daemon_settings
from tests.radio.ezsp.conftest import formed_nvram as ezsp_nvram

PROBE_TIMEOUT = 1.5
# Radio-library options as the emulator tests use them: bellows in the test's own event
# loop, no bootloader-skip pin dance on a socket. Each library ignores the other's key.
OPTIONS: dict[str, Any] = {"use_thread": False, "znp_config": {"skip_bootloader": False}}


def port(device: str, vid: int | None, pid: int | None, product: str | None = None):
    return describe_port(
        SerialPortInfo(
            device=device, resolved_device=device, vid=vid, pid=pid, serial_number=None,
            manufacturer=None, product=product, bcd_device=None, interface_description=None,
            interface_num=None,
        )
    )  # fmt: skip


def auto(device: str | None, data_dir: Path) -> RadioSettings:
    return RadioSettings(
        "auto", device, data_dir, probe_timeout=PROBE_TIMEOUT, zigpy_config=dict(OPTIONS)
    )


DONGLE_P = ("/dev/serial/by-id/usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus-if00-port0",
            0x10C4, 0xEA60, "Sonoff Zigbee 3.0 USB Dongle Plus")  # fmt: skip
DONGLE_E = ("/dev/serial/by-id/usb-ITead_Sonoff_Zigbee_3.0_USB_Dongle_Plus_V2-if00",
            0x1A86, 0x55D4, "SONOFF Zigbee 3.0 USB Dongle Plus V2")  # fmt: skip
CP2102 = ("/dev/ttyUSB2", 0x10C4, 0xEA60, "CP2102N USB to UART Bridge Controller")
CONBEE_II = ("/dev/ttyACM0", 0x1CF1, 0x0030, "ConBee II")
CONBEE_III = ("/dev/ttyUSB1", 0x0403, 0x6015, "ConBee III")
FTDI = ("/dev/ttyUSB7", 0x0403, 0x6001, "FT232R USB UART")  # not a Zigbee stick
UART = ("/dev/ttyAMA0", None, None, None)


# ---- which ports, which radio types, in which order ---------------------------------------


def test_without_device_only_known_sticks_are_probed_their_radio_type_first():
    ports = [port(*p) for p in (FTDI, DONGLE_E, UART, CONBEE_II, DONGLE_P, CP2102)]
    plan = [(c.path, c.radios) for c in candidates(ports)]
    assert plan == [
        (DONGLE_E[0], ("ezsp", "znp", "deconz")),
        (CONBEE_II[0], ("deconz", "ezsp", "znp")),
        (DONGLE_P[0], ("znp", "ezsp", "deconz")),
        # the CP210x bridge sits on TI and Silicon Labs sticks alike: both, TI first
        (CP2102[0], ("znp", "ezsp", "deconz")),
    ]
    # the FTDI adapter and the built-in UART could be anything: never written to uninvited
    assert FTDI[0] not in dict(plan) and UART[0] not in dict(plan)
    assert candidates(ports)[0].stick == "Sonoff ZBDongle-E (EFR32MG21)"


def test_a_conbee_iii_is_probed_and_named_at_its_own_baud_rate():
    (c,) = candidates([port(*CONBEE_III), port(*CONBEE_II)], CONBEE_III[0])
    assert (c.radios[0], c.stick, c.baudrates) == ("deconz", "ConBee III", {"deconz": 115200})
    assert [c.baudrates for c in candidates([port(*CONBEE_II), port(*DONGLE_E)])] == [{}, {}]
    found = Found(CONBEE_III[0], "deconz", "ConBee III", 115200)
    assert found.describe() == (
        f"ConBee III on {CONBEE_III[0]}: --radio deconz --baudrate 115200 "
        "(dresden elektronik ConBee / RaspBee via zigpy-deconz)"
    )


def test_with_device_that_port_only_ordered_by_its_usb_id(tmp_path: Path):
    ports = [port(*p) for p in (DONGLE_P, CONBEE_II, FTDI)]
    (c,) = candidates(ports, CONBEE_II[0])
    assert (c.path, c.radios, c.stick) == (CONBEE_II[0], ("deconz", "ezsp", "znp"), "ConBee II")
    # a port named by a link to it (udev's /dev/zigbee, by-id) is recognised through it
    real = tmp_path / "ttyACM0"
    real.touch()
    link = tmp_path / "zigbee"
    link.symlink_to(real)
    (c,) = candidates([port(str(real), 0x1CF1, 0x0030, "ConBee II")], str(link))
    assert (c.path, c.radios[0]) == (str(link), "deconz")
    # named explicitly, an unknown adapter is probed too, with every radio type
    (c,) = candidates(ports, FTDI[0])
    assert (c.path, c.radios, c.stick) == (FTDI[0], PROBE_ORDER, None)


def test_a_network_coordinator_has_no_usb_id_every_radio_type_is_probed():
    (c,) = candidates([port(*DONGLE_P)], "socket://192.168.1.50:6638")
    assert (c.path, c.radios, c.stick) == ("socket://192.168.1.50:6638", PROBE_ORDER, None)
    assert PROBE_ORDER == ("ezsp", "znp", "deconz")  # ZHA's order


def test_nothing_found_lists_the_ports_seen_and_the_supported_sticks():
    ports = [port(*FTDI), port(*UART)]
    message = no_radio_message(None, ports, Detection(None, []))
    assert "\n" not in message
    assert message.startswith(
        "no Zigbee stick found (--radio auto): no serial port is a known Zigbee stick. "
    )
    assert "/dev/ttyUSB7 (unknown USB serial device; 0403:6001, FT232R USB UART)" in message
    assert "/dev/ttyAMA0 (built-in serial port" in message
    assert "Sonoff ZBDongle-E (EFR32MG21) [1a86:55d4, ezsp]" in message
    assert "ConBee II [1cf1:0030, deconz]" in message
    assert message.count("SkyConnect") == 1  # one entry per stick, not per product string
    tried = [Attempt("socket://h:1", r, "no answer") for r in PROBE_ORDER]
    assert summarise(tried) == "socket://h:1 did not answer as ezsp, znp or deconz (no answer)"
    mixed = [Attempt("/dev/x", "znp", "no answer"), Attempt("/dev/x", "ezsp", "busy")]
    assert summarise(mixed) == "/dev/x did not answer as znp or ezsp (znp: no answer, ezsp: busy)"


# ---- probing the emulated sticks ---------------------------------------------------------


async def test_auto_finds_z_stack_behind_the_znp_emulator_and_writes_nothing(tmp_path, caplog):
    async with ZStackEmulator(formed_nvram()) as stick:
        before = stick.nvram.copy()
        settings = auto(stick.url, tmp_path)
        with caplog.at_level(logging.INFO, logger="radio.detect"):
            found = await resolve_auto(settings, ports=[])
        assert (found.radio, found.path) == ("znp", stick.url)
        assert (settings.radio_type, settings.device_path) == ("znp", stick.url)
        # bellows went first (ZHA's order) and got nothing it understood; then zigpy-znp
        assert stick.connections == 2
        assert stick.nv_writes() == []
        assert (stick.nvram.osal, stick.nvram.items) == (before.osal, before.items)
        assert not stick.errors
    lines = [r.getMessage() for r in caplog.records if r.name == "radio.detect"]
    assert lines[0] == f"Probing {stick.url} as ezsp"
    assert lines[1] == f"{stick.url} is not ezsp: no answer"
    assert lines[-1].startswith(f"--radio auto: found a Zigbee coordinator on {stick.url}: ")
    assert "--radio znp (Texas Instruments Z-Stack" in lines[-1]


async def test_auto_with_a_misspelt_radio_option_stops_before_probing(tmp_path):
    async with ZStackEmulator(formed_nvram()) as stick:
        settings = auto(stick.url, tmp_path)
        settings.zigpy_config["znp_confg"] = {"tx_power": 9}
        with pytest.raises(ConfigError) as failure:
            await resolve_radio(settings, ports=[])
        assert stick.connections == 0
    assert str(failure.value).startswith(
        "radio.zigpy (--zigpy): 'znp_confg' is not an option of any radio library (did you "
        "mean 'znp_config'? known: "
    )
    # the options every test here passes (bellows' use_thread, znp_config) are known
    assert "'use_thread'" not in str(failure.value).split("known:")[0]


async def test_auto_with_a_value_the_library_refuses_says_so_in_its_one_line(tmp_path):
    """The names are checked before probing; a value only the stick's own library can
    judge makes that probe fail, and the reason is in the message."""
    async with ZStackEmulator(formed_nvram()) as stick:
        settings = auto(stick.url, tmp_path)
        settings.zigpy_config["znp_config"] = {"skip_bootloader": False, "tx_power": "max"}
        with pytest.raises(NoRadioFound) as failure:
            await resolve_radio(settings, ports=[])
    message = str(failure.value)
    assert "\n" not in message
    assert (
        "znp: invalid configuration (not a valid value for dictionary value @ "
        "data['znp_config']['tx_power'])"
    ) in message


async def test_auto_finds_emberznet_behind_the_ezsp_emulator_and_writes_nothing(tmp_path):
    ncp = await FakeEzspNcp(ezsp_nvram()).start()
    try:
        kept = ncp.nvram.summary()
        found = await find_stick(auto(ncp.url, tmp_path), ports=[])
        assert (found.radio, found.path, found.stick) == ("ezsp", ncp.url, None)
        assert ncp.sessions == 1
        assert "version" in ncp.command_names()
        assert ncp.writes() == []  # bellows' handshake: nothing the stick keeps
        assert ncp.nvram.summary() == kept
        assert not ncp.errors and not ncp.unhandled
    finally:
        await ncp.close()


async def test_a_tcp_server_that_never_answers_is_one_clear_error(tmp_path: Path):
    received = bytearray()
    connections = 0

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while data := await reader.read(1024):
            received.extend(data)
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    url = f"socket://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        with pytest.raises(NoRadioFound) as failure:
            await find_stick(auto(url, tmp_path), ports=[port(*FTDI)])
    finally:
        server.close()
        await server.wait_closed()
        await asyncio.sleep(0.05)  # let the handlers see EOF from the closed probes
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(
        f"no Zigbee stick found (--radio auto): {url} did not answer as ezsp, znp or deconz "
        "(no answer). Serial ports seen: /dev/ttyUSB7 (unknown USB serial device"
    )
    assert "Supported sticks: Sonoff ZBDongle-P (CC2652P) [10c4:ea60, znp]" in message
    # Each library connected in turn (bellows waits 2 s for a reset before it sends its
    # own, so only zigpy-znp's MT ping and zigpy-deconz's SLIP frames reach it this soon)
    assert connections == 3
    assert received.startswith(b"\xfe") and b"\xc0" in received
    assert isinstance(failure.value, StartupError)  # → exit status 2


async def test_the_daemon_on_radio_auto_finds_the_known_stick_and_runs_on_it(
    tmp_path, monkeypatch, caplog
):
    """No --device: the serial port list (here: one ZBDongle-P whose 'port' is the
    emulated Z-Stack's socket) → probe as znp first → the daemon runs on it."""
    async with ZStackEmulator(formed_nvram()) as stick:
        listed = port(stick.url, *DONGLE_P[1:])
        monkeypatch.setattr("radio.sticks.detect_ports", lambda: [port(*FTDI), listed])
        radio = auto(None, tmp_path)
        daemon = Daemon(daemon_settings(tmp_path, radio="auto"), radio)
        try:
            with caplog.at_level(logging.INFO, logger="radio.detect"):
                await daemon.start()
            running = Running(daemon, tmp_path)
            running.key = await running.create_key()
            config = await running.get("/config")
            assert config["rfconnected"] is True
            await running.http.aclose()
        finally:
            await daemon.stop()
        assert stick.connections == 2  # the probe, then the daemon; nothing else was tried
        assert stick.nv_writes() == []  # a formed stick is resumed, not rewritten
    assert radio.radio_type == "znp" and radio.device_path == stick.url
    found = [r.getMessage() for r in caplog.records if r.getMessage().startswith("--radio auto")]
    assert found == [
        f"--radio auto: found Sonoff ZBDongle-P (CC2652P) on {stick.url}: --radio znp "
        "(Texas Instruments Z-Stack (Sonoff ZBDongle-P, CC2652 sticks, ...) via zigpy-znp)"
    ]


async def test_the_daemon_on_radio_auto_without_any_stick_stops_before_the_radio(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("radio.sticks.detect_ports", lambda: [port(*UART)])
    daemon = Daemon(daemon_settings(tmp_path, radio="auto"), auto(None, tmp_path))
    try:
        with pytest.raises(NoRadioFound) as failure:
            await daemon.start()
        assert daemon.radio.app is None
    finally:
        await daemon.stop()
    assert "no serial port is a known Zigbee stick" in str(failure.value)
    assert "/dev/ttyAMA0 (built-in serial port" in str(failure.value)


async def cli(*args: str) -> tuple[int, str, str]:
    """`zigbridge ARGS` in a subprocess, while this event loop keeps the emulators going."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli.main", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    return proc.returncode, out.decode(), err.decode()


async def test_zigbridge_radio_auto_with_nothing_there_exits_2_with_one_line(tmp_path: Path):
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    url = f"socket://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()
    await server.wait_closed()  # connection refused: each library gives up at once
    status, _, err = await cli(
        "--radio", "auto", "--device", url, "--data-dir", str(tmp_path), "--host", "127.0.0.1",
        "--http-port", "0", "--ws-port", "0",
    )  # fmt: skip
    assert status == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"zigbridge: no Zigbee stick found (--radio auto): {url} did not ")
    assert "Supported sticks: " in last and "Traceback" not in err
    assert "znp" in last and "ezsp" in last  # the attempts are named in the one line
    # the start's INFO lines (each probe) are held back: only warnings and the reason show
    assert [line for line in err.strip().splitlines() if "WARNING" not in line] == [last]


async def test_zigbridge_radios_probe_names_what_answers(tmp_path: Path):
    ncp = await FakeEzspNcp(ezsp_nvram()).start()
    try:
        status, out, err = await cli(
            "radios", "--probe", "--device", ncp.url, "--data-dir", str(tmp_path),
            "--http-port", "1",
        )  # fmt: skip
    finally:
        await ncp.close()
    assert status == 0, err
    row = next(line for line in out.splitlines() if line.startswith(ncp.url))
    assert row.split()[-2:] == ["ezsp", "-"]
    assert f"--radio ezsp --device {ncp.url}" in out
    assert ncp.writes() == []


async def test_zigbridge_radios_probe_of_a_port_that_is_not_there_says_so(tmp_path: Path):
    missing = str(tmp_path / "ttyUSB7")
    status, _, err = await cli(
        "radios", "--probe", "--device", missing, "--data-dir", str(tmp_path), "--http-port", "1"
    )
    assert status == 2
    assert err.strip().splitlines() == [
        f"zigbridge: serial port {missing} does not exist; is the stick plugged in? "
        "(`ls /dev/serial/by-id/` lists the sticks the system sees)"
    ]
