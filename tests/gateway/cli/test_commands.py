"""Each `zigbridge` subcommand against a running daemon on the simulated network, and the
same commands when no daemon is running."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import subprocess
import time

import httpx
import pytest

from gateway.daemon.daemon import Daemon
from gateway.daemon.settings import SYSTEM_DATA_DIR, default_data_dir
from tests.gateway.cli.test_main import READY, DaemonProcess, clean_env, free_port, zigbridge
from tests.gateway.conftest import Running, daemon_settings


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """One daemon for the module; `--sim-join-on-permit` makes a device join on permit."""
    running = DaemonProcess(
        tmp_path_factory.mktemp("cli") / "data", "--sim-quiet", "--sim-join-on-permit"
    )
    try:
        running.wait_for(READY)
        yield running
    finally:
        running.stop()


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout


def test_devices_is_a_table_of_the_demo_home(daemon):
    out = ok(daemon.cli("devices"))
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "NAME", "TYPE", "MODEL", "REACHABLE", "LAST", "SEEN"]
    assert len(rows) >= 20  # 6 lights + 13 sensors + 1 unsupported from the demo home
    kitchen = next(r for r in rows if "SIM-CT1" in r)
    assert kitchen.startswith("lights/") and "Color temperature light" in kitchen
    assert re.search(r"\byes\s+just now$", kitchen)
    data = json.loads(ok(daemon.cli("devices", "--json")))
    assert any(s["type"] == "ZHATemperature" for s in data["sensors"].values())


def test_devices_lists_the_unsupported_gadget_with_its_clusters(daemon):
    out = ok(daemon.cli("devices"))
    gadget = next(r for r in out.splitlines() if "SIM-MFR1" in r and "unsupported" in r)
    assert gadget.startswith("00:5a:49:47:00:00:00:0c")
    details = out.split("Devices with no light or sensor, and what they are made of:")[1]
    assert "00:5a:49:47:00:00:00:0c  SIM-MFR1 by zigbridge-sim:" in details
    assert "ep1 profile 0x0104 device 0x0061: in 0x0000 0x0003 0xfc00 0xfc7c;" in details
    lamp = next(r for r in out.splitlines() if "SIM-MXL1" in r)
    assert lamp.startswith("lights/") and "Extended color light" in lamp
    data = json.loads(ok(daemon.cli("devices", "--json")))
    (unsupported,) = data["unsupported"]
    assert unsupported["zigbridge"]["status"] == "unsupported"


def test_reinterview_asks_the_gateway_and_says_so(daemon):
    out = ok(daemon.cli("reinterview", "00:5a:49:47:00:00:00:0c"))
    assert out.startswith("Interviewing 00:5a:49:47:00:00:00:0c again;")
    unknown = daemon.cli("reinterview", "00:5a:49:47:ff:ff:ff:ff")
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert "not available" in unknown.stderr


def test_the_cli_key_is_made_once_and_kept_private(daemon):
    ok(daemon.cli("devices"))
    key_file = daemon.data_dir / "cli-apikey"
    key = key_file.read_text().strip()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    ok(daemon.cli("devices"))
    assert key_file.read_text().strip() == key
    listing = ok(daemon.cli("apikey", "list"))
    assert f"{key}  zigbridge#cli (this command line)" in listing
    assert listing.count("zigbridge#cli") == 1


def test_apikey_create_list_delete(daemon):
    key = ok(daemon.cli("apikey", "create", "home-assistant")).strip()
    assert re.fullmatch(r"[0-9A-F]{10}", key)
    r = httpx.get(f"http://127.0.0.1:{daemon.http_port}/api/{key}/lights")
    assert r.status_code == 200 and r.json()
    assert f"{key}  home-assistant" in ok(daemon.cli("apikey", "list"))
    assert f"Deleted API key {key}" in ok(daemon.cli("apikey", "delete", key))
    assert key not in ok(daemon.cli("apikey", "list"))
    again = daemon.cli("apikey", "delete", key)
    assert again.returncode == 1 and again.stderr == f"zigbridge: there is no API key {key}\n"


def test_apikey_create_read_only_makes_a_key_that_only_reads(daemon):
    key = ok(daemon.cli("apikey", "create", "wall-tablet", "--read-only")).strip()
    assert re.fullmatch(r"[0-9A-F]{10}", key)
    base = f"http://127.0.0.1:{daemon.http_port}/api/{key}"
    lights = httpx.get(f"{base}/lights").json()
    assert lights
    lid = next(iter(lights))
    refused = httpx.put(f"{base}/lights/{lid}", json={"name": "Mine"})
    assert refused.status_code == 403 and refused.json()[0]["error"]["type"] == 1
    header, *rows = ok(daemon.cli("apikey", "list")).splitlines()
    assert header.split()[:3] == ["KEY", "NAME", "SCOPE"]
    assert re.search(rf"^{key}\s+wall-tablet\s+read\s", "\n".join(rows), re.M)
    mine = (daemon.data_dir / "cli-apikey").read_text().strip()
    assert re.search(
        rf"^{mine}\s+zigbridge#cli \(this command line\)\s+control\s", "\n".join(rows), re.M
    )
    ok(daemon.cli("apikey", "delete", key))  # the command line's own key may


def test_apikey_takes_long_names_and_options_after_the_action(daemon):
    name = "home-assistant-living-room"  # longer than a gateway --name may be
    args = ["--data-dir", str(daemon.data_dir), "--http-port", str(daemon.http_port)]
    created = subprocess.run(
        zigbridge("apikey", "create", name, *args),
        capture_output=True, text=True, timeout=60, env=daemon.env,
    )  # fmt: skip
    key = ok(created).strip()
    assert re.fullmatch(r"[0-9A-F]{10}", key)
    listed = subprocess.run(
        zigbridge("apikey", "list", *args), capture_output=True, text=True, timeout=60,
        env=daemon.env,
    )  # fmt: skip
    assert f"{key}  {name}" in ok(listed)
    deleted = subprocess.run(
        zigbridge("apikey", "delete", key, *args), capture_output=True, text=True, timeout=60,
        env=daemon.env,
    )  # fmt: skip
    assert f"Deleted API key {key}" in ok(deleted)


def test_a_deleted_cli_key_is_replaced(daemon):
    ok(daemon.cli("devices"))
    old = (daemon.data_dir / "cli-apikey").read_text().strip()
    ok(daemon.cli("apikey", "delete", old))
    ok(daemon.cli("devices"))
    new = (daemon.data_dir / "cli-apikey").read_text().strip()
    assert new != old


def test_unlock_lets_an_app_register_without_the_password(daemon):
    base = f"http://127.0.0.1:{daemon.http_port}"
    locked = httpx.post(f"{base}/api", json={"devicetype": "phone#app"})
    assert locked.json()[0]["error"]["type"] == 101  # link button not pressed
    assert "unlocked for 30 s" in ok(daemon.cli("unlock", "30"))
    unlocked = httpx.post(f"{base}/api", json={"devicetype": "phone#app"})
    assert "username" in unlocked.json()[0]["success"]
    assert "locked" in ok(daemon.cli("unlock", "0"))
    again = httpx.post(f"{base}/api", json={"devicetype": "phone#app"})
    assert again.json()[0]["error"]["type"] == 101  # the window closed at once


def test_a_wrong_password_file_is_named_as_such(daemon, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "password").write_text("not-the-password\n")
    result = subprocess.run(
        zigbridge("--data-dir", str(other), "--http-port", str(daemon.http_port), "devices"),
        capture_output=True, text=True, timeout=60, env=daemon.env,
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr == (
        f"zigbridge: the gateway refused the password in {other / 'password'}: is that the "
        "running daemon's data directory (--data-dir)?\n"
    )


def test_permit_join_shows_the_countdown_and_the_device_that_joins(daemon):
    result = daemon.cli("permit-join", "7")
    out = ok(result)
    lines = out.splitlines()
    assert lines[0] == "Joining is open for 7 s: put the device in pairing mode now."
    assert any(re.fullmatch(r"  [12] s left", line) for line in lines)  # a line every 5 s
    joined = next(i for i, line in enumerate(lines) if line.startswith("Joined and interviewed"))
    assert re.match(r"Joined and interviewed: 00:5a:49:47:02:00:00:\d\d, SIM-", lines[joined])
    assert re.match(r'  (light|sensor) \d+ ".+" \(.+\)', lines[joined + 1])
    assert lines[-1] == "Joining closed; 1 new device."
    # the device is there for good, and the daemon logged its interview
    assert "00:5a:49:47:02:00:00:" in ok(daemon.cli("devices", "--json"))
    assert "interviewed: zigbridge-sim SIM-" in daemon.wait_for(
        "00:5a:49:47:02:00:00:01 interviewed"
    )


def test_permit_join_zero_closes_joining(daemon):
    assert ok(daemon.cli("permit-join", "0")).strip() == "Joining closed."


def test_backup_then_restore_onto_a_new_stick(daemon, tmp_path):
    backup_file = tmp_path / "network.json"
    out = ok(daemon.cli("backup", str(backup_file)))
    assert f"to {backup_file}" in out and "keep it private" in out
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    backup = json.loads(backup_file.read_text())
    assert backup["metadata"]["format"] == "zigpy/open-coordinator-backup"
    assert len(backup["devices"]) >= 10

    # the daemon has the stick open: restore refuses
    busy = daemon.cli("restore", str(backup_file))
    assert busy.returncode == 1 and "stop it first" in busy.stderr

    # a new (simulated) stick: restore, start, and it is the same network
    new_dir = tmp_path / "new"
    restored = subprocess.run(
        zigbridge("--data-dir", str(new_dir), "--http-port", str(free_port()), "restore",
                  str(backup_file)),
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )  # fmt: skip
    assert restored.returncode == 0, restored
    assert f"PAN 0x{backup['pan_id'].upper()}" in restored.stdout
    second = DaemonProcess(new_dir, "--sim-quiet")
    try:
        text = second.wait_for(READY)
        assert f"PAN 0x{backup['pan_id'].upper()}" in text
        assert json.loads(ok(second.cli("devices", "--json")))["lights"]
    finally:
        second.stop()

    # restoring over another network needs --force
    other = tmp_path / "other"
    first = DaemonProcess(other, "--sim-quiet", "--sim-devices", "0")
    first.wait_for(READY)
    first.stop()
    refused = subprocess.run(
        zigbridge("--data-dir", str(other), "--http-port", str(free_port()), "restore",
                  str(backup_file)),
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )  # fmt: skip
    assert refused.returncode == 1 and "--force" in refused.stderr


def test_backup_to_stdout(daemon):
    backup = json.loads(ok(daemon.cli("backup", "-")))
    assert backup["channel"] == 15


def test_radios_lists_serial_ports():
    result = subprocess.run(
        zigbridge("radios"), capture_output=True, text=True, timeout=60, env=clean_env()
    )
    out = ok(result)
    assert out.startswith("PORT ") or out.startswith("No serial ports found")


@pytest.mark.parametrize(
    "args",
    [
        ["devices"],
        ["permit-join", "10"],
        ["apikey", "list"],
        ["apikey", "create", "x"],
        ["unlock"],
        ["backup", "-"],
    ],
)
def test_without_a_running_daemon_each_command_says_so(tmp_path, args):
    port = str(free_port())
    result = subprocess.run(
        zigbridge("--data-dir", str(tmp_path), "--http-port", port, *args),
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )  # fmt: skip
    assert result.returncode == 3, result
    assert result.stderr.startswith(
        f"zigbridge: zigbridge is not running at http://127.0.0.1:{port}"
    )
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_commands_find_the_daemon_through_the_config_file(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    http_port = free_port()
    (data_dir / "zigbridge.toml").write_text(
        f'[server]\nhost = "127.0.0.1"\nhttp_port = {http_port}\nws_port = {free_port()}\n'
        '[gateway]\nname = "Attic"\n[sim]\nquiet = true\n'
    )
    env = clean_env(ZIGBRIDGE_DATA_DIR=str(data_dir))
    proc = subprocess.Popen(
        zigbridge(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        _wait_for_rest(http_port)
        result = subprocess.run(
            zigbridge("devices", "--json"), capture_output=True, text=True, timeout=60, env=env
        )
        assert result.returncode == 0, result
        r = httpx.get(f"http://127.0.0.1:{http_port}/api/config")
        assert r.json()["name"] == "Attic"
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def _wait_for_rest(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"nothing answered on port {port}")


def test_unreadable_password_is_one_clear_line(daemon, tmp_path):
    empty = tmp_path / "not-the-data-dir"
    empty.mkdir()
    result = subprocess.run(
        zigbridge("--data-dir", str(empty), "--http-port", str(daemon.http_port), "devices"),
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.startswith(f"zigbridge: no gateway password in {empty}")


def test_version_and_help_of_each_command():
    for args in (["--version"], ["permit-join", "--help"], ["apikey", "--help"]):
        result = subprocess.run(zigbridge(*args), capture_output=True, text=True, env=clean_env())
        assert result.returncode == 0 and result.stdout, result
    bad = subprocess.run(zigbridge("permit-join", "999"), capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.startswith("zigbridge: ")
    assert "SECONDS must be 0 to 254" in bad.stderr


async def test_sim_join_on_permit_devices_are_back_after_a_restart(tmp_path):
    """The simulated devices that joined on permit are put back on the air at the next
    start, and the next permit brings a new one."""
    first = await _sim_daemon_joining_on_permit(tmp_path)
    try:
        assert (await first.put("/config", {"permitjoin": 10})).status_code == 200
        lights = first.gateway.store.lights
        new = "00:5a:49:47:02:00:00:01"
        await _wait_until(lambda: any(r.uniqueid.startswith(new) for r in lights.values()))
    finally:
        await first.http.aclose()
        await first.daemon.stop()
    second = await _sim_daemon_joining_on_permit(tmp_path)
    try:
        network = second.daemon.radio.app.network
        assert "00:5a:49:47:02:00:00:01" in network
        await second.put("/config", {"permitjoin": 10})
        await _wait_until(lambda: "00:5a:49:47:02:00:00:02" in network)
    finally:
        await second.http.aclose()
        await second.daemon.stop()


async def _sim_daemon_joining_on_permit(data_dir):
    daemon = Daemon(daemon_settings(data_dir, sim_join_on_permit=True))
    await daemon.start()
    running = Running(daemon, data_dir)
    running.key = await running.create_key()
    return running


async def _wait_until(predicate, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def test_default_data_dir(tmp_path):
    state = tmp_path / "state"
    assert default_data_dir({"STATE_DIRECTORY": f"{state}:/other"}) == state
    if not (SYSTEM_DATA_DIR.is_dir() and os.geteuid() == 0):  # else: the service's
        assert default_data_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "zigbridge"


def _port(vid, pid, product, device="/dev/ttyUSB0"):
    from serialx import SerialPortInfo

    return SerialPortInfo(
        device=device, resolved_device=device, vid=vid, pid=pid, serial_number=None,
        manufacturer=None, product=product, bcd_device=None, interface_description=None,
        interface_num=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("vid", "pid", "product", "stick", "radio"),
    [
        (0x10C4, 0xEA60, "Sonoff Zigbee 3.0 USB Dongle Plus", "Sonoff ZBDongle-P (CC2652P)", "znp"),
        (0x10C4, 0xEA60, "SkyConnect v1.0", "Home Assistant SkyConnect / Connect ZBT-1", "ezsp"),
        (0x10C4, 0xEA60, "CP2102N USB to UART Bridge Controller",
         "Sonoff ZBDongle-P (CC2652P) or Home Assistant SkyConnect / Connect ZBT-1", "znp/ezsp"),
        (0x1A86, 0x55D4, "SONOFF Zigbee 3.0 USB Dongle Plus V2", "Sonoff ZBDongle-E (EFR32MG21)",
         "ezsp"),
        (0x1CF1, 0x0030, "ConBee II", "ConBee II", "deconz"),
        (0x0403, 0x6015, "ConBee III", "ConBee III", "deconz"),
        (0x0451, 0x16A8, "TI CC2531 USB CDC", "TI CC2531 / CC2652 board", "znp"),
        (0x046D, 0xC52B, "USB Receiver", "unknown USB serial device", "?"),
        (None, None, None, "built-in serial port (on a Pi: a RaspBee or another GPIO board?)", "?"),
    ],
)  # fmt: skip
def test_radios_recognises_sticks_by_usb_id_and_product(vid, pid, product, stick, radio):
    from radio.sticks import describe_port

    port = describe_port(_port(vid, pid, product))
    assert (port.stick, port.radio) == (stick, radio)
