"""Helpers for the history tests: a settable clock and sensor messages as the store
publishes them."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    @property
    def ms(self) -> int:
        return int(self.now * 1000)


def changed(sensor: str, **state: Any) -> dict[str, Any]:
    """A sensor `changed` message with `state`, as the store publishes it."""
    return {"e": "changed", "id": sensor, "r": "sensors", "t": "event", "state": state}


def rows_on_disk(path: Path) -> int:
    """What another process reading history.db finds there now."""
    if not path.exists():
        return 0
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM samples").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0
    finally:
        conn.close()
