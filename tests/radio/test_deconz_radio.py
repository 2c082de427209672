"""ConBee / RaspBee (``--radio deconz``): wired to zigpy-deconz with the right defaults.

No deCONZ emulator: the class, the configuration zigbridge builds (validated by
zigpy-deconz's own schema) and what happens on a port that does not speak the deCONZ
serial protocol are enough to show the wiring.
"""

from __future__ import annotations

import asyncio
import logging
import os
import termios
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import zigpy.config
import zigpy_deconz.zigbee.application as deconz_app
from zigpy_deconz.config import CONFIG_SCHEMA

from gateway.daemon.daemon import Daemon
from gateway.daemon.preflight import StartupError
from radio.controller import RadioSettings, zigpy_config
from radio.selection import radio_type
from tests.gateway.conftest import daemon_settings
from tests.radio.test_detect import port

CONBEE_II = "/dev/serial/by-id/usb-dresden_elektronik_ingenieurtechnik_GmbH_ConBee_II_DE2-if00"
HANG_GUARD = 30.0  # turns a hang into a failure; not a performance assertion


def settings(data_dir: Path, path: str = CONBEE_II, **extra) -> RadioSettings:
    return RadioSettings(radio_type="deconz", device_path=path, data_dir=data_dir, **extra)


def test_deconz_is_zigpy_deconz_at_38400_baud():
    rtype = radio_type("deconz")
    assert rtype.module == "zigpy_deconz.zigbee.application"
    assert rtype.controller_class() is deconz_app.ControllerApplication
    # RaspBee I/II and ConBee I/II: 38400, zigpy-deconz's own first guess as well
    assert rtype.default_baudrate == 38400
    assert deconz_app.ControllerApplication._probe_config_variants[0] == {
        zigpy.config.CONF_DEVICE_BAUDRATE: 38400
    }


def test_config_passes_zigpy_deconz_schema(tmp_path: Path):
    config = zigpy_config(settings(tmp_path))
    validated = CONFIG_SCHEMA(config)
    assert validated["device"] == {"path": CONBEE_II, "baudrate": 38400, "flow_control": None}
    assert validated["database_path"] == str(tmp_path / "zigbee.db")
    assert validated["ota"]["enabled"] is False
    assert validated["topology_scan_enabled"] is False
    assert validated["network"]["channel"] is None  # zigpy picks one when forming

    # The application takes it as is (it validates again) and opens nothing yet
    app = deconz_app.ControllerApplication(config)
    assert app.config["device"]["baudrate"] == 38400
    assert app._api is None


def test_baudrate_and_channel_options_reach_zigpy_deconz(tmp_path: Path):
    # ConBee III (an FTDI bridge) runs at 115200: `--baudrate 115200`
    config = zigpy_config(settings(tmp_path, baudrate=115200, channel=25))
    validated = CONFIG_SCHEMA(config)
    assert validated["device"]["baudrate"] == 115200
    assert validated["network"]["channel"] == 25


@pytest.fixture
async def foreign_port() -> AsyncIterator[tuple[str, bytearray]]:
    """A TCP port that accepts, listens and never answers (not a deCONZ stick)."""
    received = bytearray()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(4096):
            received.extend(data)

    server = await asyncio.start_server(client, "127.0.0.1", 0)
    yield f"socket://127.0.0.1:{server.sockets[0].getsockname()[1]}", received
    server.close()
    await server.wait_closed()


async def test_port_that_does_not_speak_deconz_fails_with_one_line(
    tmp_path: Path, foreign_port: tuple[str, bytearray]
):
    url, received = foreign_port
    daemon = Daemon(daemon_settings(tmp_path, radio="deconz", device=url))
    try:
        async with asyncio.timeout(HANG_GUARD):
            with pytest.raises(StartupError) as failure:
                await daemon.start()
    finally:
        await daemon.stop()
    message = str(failure.value)
    assert "\n" not in message
    assert message == (
        f"the radio on {url} did not answer; check --radio matches the stick's firmware "
        "and --baudrate its speed"
    )
    assert received[:1] == b"\xc0"  # zigpy-deconz spoke first: a SLIP-framed command


@pytest.mark.parametrize(("given", "opened"), [(None, 115200), (38400, 38400)])
async def test_a_conbee_iii_named_by_its_port_is_opened_at_its_own_rate(
    tmp_path: Path, monkeypatch, caplog, given, opened
):
    """ConBee III (FTDI bridge, 0403:6015) runs at 115200 where ConBee II and RaspBee run at
    38400: named with --device but without --baudrate, it is opened at its own rate. The
    port is a real pseudo-terminal: the rate is what the serial line was set to."""
    master, slave = os.openpty()
    path = os.ttyname(slave)
    try:
        listed = port(path, 0x0403, 0x6015, "ConBee III")
        monkeypatch.setattr("radio.sticks.detect_ports", lambda: [listed])
        daemon = Daemon(daemon_settings(tmp_path, radio="deconz", device=path, baudrate=given))
        try:
            async with asyncio.timeout(HANG_GUARD):
                with (
                    caplog.at_level(logging.INFO, logger="radio.detect"),
                    pytest.raises(StartupError),  # nothing answers on the other end
                ):
                    await daemon.start()
        finally:
            await daemon.stop()
        assert termios.tcgetattr(slave)[5] == getattr(termios, f"B{opened}")
        assert daemon.radio_settings.baudrate == opened  # reconnects use it too
        said = [r.getMessage() for r in caplog.records if "baud" in r.getMessage()]
        assert said == ([f"{path} is a ConBee III: opening it at 115200 baud"] if not given else [])
    finally:
        os.close(master)
        os.close(slave)
