"""`POST /api`: the body rules for a new API key (the link-button check is the app's).

deCONZ wants a `devicetype` (the app's name, ≤40 characters) and accepts a `username`
of 10..40 letters and digits chosen by the client; anything else is answered with type 5
(devicetype missing) or type 7. zigbridge adds `scope`: "control" (what every deCONZ key
is, the default) or "read", a key that may read everything and change nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError

DEVICETYPE_MAX = 40
USERNAME_MIN, USERNAME_MAX = 10, 40
CONTROL, READ = "control", "read"
SCOPES = (CONTROL, READ)


@dataclass(frozen=True, slots=True)
class NewKey:
    """The key to create: `devicetype` trimmed, `username` None for a generated key."""

    devicetype: str
    username: str | None = None
    scope: str = CONTROL


def plan_key_create(body: Mapping[str, Any]) -> NewKey | ApiError:
    devicetype = body.get("devicetype")
    if not isinstance(devicetype, str) or not devicetype.strip():
        return ApiError.missing_parameters("/", "invalid/missing parameters in body")
    if len(devicetype) > DEVICETYPE_MAX:
        return ApiError.invalid_value("/devicetype", "devicetype", devicetype)
    username = body.get("username")
    if username is not None and (
        not isinstance(username, str)
        or not USERNAME_MIN <= len(username) <= USERNAME_MAX
        or not username.isalnum()
    ):
        return ApiError.invalid_value("/username", "username", username)
    scope = body.get("scope", CONTROL)
    if not isinstance(scope, str) or scope not in SCOPES:
        return ApiError.invalid_value("/scope", "scope", scope)
    return NewKey(devicetype.strip(), username, scope)
