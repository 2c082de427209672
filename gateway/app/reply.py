"""What the gateway answers to one deCONZ request, whatever transport carried it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.api.errors import ApiError


@dataclass(frozen=True, slots=True)
class Reply:
    """HTTP status, JSON-able body (None for 304) and the resource's ETag, unquoted."""

    status: int
    body: Any
    etag: str | None = None

    @classmethod
    def error(cls, error: ApiError) -> Reply:
        return cls(error.http_status, [error.to_dict()])


class Rejected(Exception):
    """Raised while answering a request to answer a deCONZ error at once."""

    def __init__(self, error: ApiError):
        super().__init__(error)
        self.error = error
