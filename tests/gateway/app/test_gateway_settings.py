"""Gateway settings: a `PUT /config` is one durable commit that writes each key once, and
what it wrote is what a restarted gateway reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gateway.app.gateway as gateway_module
from gateway.core.persistence import Persistence
from gateway.core.store import Store
from tests.gateway.conftest import start_daemon, stop_daemon


class CountingPersistence(Persistence):
    """A real Persistence that counts its commits and the config keys each write sets."""

    def __init__(self, path: str | Path, **kwargs: Any) -> None:
        super().__init__(path, **kwargs)
        self.commits = 0
        self.config_writes: list[str] = []
        self._conn.set_trace_callback(self._trace)

    def _trace(self, statement: str) -> None:
        if statement.strip().upper() == "COMMIT":
            self.commits += 1

    def set_config(self, values: Any) -> None:
        self.config_writes.extend(values)
        super().set_config(values)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gateway_module, "Persistence", CountingPersistence)


@pytest.mark.usefixtures("counting")
async def test_put_config_writes_each_key_once_in_one_commit(tmp_path: Path) -> None:
    running = await start_daemon(tmp_path)
    try:
        db = running.gateway.persistence
        assert isinstance(db, CountingPersistence)
        db.commits, db.config_writes = 0, []
        body = {"websocketnotifyall": False, "lightlastseeninterval": 120, "name": "Attic"}
        response = await running.put("/config", body)
        assert response.status_code == 200, response.text
        assert sorted(db.config_writes) == sorted(body)
        assert db.commits == 1

        db.commits, db.config_writes = 0, []
        response = await running.put("/config", {"websocketnotifyall": True})
        assert response.status_code == 200, response.text
        assert (db.config_writes, db.commits) == (["websocketnotifyall"], 1)
        config = await running.get("/config")
        assert (config["websocketnotifyall"], config["lightlastseeninterval"]) == (True, 120)
    finally:
        await stop_daemon(running)

    reopened = Persistence.open_data_dir(tmp_path)
    try:
        assert reopened.get_config("websocketnotifyall") is True
        assert reopened.get_config("lightlastseeninterval") == 120
        assert reopened.get_config("name") == "Attic"
        store = Store(reopened)
        assert (store.websocketnotifyall, store.lightlastseeninterval) == (True, 120)
    finally:
        reopened.close()
