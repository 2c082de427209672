"""Errors the Store raises for REST-side mutations; the REST layer maps them to deCONZ
error types (noted per class)."""

from __future__ import annotations


class CoreError(Exception):
    """Base class for Store errors."""


class NotFound(CoreError):
    """The light/sensor/group/scene does not exist (deCONZ type 3)."""


class Conflict(CoreError):
    """A scene with that name or id already exists in the group (deCONZ type 100)."""


class TableFull(CoreError):
    """No free group address (type 301) or scene id (type 402) is left."""


class NotModifiable(CoreError):
    """The resource cannot be changed this way, e.g. deleting the all-lights group (type 8)."""
