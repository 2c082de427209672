"""The deCONZ reply envelope: error objects, success objects and request-body parsing.

Every mutating deCONZ endpoint answers with a JSON array of `{"success": {...}}` and
`{"error": {"type", "address", "description"}}` items. Clients match on the numeric `type`
(pydeconz maps it to exception classes and only reads item 0), some also on the description
text, so both are reproduced exactly as deCONZ v2.33 words them (`rest_api.h`, the handlers
in `rest_*.cpp`), including its punctuation quirks.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from gateway.core.errors import Conflict, CoreError, NotFound, NotModifiable, TableFull

MAX_BODY_BYTES = 64 * 1024


class ErrorType(IntEnum):
    """deCONZ error numbers (`rest_api.h`); the values are part of the wire protocol."""

    UNAUTHORIZED_USER = 1
    INVALID_JSON = 2
    RESOURCE_NOT_AVAILABLE = 3
    METHOD_NOT_AVAILABLE = 4
    MISSING_PARAMETER = 5
    PARAMETER_NOT_AVAILABLE = 6
    INVALID_VALUE = 7
    PARAMETER_NOT_MODIFIABLE = 8
    TOO_MANY_ITEMS = 11
    DUPLICATE_EXISTS = 100
    LINK_BUTTON_NOT_PRESSED = 101
    DEVICE_OFF = 201
    DEVICE_NOT_REACHABLE = 202
    GROUP_TABLE_FULL = 301
    DEVICE_GROUP_TABLE_FULL = 302
    DEVICE_SCENE_TABLE_FULL = 402
    ACTION_ERROR = 608
    INTERNAL_ERROR = 901
    NOT_CONNECTED = 950
    BRIDGE_BUSY = 951


# HTTP status deCONZ sends with each error type when the error ends the request (§1.2/§1.3).
# Per-parameter errors inside a 200 reply (light state, sensor config) keep the request's 200.
_DEFAULT_STATUS: dict[int, int] = {
    ErrorType.UNAUTHORIZED_USER: 403,
    ErrorType.INVALID_JSON: 400,
    ErrorType.RESOURCE_NOT_AVAILABLE: 404,
    ErrorType.METHOD_NOT_AVAILABLE: 404,
    ErrorType.MISSING_PARAMETER: 400,
    ErrorType.PARAMETER_NOT_AVAILABLE: 400,
    ErrorType.INVALID_VALUE: 400,
    ErrorType.PARAMETER_NOT_MODIFIABLE: 200,
    ErrorType.TOO_MANY_ITEMS: 400,
    ErrorType.DUPLICATE_EXISTS: 400,
    ErrorType.LINK_BUTTON_NOT_PRESSED: 403,
    ErrorType.DEVICE_OFF: 200,
    ErrorType.DEVICE_NOT_REACHABLE: 200,
    ErrorType.GROUP_TABLE_FULL: 400,
    ErrorType.DEVICE_GROUP_TABLE_FULL: 200,
    ErrorType.DEVICE_SCENE_TABLE_FULL: 200,
    ErrorType.ACTION_ERROR: 200,
    ErrorType.INTERNAL_ERROR: 503,
    ErrorType.NOT_CONNECTED: 503,
    ErrorType.BRIDGE_BUSY: 503,
}


def _html_escape(text: str) -> str:
    """What Qt's `QString::toHtmlEscaped` does (deCONZ escapes address and description)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def describe(value: Any) -> str:
    """A request value as it appears inside an error description.

    deCONZ prints numbers without a trailing `.0` and booleans as `true`/`false`; it prints
    lists and objects as an empty string, where we print compact JSON, which says more.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return str(value)


@dataclass(frozen=True, slots=True)
class ApiError:
    """One deCONZ error item. `address` is the REST path without `/api/<key>`."""

    type: int
    address: str
    description: str
    status: int | None = None  # overrides the per-type default HTTP status

    @property
    def http_status(self) -> int:
        """The status to send when this error ends a request (deCONZ's default per type)."""
        return self.status if self.status is not None else _DEFAULT_STATUS.get(self.type, 400)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": {
                "type": int(self.type),
                "address": _html_escape(self.address),
                "description": _html_escape(self.description),
            }
        }

    # -- the descriptions deCONZ uses, one constructor each ----------------------------------

    @classmethod
    def unauthorized(cls, address: str) -> ApiError:
        return cls(ErrorType.UNAUTHORIZED_USER, address, "unauthorized user")

    @classmethod
    def invalid_json(cls, address: str) -> ApiError:
        return cls(ErrorType.INVALID_JSON, address, "body contains invalid JSON")

    @classmethod
    def body_too_large(cls, address: str, max_bytes: int = MAX_BODY_BYTES) -> ApiError:
        """Our own guard (deCONZ has none): type 2 so clients treat it as a bad body, sent
        with HTTP 413 so proxies and humans see what happened."""
        return cls(
            ErrorType.INVALID_JSON,
            address,
            f"body too large, maximum is {max_bytes} bytes",
            status=413,
        )

    @classmethod
    def not_found(cls, resource: str) -> ApiError:
        return cls(
            ErrorType.RESOURCE_NOT_AVAILABLE, resource, f"resource, {resource}, not available"
        )

    @classmethod
    def method_not_available(cls, method: str, resource: str) -> ApiError:
        return cls(
            ErrorType.METHOD_NOT_AVAILABLE,
            resource,
            f"method, {method}, not available for resource, {resource}",
        )

    @classmethod
    def missing_parameters(cls, address: str, text: str = "missing parameters in body") -> ApiError:
        return cls(ErrorType.MISSING_PARAMETER, address, text)

    @classmethod
    def missing_companion(cls, address: str, needed: str, param: str) -> ApiError:
        """A parameter that only makes sense together with another one."""
        return cls(
            ErrorType.MISSING_PARAMETER,
            address,
            f"missing parameter, {needed}, for parameter, {param}",
        )

    @classmethod
    def parameter_not_available(cls, address: str, param: str) -> ApiError:
        return cls(ErrorType.PARAMETER_NOT_AVAILABLE, address, f"parameter, {param}, not available")

    @classmethod
    def invalid_value(cls, address: str, param: str, value: Any) -> ApiError:
        return cls(
            ErrorType.INVALID_VALUE,
            address,
            f"invalid value, {describe(value)}, for parameter, {param}",
        )

    @classmethod
    def light_param_not_modifiable(cls, address: str, param: str, reason: str = "") -> ApiError:
        """Light state wording: `parameter, colormode, is not modifiable.` (+ reason)."""
        text = f"parameter, {param}, is not modifiable."
        return cls(
            ErrorType.PARAMETER_NOT_MODIFIABLE, address, f"{text} {reason}" if reason else text
        )

    @classmethod
    def attribute_not_modifiable(cls, address: str, param: str) -> ApiError:
        """Sensor wording (config items and top-level attributes): no `is`, no period."""
        return cls(
            ErrorType.PARAMETER_NOT_MODIFIABLE, address, f"parameter, {param}, not modifiable"
        )

    @classmethod
    def device_off(cls, address: str, param: str) -> ApiError:
        return cls(
            ErrorType.DEVICE_OFF,
            address,
            f"parameter, {param}, is not modifiable. Device is set to off.",
        )

    @classmethod
    def not_reachable(cls, resource: str) -> ApiError:
        return cls(
            ErrorType.DEVICE_NOT_REACHABLE,
            resource,
            f"resource, {resource}, is not modifiable. Device is not reachable.",
        )

    @classmethod
    def link_button_not_pressed(cls, address: str = "/") -> ApiError:
        return cls(ErrorType.LINK_BUTTON_NOT_PRESSED, address, "link button not pressed")

    @classmethod
    def already_exists(cls, address: str, resource: str) -> ApiError:
        return cls(ErrorType.DUPLICATE_EXISTS, address, f"resource, {resource}, already exists")

    @classmethod
    def group_table_full(cls, address: str = "/groups") -> ApiError:
        return cls(
            ErrorType.GROUP_TABLE_FULL, address, "group could not be created. Group table is full."
        )

    @classmethod
    def could_not_set(cls, address: str) -> ApiError:
        return cls(ErrorType.ACTION_ERROR, address, "Could not set attribute")

    @classmethod
    def not_connected(cls, address: str) -> ApiError:
        return cls(ErrorType.NOT_CONNECTED, address, "Not connected")

    @classmethod
    def internal_error(cls, address: str) -> ApiError:
        return cls(ErrorType.INTERNAL_ERROR, address, "Internal error")

    @classmethod
    def bridge_busy(cls, address: str) -> ApiError:
        return cls(ErrorType.BRIDGE_BUSY, address, "gateway busy")

    @classmethod
    def sensor_type_not_creatable(cls, address: str = "/sensors") -> ApiError:
        """`POST /sensors` with a body: creating CLIP (virtual) sensors is not offered."""
        return cls(501, address, "not allowed to create sensor type", status=400)

    @classmethod
    def from_core(cls, exc: CoreError, address: str) -> ApiError:
        """The store refused a planned change: the request raced another one."""
        match exc:
            case NotFound():
                return cls.not_found(address)
            case Conflict():
                return cls.already_exists(address, address)
            case TableFull():
                return cls.group_table_full(address)
            case NotModifiable():
                return cls.attribute_not_modifiable(address, address.rsplit("/", 1)[-1])
        raise TypeError(f"no deCONZ error for {exc!r}")


def success(path: str, value: Any) -> dict[str, Any]:
    """`{"success": {path: value}}`, the per-parameter success item."""
    return {"success": {path: value}}


def success_items(items: dict[str, Any]) -> dict[str, Any]:
    """One success item with several keys, e.g. the search reply or created ids."""
    return {"success": dict(items)}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def parse_json_body(
    raw: bytes,
    *,
    address: str = "/",
    max_bytes: int = MAX_BODY_BYTES,
    allow_empty: bool = False,
) -> dict[str, Any] | ApiError:
    """The request body as a JSON object, or the error deCONZ answers with.

    Type 2 for anything that is not a UTF-8 JSON object (deCONZ parses every body as UTF-8
    JSON and ignores Content-Type). `NaN`, `Infinity` and numbers that overflow a double are
    refused: they are not JSON and would poison range checks. A body over `max_bytes` gets
    type 2 with its own description and HTTP 413. An empty body is an error unless
    `allow_empty` (endpoints such as search, recall and delete take no body), then `{}`.
    """
    if len(raw) > max_bytes:
        return ApiError.body_too_large(address, max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ApiError.invalid_json(address)
    if allow_empty and not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        return ApiError.invalid_json(address)
    if not isinstance(value, dict):
        return ApiError.invalid_json(address)
    if "\\u" in text and (bad := _unencodable(value, ())) is not None:
        path, text_value = bad
        return ApiError.invalid_value(
            "/".join((address.rstrip("/"), *path)), path[-1] if path else "body", text_value
        )
    return value


def _unencodable(value: Any, path: tuple[str, ...]) -> tuple[tuple[str, ...], str] | None:
    """The first string (key or value) that is not valid Unicode, such as a lone surrogate
    (`"\\ud800"` is valid JSON): where it is, and its text made printable."""
    if isinstance(value, str):
        shown = _printable(value)
        return (path, shown) if shown != value else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return None
    for key, item in items:
        shown = _printable(key)
        here = (*path, shown)
        if shown != key:
            return here, shown
        if (bad := _unencodable(item, here)) is not None:
            return bad
    return None


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
