"""Automatic backups in `<data-dir>/backups/`: what is kept (a file per network change, the
first backup of each day, old ones pruned, mode 0600), and the wiring: zigpy's own backup
manager raises the events in the running daemon (its start-up backup, its periodic loop,
a backup over REST), and a network restored onto the stick shows up as a change.

zigpy's backup period is at least a minute, so the test drives zigpy's own periodic loop
(`BackupManager.start_periodic_backups`) with a short period on the running daemon, and
moves the automatic backup's clock forward a day per backup instead of waiting.
"""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import zigpy.types as t
from zigpy.backups import NetworkBackup

from radio.autobackup import AutoBackup
from radio.backup import parse_backup, read_backup, restore_backup
from radio.sim.demo import demo_home
from tests.gateway.conftest import start_daemon
from tests.radio.test_backup import zigbee2mqtt_backup

DAY = timedelta(days=1)
START = datetime(2025, 3, 1, 6, 30, tzinfo=UTC)
HOME = len(demo_home())  # the demo home's devices


class Clock:
    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def network(**changes) -> NetworkBackup:
    doc = zigbee2mqtt_backup()
    doc.update(changes)
    return parse_backup(json.dumps(doc), "test")


def with_counter(backup: NetworkBackup, counter: int) -> NetworkBackup:
    info = backup.network_info
    key = info.network_key.replace(tx_counter=counter)
    return NetworkBackup(network_info=info.replace(network_key=key), node_info=backup.node_info)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_a_file_per_network_change_and_per_day_private_and_restorable(tmp_path: Path):
    directory = tmp_path / "backups"
    clock = Clock()
    auto = AutoBackup(directory, clock=clock)
    first = network()

    written = auto.save(first)
    assert written == directory / "changed-2025-03-01T063000Z.json"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(written.stat().st_mode) == 0o600  # it holds the network key
    assert read_backup(written).is_compatible_with(first)  # `zigbridge restore` reads it

    # The same network again that day (a restart): nothing new
    clock.now += timedelta(hours=3)
    assert auto.save(with_counter(first, 90000)) is None
    # The next day: the day's file, once
    clock.now += DAY
    assert auto.save(with_counter(first, 91000)).name == "daily-2025-03-02.json"
    assert auto.save(with_counter(first, 92000)) is None
    # Another network (say a restore, or another channel): a change, whatever the hour
    other = network(channel=25, channel_mask=[25])
    assert auto.save(other).name == "changed-2025-03-02T093000Z.json"
    assert names(directory) == [
        "changed-2025-03-01T063000Z.json",
        "changed-2025-03-02T093000Z.json",
        "daily-2025-03-02.json",
    ]
    # A restarted gateway reads the newest file back and compares with it
    again = AutoBackup(directory, clock=clock)
    assert again.latest().network_info.channel == 25
    assert again.save(other) is None
    assert again.save(first).name == "changed-2025-03-02T093000Z-2.json"  # same second


def test_old_files_are_pruned(tmp_path: Path):
    clock = Clock()
    auto = AutoBackup(tmp_path, clock=clock, keep_daily=7, keep_changed=5)
    for day in range(12):  # the same network every day: the first is new, then dailies
        clock.now = START + day * DAY
        auto.save(network())
    for day in range(12, 20):  # then a change a day
        clock.now = START + day * DAY
        auto.save(network(channel=11 + day % 2, channel_mask=[11 + day % 2]))
    daily = [n for n in names(tmp_path) if n.startswith("daily-")]
    changed = [n for n in names(tmp_path) if n.startswith("changed-")]
    assert daily == [f"daily-2025-03-{d:02d}.json" for d in range(6, 13)]
    assert changed == [f"changed-2025-03-{d:02d}T063000Z.json" for d in range(16, 21)]


def test_a_backup_that_cannot_be_written_is_a_warning_not_a_failure(tmp_path: Path, caplog):
    blocker = tmp_path / "backups"
    blocker.write_text("a file where the directory should be")
    auto = AutoBackup(blocker)
    with caplog.at_level(logging.WARNING, logger="gateway.backup"):
        auto.network_backup_created(network())  # zigpy's listener event: must not raise
    assert f"Could not save the automatic network backup in {blocker}" in caplog.text


async def until(predicate, timeout: float = 15.0):
    async with asyncio.timeout(timeout):
        while not (result := predicate()):
            await asyncio.sleep(0.02)
    return result


async def test_the_daemon_keeps_backups_from_zigpys_own_backup_manager(tmp_path: Path):
    backups = tmp_path / "backups"
    gw = await start_daemon(tmp_path)
    try:
        # zigpy's backups at start-up: the first network here is a change, and so is the
        # same network once the demo home's twelve devices have joined it (no daily file: the
        # day is on file)
        auto = gw.daemon.autobackup

        def with_the_devices() -> list[Path]:
            files = auto.files()
            newest = read_backup(files[-1]) if files else None
            return files if newest and len(newest.network_info.nwk_addresses) == HOME else []

        files = await until(with_the_devices)
        first = files[0].name
        changed = names(backups)
        assert all(n.startswith("changed-") for n in changed)
        await gw.http.get(f"/api/{gw.key}/config/zigbee/backup")  # same network and devices
        assert names(backups) == changed
        up = gw.daemon.radio.network_up
        on_disk = read_backup(backups / first)
        assert str(on_disk.network_info.extended_pan_id) == up.extended_pan_id

        # zigpy's periodic loop (daily in real life), a day per backup on our clock
        clock = Clock(datetime.now(UTC) + DAY)
        gw.daemon.autobackup.clock = clock
        manager = gw.daemon.radio.app.backups

        days: list[datetime] = []

        def next_day(_backup) -> None:
            days.append(clock.now)
            clock.now += DAY

        class Tick:
            network_backup_created = staticmethod(next_day)

        manager.add_listener(Tick())  # after ours: each backup lands on its own day
        manager.start_periodic_backups(period=0.01)
        await until(lambda: len(days) >= 10)
        manager.stop_periodic_backups()
        daily = [n for n in names(backups) if n.startswith("daily-")]
        # a file a day, pruned to the last seven as it goes
        assert daily == [f"daily-{day:%Y-%m-%d}.json" for day in days[-7:]]
        newest = read_backup(backups / daily[-1])
        assert newest.is_compatible_with(on_disk)
        assert len(newest.network_info.nwk_addresses) == HOME  # the demo home's devices
        assert [n for n in names(backups) if n.startswith("changed-")] == changed

        # A backup over REST (`zigbridge backup`) is one of zigpy's too
        clock.now += DAY
        expected = backups / f"daily-{clock.now:%Y-%m-%d}.json"
        r = await gw.http.get(f"/api/{gw.key}/config/zigbee/backup")
        assert r.status_code == 200
        assert expected.exists()
    finally:
        await gw.http.aclose()
        await gw.daemon.stop()

    # Another network restored onto the stick (the daemon stopped): a change at start-up
    other = read_backup(backups / first)
    info = other.network_info
    other = replace(
        other,
        network_info=info.replace(
            pan_id=t.PanId(0x2B2B),
            extended_pan_id=t.ExtendedPanId.convert("0a:0b:0c:0d:0e:0f:10:11"),
        ),
    )
    settings = replace(gw.daemon.radio_settings)
    await restore_backup(settings, other, force=True)
    changes = len([n for n in names(backups) if n.startswith("changed-")])
    gw = await start_daemon(tmp_path)
    try:
        await until(lambda: len([n for n in names(backups) if n.startswith("changed-")]) > changes)
        newest = AutoBackup(backups).files("changed-")[-1]  # in the order of their time
        assert read_backup(newest).network_info.pan_id == 0x2B2B
        assert gw.daemon.radio.network_up.pan_id == 0x2B2B
    finally:
        await gw.http.aclose()
        await gw.daemon.stop()


async def test_a_device_that_joins_is_in_a_backup_soon_after(tmp_path: Path):
    from tests.gateway.conftest import daemon_settings, run_daemon, stop_daemon

    gw = await run_daemon(daemon_settings(tmp_path, sim_join_on_permit=True))
    auto = gw.daemon.autobackup
    auto.after_joins, auto.min_interval = 0.2, 0.0  # a minute and ten minutes in real life

    def devices_on_file() -> int:
        files = auto.files()
        return len(read_backup(files[-1]).network_info.nwk_addresses) if files else 0

    try:
        await until(lambda: devices_on_file() == HOME)
        before = names(tmp_path / "backups")
        assert (await gw.put("/config", {"permitjoin": 30})).status_code == 200
        # the demo home, the coordinator and the one that joined
        await until(lambda: len(gw.daemon.radio.app.devices) == HOME + 2, timeout=30)
        await until(lambda: devices_on_file() == HOME + 1, timeout=30)
        added = sorted(set(names(tmp_path / "backups")) - set(before))
        assert len(added) == 1 and added[0].startswith("changed-")
    finally:
        await stop_daemon(gw)
