"""`radio.zigpy` / `--zigpy`: radio-library options from the config file reach zigpy-znp
(the emulated stick is asked for the transmit power), and one the library refuses stops
the start with one line before the stick is opened."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import zigpy_znp.commands as c

from gateway.daemon.settings import ConfigError, load_settings
from tests.emulators.znp import ZStackEmulator
from tests.gateway.conftest import run_daemon, stop_daemon


def config_file(tmp_path: Path, stick: ZStackEmulator, zigpy_table: str) -> Path:
    path = tmp_path / "zigbridge.toml"
    path.write_text(
        f'data_dir = "data"\n[radio]\ntype = "znp"\ndevice = "{stick.url}"\n'
        f'[server]\nhost = "127.0.0.1"\nhttp_port = 0\nws_port = 0\n{zigpy_table}'
    )
    return path


async def test_options_from_the_file_reach_the_radio_library(tmp_path: Path, stick):
    # use_thread is bellows' (for when --radio auto finds an EmberZNet stick): let through
    table = (
        "[radio.zigpy]\nuse_thread = false\n"
        "[radio.zigpy.znp_config]\ntx_power = 9\nskip_bootloader = false\n"
    )
    settings = load_settings({"config": str(config_file(tmp_path, stick, table))}, {})
    gw = await run_daemon(settings)
    try:
        assert (await gw.get("/config"))["rfconnected"] is True
    finally:
        await stop_daemon(gw)
    assert [r.TXPower for r in stick.requests_of(c.SYS.SetTxPower)] == [9]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"znp_config": {"tx_powr": 9}}, "radio.zigpy (--zigpy): --radio znp does not accept "
                                         "it: extra keys not allowed @ data['znp_config']"
                                         "['tx_powr']"),
        ({"znp_confg": {"tx_power": 9}}, "radio.zigpy (--zigpy): 'znp_confg' is not an option "
                                         "of --radio znp (did you mean 'znp_config'? known: "),
    ],
)  # fmt: skip
async def test_an_option_the_library_refuses_stops_the_start_before_the_stick_is_opened(
    tmp_path: Path, stick, options, message
):
    cli = {"config": str(config_file(tmp_path, stick, "")), "zigpy": json.dumps(options)}
    settings = load_settings(cli, {})
    with pytest.raises(ConfigError) as failure:
        await run_daemon(settings)
    assert str(failure.value).startswith(message)
    assert "\n" not in str(failure.value)
    assert stick.connections == 0
