from __future__ import annotations

import pytest

from gateway.api.changes import ConfigChange
from gateway.api.config import ChangeChannel, SetNetworkState, Unlock, plan_config_put
from radio.commands import PermitJoin


def ok(key, value):
    return {"success": {f"/config/{key}": value}}


def test_unknown_and_read_only_keys_are_silently_ignored(config):
    body = {
        "bridgeid": "0000000000000000",
        "mac": "x",
        "apiversion": "9",
        "whatever": [1],
        "UTCx": 1,
    }
    result = plan_config_put(body, config)
    assert result.status == 200
    assert result.responses == []
    assert result.commands == [] and result.changes == [] and result.actions == []


def test_settings_are_echoed_and_only_real_changes_stored(config):
    body = {
        "websocketnotifyall": False,
        "timeformat": "24h",  # unchanged
        "name": "  Home  ",
        "lightlastseeninterval": 120,
        "networkopenduration": 180,
        "timezone": "America/New_York",
        "groupdelay": 0,
        "otauactive": True,
        "discovery": False,
        "disablePermitJoinAutoOff": True,
        "updatechannel": "beta",
    }
    result = plan_config_put(body, config)
    assert result.status == 200
    assert result.responses == [
        ok("name", "Home"),
        ok("updatechannel", "beta"),
        ok("groupdelay", 0),
        ok("otauactive", True),
        ok("discovery", False),
        ok("networkopenduration", 180),
        ok("timezone", "America/New_York"),
        ok("timeformat", "24h"),
        ok("websocketnotifyall", False),
        ok("disablePermitJoinAutoOff", True),
        ok("lightlastseeninterval", 120),
    ]
    assert result.changes == [
        ConfigChange(
            {
                "name": "Home",
                "updatechannel": "beta",
                "groupdelay": 0,
                "otauactive": True,
                "discovery": False,
                "networkopenduration": 180,
                "timezone": "America/New_York",
                "websocketnotifyall": False,
                "disablePermitJoinAutoOff": True,
                "lightlastseeninterval": 120,
            }
        )
    ]


def test_empty_name_resets_to_default(config):
    config["name"] = "Home"
    result = plan_config_put({"name": ""}, config)
    assert result.responses == [ok("name", "Phoscon-GW")]
    assert result.changes == [ConfigChange({"name": "Phoscon-GW"})]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", "x" * 17),
        ("name", 5),
        ("websocketnotifyall", 1),
        ("permitjoin", 256),
        ("permitjoin", -1),
        ("unlock", 601),
        ("networkopenduration", 0),
        ("networkopenduration", 65536),
        ("lightlastseeninterval", 0),
        ("zigbeechannel", 12),
        ("zigbeechannel", "15"),
        ("timeformat", "12"),
        ("timezone", "Mars/Olympus_Mons"),
        ("timezone", "../../etc/passwd"),
        ("timezone", ""),
        ("groupdelay", 5001),
        ("otauactive", "true"),
        ("discovery", None),
        ("rfconnected", 0),
        ("disablePermitJoinAutoOff", "no"),
        ("utc", "2024-05-02 08:10:43"),
        ("localtime", "2024-13-02T08:10:43"),
    ],
)
def test_invalid_value_aborts_with_400_and_changes_nothing(config, key, value):
    body = {"websocketnotifyall": False, "unlock": 60, "permitjoin": 30}
    body[key] = value
    result = plan_config_put(body, config)
    assert result.status == 400
    assert len(result.responses) == 1
    assert result.responses[0]["error"]["type"] == 7
    assert result.responses[0]["error"]["address"] == f"/config/{key}"
    assert result.commands == [] and result.changes == [] and result.actions == []


def test_first_invalid_in_deconz_order_is_the_one_reported(config):
    result = plan_config_put({"lightlastseeninterval": 0, "name": 1}, config)
    assert result.responses == [
        {
            "error": {
                "type": 7,
                "address": "/config/name",
                "description": "invalid value, 1, for parameter, name",
            }
        }
    ]


@pytest.mark.parametrize("body", [{}, [], None, "x"])
def test_invalid_body(config, body):
    result = plan_config_put(body, config)
    assert result.status == 400
    assert result.responses == [
        {"error": {"type": 2, "address": "/config", "description": "body contains invalid JSON"}}
    ]


def test_permitjoin_opens_the_network(config):
    result = plan_config_put({"permitjoin": 120}, config, api_key="A1")
    assert result.responses == [ok("permitjoin", 120)]
    assert result.commands == [PermitJoin(120)]


@pytest.mark.parametrize(("owner", "closes"), [(None, True), ("A1", True), ("B2", False)])
def test_permitjoin_0_closes_only_for_the_key_that_opened(config, owner, closes):
    result = plan_config_put({"permitjoin": 0}, config, api_key="A1", permit_join_owner=owner)
    assert result.responses == [ok("permitjoin", 0)]
    assert result.commands == ([PermitJoin(0)] if closes else [])


def test_unlock(config):
    result = plan_config_put({"unlock": 60}, config)
    assert result.responses == [ok("unlock", 60)]
    assert result.actions == [Unlock(60)]
    assert plan_config_put({"unlock": 0}, config).actions == [Unlock(0)]


def test_zigbeechannel_and_rfconnected_act_only_on_change(config):
    result = plan_config_put({"zigbeechannel": 25, "rfconnected": False}, config)
    assert result.responses == [ok("rfconnected", False), ok("zigbeechannel", 25)]
    assert result.actions == [SetNetworkState(False), ChangeChannel(25)]
    result = plan_config_put({"zigbeechannel": 15, "rfconnected": True}, config)
    assert result.responses == [ok("rfconnected", True), ok("zigbeechannel", 15)]
    assert result.actions == []


def test_clock_is_accepted_but_never_set(config):
    result = plan_config_put(
        {"UTC": "2024-05-02T08:10:43", "localtime": "2024-05-02T10:10:43"}, config
    )
    assert result.responses == [
        ok("UTC", "2024-05-02T08:10:43"),
        ok("localtime", "2024-05-02T10:10:43"),
    ]
    assert result.changes == [] and result.actions == [] and result.commands == []


def test_integral_float_is_an_int(config):
    result = plan_config_put({"permitjoin": 60.0}, config)
    assert result.responses == [ok("permitjoin", 60)]
    assert type(result.commands[0].seconds) is int
