"""API keys, the unlock window and the gateway password.

deCONZ hands out a key only while the gateway is unlocked (`PUT /config {"unlock": s}` or
the Phoscon button). A headless Pi has no button, so zigbridge also accepts HTTP Basic auth
with the gateway password, generated at first start into `<data-dir>/password` (mode 0600).
Secrets are compared in constant time; keys are written durably before they are answered.
A key's scope (zigbridge's, not deCONZ's) is "control" or "read": the dispatcher lets a read
key do nothing but GET, and config's whitelist shows a read key no key but its own.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gateway.api.keys import CONTROL, READ

LOGGER = logging.getLogger("gateway.api")

MAX_UNLOCK = 600
KEY_DEBOUNCE = 30.0  # same devicetype within 30 s gets the same key back (deCONZ, for Echo)


@dataclass(slots=True)
class ApiKey:
    key: str
    name: str
    created: float
    last_used: float
    scope: str = CONTROL

    @property
    def read_only(self) -> bool:
        return self.scope == READ


class ScopeConflict(ValueError):
    """The chosen username is a key of another scope."""


class KeyStore(Protocol):
    def save_apikey(
        self, key: str, name: str, created: float, last_used: float, scope: str = CONTROL
    ) -> None: ...
    def delete_apikey(self, key: str) -> None: ...


def load_or_create_password(data_dir: Path) -> str:
    """The gateway password; created with mode 0600 on first start and logged once."""
    path = data_dir / "password"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    LOGGER.warning(
        "Generated the gateway password %s (stored in %s). Use it as HTTP Basic auth on "
        "POST /api to create an API key without unlocking the gateway.",
        password,
        path,
    )
    return password


class Authenticator:
    def __init__(
        self,
        password: str,
        keys: dict[str, ApiKey],
        store: KeyStore,
        clock: Callable[[], float] = time.time,
    ):
        self._password = password.encode()
        self._keys = dict(keys)
        self._store = store
        self._clock = clock
        self._unlocked_until = 0.0

    # -- the unlock window -------------------------------------------------------------

    def unlock(self, seconds: int) -> None:
        self._unlocked_until = self._clock() + min(max(seconds, 0), MAX_UNLOCK)

    @property
    def unlocked(self) -> bool:
        return self._clock() < self._unlocked_until

    # -- checks ------------------------------------------------------------------------

    def basic_auth_ok(self, header: str | None) -> bool:
        """`Authorization: Basic base64(user:password)`; any user name, our password."""
        if not header or not header.lower().startswith("basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        _, _, password = decoded.partition(b":")
        return hmac.compare_digest(password, self._password)

    def lookup(self, candidate: str) -> ApiKey | None:
        """The key record, compared against every key in constant time per key."""
        found = None
        encoded = candidate.encode()
        for key, record in self._keys.items():
            if hmac.compare_digest(key.encode(), encoded):
                found = record
        return found

    def touch(self, record: ApiKey) -> None:
        """Note the last use in memory; persisted lazily (not on every request)."""
        record.last_used = self._clock()

    # -- keys --------------------------------------------------------------------------

    @property
    def keys(self) -> dict[str, ApiKey]:
        return self._keys

    def create_key(self, devicetype: str, username: str | None = None, scope: str = CONTROL) -> str:
        """The new key, or as deCONZ does the chosen username that exists already or the
        key just made for the same devicetype. A key never changes scope: a username that
        exists with another one raises `ScopeConflict`."""
        now = self._clock()
        if username is not None and username in self._keys:
            if self._keys[username].scope != scope:
                raise ScopeConflict(username)
            return username
        if username is None:
            for record in self._keys.values():
                if (
                    record.name == devicetype
                    and record.scope == scope
                    and now - record.created < KEY_DEBOUNCE
                ):
                    return record.key
        key = username or secrets.token_hex(5).upper()
        record = ApiKey(key=key, name=devicetype, created=now, last_used=now, scope=scope)
        self._store.save_apikey(key, devicetype, now, now, scope)
        self._keys[key] = record
        LOGGER.info("Created API key for %r (scope %s)", devicetype, scope)
        return key

    def delete_key(self, key: str) -> bool:
        if key not in self._keys:
            return False
        self._store.delete_apikey(key)
        del self._keys[key]
        return True

    def flush_usage(self) -> None:
        for record in self._keys.values():
            self._store.save_apikey(
                record.key, record.name, record.created, record.last_used, record.scope
            )
