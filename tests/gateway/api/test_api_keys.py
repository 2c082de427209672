"""`POST /api`'s body rules as a plain function: devicetype, username and zigbridge's scope."""

from __future__ import annotations

import pytest

from gateway.api.errors import ApiError
from gateway.api.keys import NewKey, plan_key_create


def test_a_key_is_control_unless_read_is_asked_for():
    assert plan_key_create({"devicetype": " app "}) == NewKey("app", None, "control")
    assert plan_key_create({"devicetype": "app", "scope": "control"}).scope == "control"
    assert plan_key_create({"devicetype": "app", "scope": "read"}) == NewKey("app", None, "read")


@pytest.mark.parametrize("scope", ["admin", "READ", "", None, 1, ["read"], {"read": True}])
def test_any_other_scope_is_error_7_on_scope(scope):
    error = plan_key_create({"devicetype": "app", "scope": scope})
    assert isinstance(error, ApiError)
    assert (error.to_dict()["error"]["type"], error.to_dict()["error"]["address"]) == (
        7,
        "/scope",
    )
    assert error.http_status == 400
