"""Backup files from elsewhere and broken ones: `zigbridge restore` imports a Zigbee2MQTT
`coordinator_backup.json` onto a factory-new (emulated) Z-Stack stick, which then holds
exactly that network; a corrupt file, a wrong radio type or a stick that does not answer
is one clear line and nothing is written to the stick.

The Zigbee2MQTT file is written here from the Open Coordinator Backup format as
zigbee-herdsman produces it (its `metadata.internal.date`, `znpVersion`, a NWK address
without its leading zero, `stack_specific.zstack.tclk_seed`), not copied from anywhere.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
import zigpy.types as t
from zigpy_znp.zigbee.application import ControllerApplication

from radio.backup import BadBackupFile, parse_backup, read_backup
from tests.emulators.znp import ZStackEmulator, blank_nvram, formed_nvram
from tests.gateway.cli.test_main import clean_env, free_port

COORDINATOR = "00:12:4b:00:24:c2:d1:f3"  # the old stick (a TI address)
NEW_STICK = "00:12:4b:00:99:99:99:01"
LIGHT = "00:17:88:01:0b:2c:4d:5e"  # a router
SENSOR = "00:15:8d:00:04:5a:1b:2c"  # an end device, the coordinator's child
LIGHT_LINK_KEY = "5f3c8e12a4b6d7e9f0a1b2c3d4e5f607"
NETWORK_KEY = "9e2b41d7c05a3f6e18b4d2a97c6e0f35"


def zigbee2mqtt_backup() -> dict[str, Any]:
    """A coordinator_backup.json as Zigbee2MQTT writes it for a Z-Stack 3.x coordinator."""
    return {
        "metadata": {
            "format": "zigpy/open-coordinator-backup",
            "version": 1,
            "source": "zigbee-herdsman@2.1.9",
            "internal": {"date": "2024-11-03T18:42:07.512Z", "znpVersion": 2},
        },
        "stack_specific": {"zstack": {"tclk_seed": "c4a1e0b0f2d3e4c5b6a79881726354ab"}},
        "coordinator_ieee": COORDINATOR.replace(":", ""),
        "pan_id": "6754",
        "extended_pan_id": "a3f1c94e12b05d77",
        "nwk_update_id": 0,
        "security_level": 5,
        "channel": 20,
        "channel_mask": [20],
        "network_key": {"key": NETWORK_KEY, "sequence_number": 0, "frame_counter": 84312},
        "devices": [
            {
                "nwk_address": "5f21",
                "ieee_address": LIGHT.replace(":", ""),
                "is_child": False,
                "link_key": {"key": LIGHT_LINK_KEY, "rx_counter": 0, "tx_counter": 4},
            },
            # herdsman writes 0x09C1 as "9c1": zigpy pads it back
            {"nwk_address": "9c1", "ieee_address": SENSOR.replace(":", ""), "is_child": True},
        ],
    }


def test_zigbee2mqtt_backup_is_read_with_zigpys_byte_order():
    backup = parse_backup(json.dumps(zigbee2mqtt_backup()), "coordinator_backup.json")
    info = backup.network_info
    # The hex strings are big-endian, as printed: no byte swapping anywhere
    assert info.pan_id == 0x6754
    assert info.extended_pan_id == t.ExtendedPanId.convert("a3:f1:c9:4e:12:b0:5d:77")
    assert backup.node_info.ieee == t.EUI64.convert(COORDINATOR)
    assert info.network_key.key == t.KeyData(bytes.fromhex(NETWORK_KEY))
    assert info.network_key.tx_counter == 84312
    assert info.channel == 20 and info.source == "zigbee-herdsman@2.1.9"
    assert info.nwk_addresses == {
        t.EUI64.convert(LIGHT): t.NWK(0x5F21),
        t.EUI64.convert(SENSOR): t.NWK(0x09C1),
    }
    assert info.children == [t.EUI64.convert(SENSOR)]
    (key,) = info.key_table
    assert (str(key.partner_ieee), key.key.serialize().hex()) == (LIGHT, LIGHT_LINK_KEY)
    assert info.stack_specific == {"zstack": {"tclk_seed": "c4a1e0b0f2d3e4c5b6a79881726354ab"}}
    assert backup.backup_time.isoformat() == "2024-11-03T18:42:07.512000+00:00"


def test_an_open_coordinator_backup_without_internal_metadata_is_read():
    """zigpy's parser indexes metadata.internal unconditionally; the format makes it
    optional."""
    doc = zigbee2mqtt_backup()
    del doc["metadata"]["internal"]
    assert parse_backup(json.dumps(doc), "x.json").network_info.pan_id == 0x6754


def _without(doc: dict, *path: str) -> dict:
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return doc


def _with(doc: dict, value: Any, *path: str) -> dict:
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _z2m(change) -> str:
    return json.dumps(change(zigbee2mqtt_backup()))


OCB = "is not a valid Open Coordinator Backup: "
BAD_TEXTS = {
    "not JSON": ("coordinator: {pan_id: 1a62}", "is not JSON: Expecting value: line 1 column 1"),
    "empty": ("", "is not a network backup: the file is empty"),
    "blank": ("  \n", "is not a network backup: the file is empty"),
    "truncated": (_z2m(lambda d: d)[:300], "is not JSON: "),
    "nested too deeply": ("[" * 100_000, "is not a network backup: it is nested too deeply"),
    "a JSON array": ("[1, 2]", "is not a network backup: it holds a JSON array, not an object"),
    "some other JSON": (
        '{"homeassistant": true}',
        "is not a network backup: it has neither `metadata` (Open Coordinator Backup",
    ),
    "missing network key": (
        _z2m(lambda d: _without(d, "network_key")),
        OCB + "network_key is missing",
    ),
    "missing PAN id": (_z2m(lambda d: _without(d, "pan_id")), OCB + "pan_id is missing"),
    "missing device address": (
        _z2m(lambda d: _without(d, "devices", 0, "ieee_address")),  # type: ignore[arg-type]
        OCB + "devices[0].ieee_address is missing",
    ),
    "short network key": (
        _z2m(lambda d: _with(d, NETWORK_KEY[:30], "network_key", "key")),
        OCB + "network_key.key must be 32 hex digits (16 bytes), not 30 digits",
    ),
    "long network key": (
        _z2m(lambda d: _with(d, NETWORK_KEY + "00", "network_key", "key")),
        OCB + "network_key.key must be 32 hex digits (16 bytes), not 34 digits",
    ),
    "network key not hex": (
        _z2m(lambda d: _with(d, "zz" * 16, "network_key", "key")),
        OCB + "network_key.key must be 32 hex digits (16 bytes), not 'zzzz",
    ),
    "short link key": (
        _z2m(lambda d: _with(d, "abcd", "devices", 0, "link_key", "key")),  # type: ignore[arg-type]
        OCB + "devices[0].link_key.key must be 32 hex digits (16 bytes), not 4 digits",
    ),
    "channel as text": (
        _z2m(lambda d: _with(d, "20", "channel")),
        OCB + "channel must be an integer, not a string ('20')",
    ),
    "channel out of range": (
        _z2m(lambda d: _with(d, 27, "channel")),
        OCB + "channel must be from 11 to 26, not 27",
    ),
    "frame counter as boolean": (
        _z2m(lambda d: _with(d, True, "network_key", "frame_counter")),
        OCB + "network_key.frame_counter must be an integer, not true or false (True)",
    ),
    "devices not a list": (
        _z2m(lambda d: _with(d, {}, "devices")),
        OCB + "devices must be an array, not an object",
    ),
    "a wider NWK address": (
        _z2m(lambda d: _with(d, "15f21", "devices", 0, "nwk_address")),  # type: ignore[arg-type]
        OCB + "devices[0].nwk_address must be null or 1 to 4 hex digits, not '15f21'",
    ),
    "another format": (
        _z2m(lambda d: _with(d, "zigbee2mqtt/legacy", "metadata", "format")),
        OCB + "metadata.format is 'zigbee2mqtt/legacy', not 'zigpy/open-coordinator-backup'",
    ),
    "a future version": (
        _z2m(lambda d: _with(d, 2, "metadata", "version")),
        OCB + "metadata.version is 2; only version 1 is known",
    ),
    "PAN id 0": (
        _z2m(lambda d: _with(d, "0000", "pan_id")),
        "is not a complete network backup: it lacks the coordinator IEEE, the network key",
    ),
    "zigpy's format, truncated": (
        '{"version": 1, "backup_time": "2024-01-01T00:00:00+00:00", "network_info": {}}',
        "is not a valid zigpy network backup: missing ",
    ),
}


@pytest.mark.parametrize("case", BAD_TEXTS)
def test_a_bad_backup_is_one_line_naming_the_file_and_the_problem(case: str):
    text, expected = BAD_TEXTS[case]
    with pytest.raises(BadBackupFile) as failure:
        parse_backup(text, "/root/net.json")
    message = str(failure.value)
    assert message.startswith(f"backup /root/net.json {expected}"), message
    assert "\n" not in message and NETWORK_KEY not in message


def test_a_directory_a_missing_and_a_binary_file(tmp_path: Path):
    with pytest.raises(BadBackupFile, match=r"^backup .+ is not a file: it is a directory$"):
        read_backup(tmp_path)
    with pytest.raises(BadBackupFile, match=r"^backup .+/nope.json does not exist$"):
        read_backup(tmp_path / "nope.json")
    binary = tmp_path / "backup.tar.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe")
    with pytest.raises(BadBackupFile, match=r"^backup .+ is not JSON: it is not UTF-8 text$"):
        read_backup(binary)


async def zigbridge(*args: str) -> tuple[int, str, str]:
    """`zigbridge ARGS` in a subprocess; this event loop keeps serving the emulators."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.cli.main", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=clean_env(),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode, out.decode(), err.decode()


def restore_args(data_dir: Path, radio: str, url: str, *extra: str) -> list[str]:
    return [
        "--data-dir", str(data_dir), "--http-port", str(free_port()), "--radio", radio,
        "--device", url, "restore", *extra,
    ]  # fmt: skip


async def test_corrupt_backup_files_are_refused_before_the_stick_is_touched(tmp_path: Path):
    files = {
        "not JSON": "not json at all",
        "empty": "",
        "missing keys": _z2m(lambda d: _without(d, "network_key")),
        "wrong key length": _z2m(lambda d: _with(d, NETWORK_KEY[:30], "network_key", "key")),
        "wrong types": _z2m(lambda d: _with(d, "20", "channel")),
    }
    paths = {}
    for i, (case, text) in enumerate(files.items()):
        paths[case] = tmp_path / f"backup-{i}.json"
        paths[case].write_text(text)
    paths["a directory"] = tmp_path / "backups"
    paths["a directory"].mkdir()
    async with ZStackEmulator(blank_nvram(ieee=NEW_STICK)) as stick:
        results = await asyncio.gather(
            *(
                zigbridge(*restore_args(tmp_path / "data", "znp", stick.url, str(path)))
                for path in paths.values()
            )
        )
        assert stick.connections == 0 and stick.requests == []  # never even opened
        assert not stick.nvram.is_formed
    for (case, path), (status, out, err) in zip(paths.items(), results, strict=True):
        assert status == 2, (case, err)
        assert out == "" and err.count("\n") == 1, (case, err)
        assert err.startswith(f"zigbridge: backup {path} is not "), (case, err)


async def test_a_wrong_radio_type_or_a_silent_stick_is_one_line_and_nothing_written(
    tmp_path: Path,
):
    backup = tmp_path / "coordinator_backup.json"
    backup.write_text(json.dumps(zigbee2mqtt_backup()))
    silent = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    silent_url = f"socket://127.0.0.1:{silent.sockets[0].getsockname()[1]}"
    try:
        async with ZStackEmulator(formed_nvram()) as stick:
            before = stick.nvram.copy()
            wrong, dead = await asyncio.gather(
                # a Z-Stack stick driven as a ConBee; a port that accepts and never answers
                zigbridge(*restore_args(tmp_path / "a", "deconz", stick.url, str(backup))),
                zigbridge(*restore_args(tmp_path / "b", "deconz", silent_url, str(backup))),
            )
            assert stick.nv_writes() == []
            assert (stick.nvram.osal, stick.nvram.items) == (before.osal, before.items)
    finally:
        silent.close()
        await silent.wait_closed()
    for (status, out, err), url in ((wrong, stick.url), (dead, silent_url)):
        assert status == 1 and out == "", err
        assert err == (
            f"zigbridge: the radio on {url} did not answer; check --radio matches the "
            "stick's firmware and --baudrate its speed\n"
        )


async def test_a_zigbee2mqtt_backup_restores_onto_a_new_stick_exactly(tmp_path: Path):
    backup_file = tmp_path / "coordinator_backup.json"
    backup_file.write_text(json.dumps(zigbee2mqtt_backup(), indent=2))
    expected = read_backup(backup_file)
    async with ZStackEmulator(blank_nvram(ieee=NEW_STICK)) as stick:
        status, out, err = await zigbridge(
            *restore_args(tmp_path / "data", "znp", stick.url, str(backup_file))
        )
        assert status == 0, err
        assert out == (
            "Restored the network from zigbee-herdsman@2.1.9 (PAN 0x6754, extended PAN "
            "a3:f1:c9:4e:12:b0:5d:77, channel 20, 2 devices, coordinator "
            f"{COORDINATOR}) to {stick.url}. Start zigbridge to use it.\n"
        )
        assert stick.nvram.is_formed and stick.nv_writes()

        # What the stick holds now, as zigpy-znp reads it back
        await stick.restart()
        config = {"device": {"path": stick.url}, "znp_config": {"skip_bootloader": False}}
        app = ControllerApplication(config)
        await app.connect()
        try:
            await app.load_network_info(load_devices=True)
        finally:
            await app.disconnect()
    node, info = app.state.node_info, app.state.network_info
    assert str(node.ieee) == COORDINATOR  # the new stick took the old one's address
    assert info.pan_id == 0x6754 and info.channel == 20
    assert info.extended_pan_id == expected.network_info.extended_pan_id
    assert info.network_key.key == expected.network_info.network_key.key
    assert info.network_key.tx_counter >= 84312 + 10000  # never reused: zigpy skips ahead
    assert info.nwk_addresses == expected.network_info.nwk_addresses
    assert info.children == [t.EUI64.convert(SENSOR)]
    assert {str(k.partner_ieee): k.key.serialize().hex() for k in info.key_table} == {
        LIGHT: LIGHT_LINK_KEY
    }
