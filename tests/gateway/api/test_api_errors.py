from __future__ import annotations

import pytest

from gateway.api.errors import ApiError, ErrorType, describe, parse_json_body, success
from gateway.core.errors import Conflict, NotFound, NotModifiable, TableFull


@pytest.mark.parametrize(
    ("error", "expected", "status"),
    [
        (ApiError.unauthorized("/lights"), (1, "/lights", "unauthorized user"), 403),
        (
            ApiError.invalid_json("/lights/1/state"),
            (2, "/lights/1/state", "body contains invalid JSON"),
            400,
        ),
        (
            ApiError.not_found("/lights/9"),
            (3, "/lights/9", "resource, /lights/9, not available"),
            404,
        ),
        (
            ApiError.method_not_available("PUT", "/x"),
            (4, "/x", "method, PUT, not available for resource, /x"),
            404,
        ),
        (ApiError.missing_parameters("/groups"), (5, "/groups", "missing parameters in body"), 400),
        (
            ApiError.parameter_not_available("/lights/1/state/foo", "foo"),
            (6, "/lights/1/state/foo", "parameter, foo, not available"),
            400,
        ),
        (
            ApiError.invalid_value("/config/name", "p", "v"),
            (7, "/config/name", "invalid value, v, for parameter, p"),
            400,
        ),
        (
            ApiError.light_param_not_modifiable("/lights/1/state/colormode", "colormode"),
            (8, "/lights/1/state/colormode", "parameter, colormode, is not modifiable."),
            200,
        ),
        (ApiError.link_button_not_pressed(), (101, "/", "link button not pressed"), 403),
        (
            ApiError.device_off("/lights/1/state/bri", "bri"),
            (
                201,
                "/lights/1/state/bri",
                "parameter, bri, is not modifiable. Device is set to off.",
            ),
            200,
        ),
        (
            ApiError.not_reachable("/lights/1/state"),
            (
                202,
                "/lights/1/state",
                "resource, /lights/1/state, is not modifiable. Device is not reachable.",
            ),
            200,
        ),
        (
            ApiError.not_connected("/groups/1/action"),
            (950, "/groups/1/action", "Not connected"),
            503,
        ),
        (
            ApiError.bridge_busy("/groups/1/scenes/1"),
            (951, "/groups/1/scenes/1", "gateway busy"),
            503,
        ),
        (
            ApiError.attribute_not_modifiable("/sensors/1/config/battery", "battery"),
            (8, "/sensors/1/config/battery", "parameter, battery, not modifiable"),
            200,
        ),
        (
            ApiError.group_table_full(),
            (301, "/groups", "group could not be created. Group table is full."),
            400,
        ),
    ],
)
def test_error_texts_and_statuses(error, expected, status):
    type_, address, description = expected
    assert error.to_dict() == {
        "error": {"type": type_, "address": address, "description": description}
    }
    assert error.http_status == status


def test_error_type_is_a_plain_int_on_the_wire():
    item = ApiError.invalid_json("/x").to_dict()
    assert type(item["error"]["type"]) is int
    assert ErrorType.NOT_CONNECTED == 950


def test_address_and_description_are_html_escaped_like_qt():
    error = ApiError.parameter_not_available('/lights/1/state/<b>"&', '<b>"&')
    assert error.to_dict()["error"] == {
        "type": 6,
        "address": "/lights/1/state/&lt;b&gt;&quot;&amp;",
        "description": "parameter, &lt;b&gt;&quot;&amp;, not available",
    }


def test_success_item():
    assert success("/lights/1/state/on", True) == {"success": {"/lights/1/state/on": True}}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (300, "300"),
        (254.0, "254"),
        (1.5, "1.5"),
        ("abc", "abc"),
        ([1, "a"], '[1,"a"]'),
        ({"a": 1}, '{"a":1}'),
    ],
)
def test_describe_values_like_deconz(value, text):
    assert describe(value) == text


class TestParseJsonBody:
    def test_object(self):
        assert parse_json_body(b'{"on": true, "bri": 10}') == {"on": True, "bri": 10}

    def test_utf8_strings(self):
        assert parse_json_body('{"name": "Küche ☕"}'.encode()) == {"name": "Küche ☕"}

    @pytest.mark.parametrize(
        "raw",
        [
            b"{",
            b"[]",
            b"[1, 2]",
            b'"on"',
            b"1",
            b"null",
            b"true",
            b"\xff\xfe{}",
            b'{"bri": NaN}',
            b'{"bri": Infinity}',
            b'{"bri": -Infinity}',
            b'{"bri": 1e400}',
            b"\xef\xbb\xbf{}",  # a BOM is not JSON
            b"[" * 60_000,
            b'{"bri": 1' + b"0" * 5000 + b"}",  # beyond Python's int parsing limit
            b"",
            b"   ",
        ],
    )
    def test_invalid_json_is_type_2(self, raw):
        result = parse_json_body(raw, address="/lights/1/state")
        assert result == ApiError.invalid_json("/lights/1/state")
        assert result.http_status == 400

    def test_empty_body_allowed_where_the_endpoint_takes_none(self):
        assert parse_json_body(b"", allow_empty=True) == {}
        assert parse_json_body(b" \n", allow_empty=True) == {}
        assert parse_json_body(b"{}", allow_empty=True) == {}

    def test_body_over_64_kib_gets_its_own_error_and_413(self):
        raw = b'{"name": "' + b"x" * 70_000 + b'"}'
        result = parse_json_body(raw, address="/config")
        assert isinstance(result, ApiError)
        assert result.to_dict() == {
            "error": {
                "type": 2,
                "address": "/config",
                "description": "body too large, maximum is 65536 bytes",
            }
        }
        assert result.http_status == 413

    def test_limit_is_inclusive_and_configurable(self):
        raw = b'{"a": "' + b"x" * (65536 - 9) + b'"}'
        assert len(raw) == 65536
        assert isinstance(parse_json_body(raw), dict)
        assert isinstance(parse_json_body(b'{"a": 1}', max_bytes=4), ApiError)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (NotFound("x"), (3, 404, "resource, /groups/5, not available")),
        (Conflict("x"), (100, 400, "resource, /groups/5, already exists")),
        (TableFull("x"), (301, 400, "group could not be created. Group table is full.")),
        (NotModifiable("x"), (8, 200, "parameter, 5, not modifiable")),
    ],
)
def test_store_refusals_become_deconz_errors(exc, expected):
    error = ApiError.from_core(exc, "/groups/5")
    assert (error.type, error.http_status, error.description) == expected
    assert error.address == "/groups/5"
