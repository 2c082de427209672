"""A resource's JSON as `GET /api/<key>/<kind>/<id>` shows it, for every transport."""

from __future__ import annotations

from typing import Any

from gateway.core.store import Store


def resource_view(kind: str, resource: Any) -> dict[str, Any]:
    """Lights and sensors as views sharing their sub-objects (encode at once, never keep);
    a group as a fresh object."""
    return resource.to_json() if kind == "groups" else resource.view()


def find_view(store: Store, kind: str, rid: str) -> dict[str, Any] | None:
    """The resource's JSON, or None when there is no such resource (any more)."""
    resource = getattr(store, kind).get(rid)
    return None if resource is None else resource_view(kind, resource)
