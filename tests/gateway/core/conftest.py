"""Fixtures for the Sans-I/O core: a controllable clock, a Store on a real SQLite file in
tmp_path, the device zoo, and small event builders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import core_zoo
import pytest
from core_zoo import Clock

from gateway.core.persistence import Persistence
from gateway.core.store import Store
from radio.events import AttributeReport, ClusterCommand, DeviceInfo, DeviceInitialized

# --- fixtures --------------------------------------------------------------------------


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "zigbridge.db"


@pytest.fixture
def persistence(db_path: Path) -> Iterator[Persistence]:
    p = Persistence(db_path)
    yield p
    p.close()


@pytest.fixture
def store(persistence: Persistence, clock: Clock) -> Store:
    return Store(persistence, clock=clock)


@pytest.fixture
def zoo() -> SimpleNamespace:
    return core_zoo  # type: ignore[return-value]


@pytest.fixture
def rx(clock: Clock) -> SimpleNamespace:
    """Builders for radio events, time-stamped with the test clock."""

    def join(device: DeviceInfo, restored: bool = False) -> DeviceInitialized:
        return DeviceInitialized(device, restored=restored, timestamp=clock.now)

    def report(ieee: str, ep: int, cluster: int, attribute: int, value: Any) -> AttributeReport:
        return AttributeReport(ieee, ep, cluster, attribute, None, value, timestamp=clock.now)

    def command(
        ieee: str,
        ep: int,
        cluster: int,
        command_id: int,
        name: str,
        group: int | None = None,
        **args: Any,
    ) -> ClusterCommand:
        return ClusterCommand(ieee, ep, cluster, command_id, name, args, group, timestamp=clock.now)

    return SimpleNamespace(join=join, report=report, command=command)


@pytest.fixture
def joined(store: Store, rx: SimpleNamespace) -> Callable[..., list[dict[str, Any]]]:
    """Join a device (a fresh interview unless `restored`); returns the messages."""

    def _join(device: DeviceInfo, restored: bool = False) -> list[dict[str, Any]]:
        return store.handle(rx.join(device, restored))

    return _join
