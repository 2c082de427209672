"""The store's own settings (websocketnotifyall, lightlastseeninterval): applied live,
written once per change, read back after a restart; other config keys are not its own."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.core.persistence import Persistence
from gateway.core.store import Store


class SpyPersistence(Persistence):
    """A real Persistence on SQLite that records each `set_config` call."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(path)
        self.config_writes: list[dict[str, Any]] = []

    def set_config(self, values: Mapping[str, Any]) -> None:
        self.config_writes.append(dict(values))
        super().set_config(values)


def test_settings_are_written_once_and_survive_a_restart(db_path: Path, clock) -> None:
    spy = SpyPersistence(db_path)
    store = Store(spy, clock=clock)
    store.configure({"websocketnotifyall": False, "lightlastseeninterval": 120, "name": "Attic"})
    assert spy.config_writes == [{"websocketnotifyall": False, "lightlastseeninterval": 120}]
    assert (store.websocketnotifyall, store.lightlastseeninterval) == (False, 120)
    store.lightlastseeninterval = 300
    store.configure({"name": "not the store's"})
    assert spy.config_writes[1:] == [{"lightlastseeninterval": 300}]
    spy.close()

    reopened = Persistence(db_path)
    try:
        restarted = Store(reopened, clock=clock)
        assert (restarted.websocketnotifyall, restarted.lightlastseeninterval) == (False, 300)
        assert reopened.get_config("name") is None
    finally:
        reopened.close()
