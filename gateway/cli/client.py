"""The command line's way to the running daemon: its own REST API and websocket.

The CLI authenticates the way any app does, with an API key. It makes one for itself the
first time (HTTP Basic auth with the gateway password from `<data-dir>/password`) and keeps
it in `<data-dir>/cli-apikey`, mode 0600, beside the password. Creating a key per command
instead would fill the gateway's whitelist with entries nobody can tell apart; storing
it adds no exposure, since whoever can read that file can read the password next to it. A
key deleted meanwhile (`zigbridge apikey delete`, an app) is replaced on its next use.

Only the standard library and `websockets` (a dependency anyway) are used, so a command
starts quickly on a Pi: it imports neither zigpy nor the web framework.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
from pathlib import Path
from typing import Any

from gateway.daemon.settings import Settings

CLI_DEVICETYPE = "zigbridge#cli"
KEY_FILE = "cli-apikey"
UNAUTHORIZED = 1  # deCONZ error type


class DaemonNotRunning(Exception):
    """Nothing answers on the configured REST port."""


class ClientError(Exception):
    """The daemon answered with an error, or the CLI cannot authenticate."""


def error_description(body: Any) -> str | None:
    """The first deCONZ error description in a response body, if any."""
    if isinstance(body, list):
        for item in body:
            if isinstance(item, dict) and "error" in item:
                return str(item["error"].get("description", item["error"]))
    return None


LINK_BUTTON_NOT_PRESSED = 101


def _error_type(body: Any) -> int | None:
    if isinstance(body, list) and body and isinstance(body[0], dict):
        error = body[0].get("error")
        if isinstance(error, dict) and isinstance(error.get("type"), int):
            return error["type"]
    return None


class GatewayClient:
    def __init__(self, settings: Settings, timeout: float = 30.0):
        self.settings = settings
        self.timeout = timeout
        self._key: str | None = None

    @property
    def key_file(self) -> Path:
        return self.settings.data_dir / KEY_FILE

    # -- HTTP -----------------------------------------------------------------------------

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        """One request; the decoded JSON body (None when empty)."""
        server = self.settings.server
        host, port = server.client_host, server.http_port
        conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        try:
            conn.request(method, path, body=payload, headers=all_headers)
            response = conn.getresponse()
            raw = response.read()
        except http.client.HTTPException as exc:
            raise ClientError(
                f"{server.rest_url} does not speak HTTP ({exc!r}): is that zigbridge?"
            ) from None
        except OSError as exc:
            if isinstance(exc, TimeoutError):
                raise ClientError(
                    f"zigbridge at {server.rest_url} did not answer within {self.timeout:.0f} s"
                ) from None
            raise DaemonNotRunning(
                f"zigbridge is not running at {server.rest_url} ({_reason(exc)}); start it with "
                "`sudo systemctl start zigbridge` or `zigbridge run`, or point this command "
                "at it with --http-port/--host or --config"
            ) from None
        finally:
            conn.close()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:
            raise ClientError(
                f"{server.rest_url} answered {response.status} with something other than JSON: "
                "is that really zigbridge?"
            ) from None

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """`/api/<key><path>` with the CLI's key, replacing the key once if it is gone."""
        for attempt in range(2):
            status, data = self.request(method, f"/api/{self.key()}{path}", body)
            if _error_type(data) == UNAUTHORIZED and attempt == 0:
                self._forget_key()
                continue
            description = error_description(data)
            if status >= 400 or description:
                raise ClientError(f"the gateway answered: {description or f'HTTP {status}'}")
            return data
        raise AssertionError("unreachable")

    # -- keys -----------------------------------------------------------------------------

    def password(self) -> str:
        path = self.settings.data_dir / "password"
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            raise ClientError(
                f"no gateway password in {path.parent}: is that the daemon's data directory? "
                "(set it with --data-dir, ZIGBRIDGE_DATA_DIR or data_dir in the config file)"
            ) from None
        except PermissionError:
            raise ClientError(
                f"no permission to read {path}; run this as the user zigbridge runs as "
                "(sudo -u zigbridge …) or with sudo"
            ) from None

    def create_key(self, devicetype: str, scope: str = "control") -> str:
        """A new API key ("read": one that can change nothing), authorised by the gateway
        password (no unlock needed)."""
        self.request("GET", "/api/config")  # "not running" comes before "no password"
        token = base64.b64encode(f"zigbridge:{self.password()}".encode()).decode()
        body = {"devicetype": devicetype, "scope": scope}
        status, data = self.request("POST", "/api", body, {"Authorization": f"Basic {token}"})
        try:
            return str(data[0]["success"]["username"])
        except (TypeError, KeyError, IndexError):
            if _error_type(data) == LINK_BUTTON_NOT_PRESSED:  # our password was refused
                raise ClientError(
                    f"the gateway refused the password in {self.settings.data_dir / 'password'}"
                    ": is that the running daemon's data directory (--data-dir)?"
                ) from None
            problem = error_description(data) or f"HTTP {status}"
            raise ClientError(f"could not create an API key: {problem}") from None

    def key(self) -> str:
        if self._key is None:
            with contextlib.suppress(OSError):
                self._key = self.key_file.read_text().strip() or None
        if self._key is None:
            self._key = self.create_key(CLI_DEVICETYPE)
            self._store_key(self._key)
        return self._key

    def _forget_key(self) -> None:
        self._key = None
        with contextlib.suppress(OSError):
            self.key_file.unlink()

    def _store_key(self, key: str) -> None:
        """Write the key with mode 0600, atomically; a read-only data dir just means the
        next command makes another key."""
        tmp = self.key_file.with_name(f".{KEY_FILE}.{os.getpid()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(key + "\n")
            os.replace(tmp, self.key_file)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()

    # -- websocket ------------------------------------------------------------------------

    def websocket(self) -> Any:
        """A connection to the daemon's push websocket, at the port its config names."""
        from websockets.exceptions import InvalidHandshake
        from websockets.sync.client import connect

        port = self.api("GET", "/config")["websocketport"]
        host = self.settings.server.client_host
        url = f"ws://{f'[{host}]' if ':' in host else host}:{port}"
        try:
            return connect(url, proxy=None, compression=None, open_timeout=self.timeout)
        except (OSError, InvalidHandshake) as exc:
            raise ClientError(f"cannot connect to the websocket at {url}: {exc}") from None


def _error_type(body: Any) -> int | None:
    if isinstance(body, list) and body and isinstance(body[0], dict) and "error" in body[0]:
        return body[0]["error"].get("type")
    return None


def _reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return exc.strerror or str(exc) or type(exc).__name__
