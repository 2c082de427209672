"""Command outcomes through the dispatcher (`Request.on_outcome`): the reply comes without
waiting for the radio, then one report says what became of each command, in order. A real
Gateway on the fake radio, whose answers the tests script."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gateway.app.outcomes import CommandOutcome, CommandReport, target_path
from gateway.app.requests import Reply, Request, dispatch
from radio import commands as cmd
from radio import events as ev
from tests.gateway.app.conftest import Client, light_id
from tests.gateway.conftest import Running, until
from tests.gateway.core.core_zoo import motion_sensor


class Reports:
    """An on_outcome callback that keeps what it is given."""

    def __init__(self) -> None:
        self.got: list[CommandReport] = []

    def __call__(self, report: CommandReport) -> None:
        self.got.append(report)

    async def one(self) -> CommandReport:
        for _ in range(200):
            if self.got:
                await asyncio.sleep(0.01)  # a second one would be a bug: give it the chance
                [report] = self.got
                return report
            await asyncio.sleep(0.005)
        raise AssertionError("no report")


async def watched(
    client: Client, method: str, path: str, body: bytes = b""
) -> tuple[Reply, Reports]:
    reports = Reports()
    request = Request(method, client.key, path, body, on_outcome=reports)
    return await dispatch(client.gw, request), reports


async def test_a_delivered_command_is_reported_after_the_reply(client: Client):
    lid = light_id(client)
    reply, reports = await watched(client, "PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply == Reply(200, [{"success": {f"/lights/{lid}/state/on": False}}])
    report = await reports.one()
    assert report.outcomes == (CommandOutcome(f"/lights/{lid}", "off", "delivered", "SUCCESS"),)
    assert report.status == "delivered"


async def test_the_reply_does_not_wait_for_the_radio(client: Client):
    client.radio.hold = asyncio.Event()
    lid = light_id(client)
    body = b'{"on": true, "bri": 30}'
    reply, reports = await watched(client, "PUT", f"/lights/{lid}/state", body)
    assert reply.status == 200 and {"success": {f"/lights/{lid}/state/bri": 30}} in reply.body
    assert client.gw.store.lights[lid].to_json()["state"]["bri"] == 30  # optimistic, as today
    await asyncio.sleep(0.05)
    assert reports.got == []  # the radio has not answered yet
    client.radio.hold.set()
    report = await reports.one()
    assert [(o.command, o.status) for o in report.outcomes] == [
        ("on", "delivered"),
        ("move_to_level", "delivered"),
    ]  # the plan's commands, in its order
    assert [c.command for c in client.radio.commands] == ["on", "move_to_level"]


async def test_without_on_outcome_the_reply_waits_for_the_radio_as_before(client: Client):
    client.radio.hold = asyncio.Event()
    lid = light_id(client)
    put = asyncio.ensure_future(client("PUT", f"/lights/{lid}/state", b'{"on": false}'))
    await asyncio.sleep(0.05)
    assert not put.done() and len(client.radio.commands) == 1
    client.radio.hold.set()
    assert (await put).status == 200


@pytest.mark.parametrize(
    ("answers", "status", "details"),
    [
        ([cmd.CommandResult(ok=False, status="DELIVERY_FAILED")], "failed", ["DELIVERY_FAILED"]),
        ([cmd.CommandResult(ok=False, status="TIMEOUT")], "timeout", ["TIMEOUT"]),
        (
            [cmd.CommandResult(ok=False, status="UNSUP_CLUSTER_COMMAND")],
            "failed",
            ["UNSUP_CLUSTER_COMMAND"],
        ),
        ([cmd.NetworkNotReady("gone")], "failed", ["NETWORK_DOWN"]),
        ([cmd.UnknownDevice("who")], "failed", ["UNKNOWN_DEVICE"]),
        ([RuntimeError("a bug")], "failed", ["INTERNAL_ERROR"]),
    ],
)
async def test_each_failure_is_reported_by_its_status_name(
    client: Client, answers, status: str, details: list[str], caplog
):
    client.radio.answers = list(answers)
    lid = light_id(client)
    with caplog.at_level(logging.CRITICAL, logger="gateway"):
        reply, reports = await watched(client, "PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply.status == 200  # deCONZ answers success before the radio, as REST does
    report = await reports.one()
    assert [o.detail for o in report.outcomes] == details
    assert report.status == status and report.outcomes[0].status == status


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [("TIMEOUT", "DELIVERY_FAILED", "timeout"), ("DELIVERY_FAILED", "SUCCESS", "failed")],
)
async def test_the_worst_outcome_is_the_reports_and_order_is_kept(
    client: Client, first: str, second: str, status: str
):
    client.radio.answers = [
        cmd.CommandResult(ok=name == "SUCCESS", status=name) for name in (first, second)
    ]
    lid = light_id(client)
    body = b'{"on": true, "bri": 30}'  # two commands: on, then move_to_level
    reply, reports = await watched(client, "PUT", f"/lights/{lid}/state", body)
    assert reply.status == 200
    report = await reports.one()
    assert [(o.command, o.detail) for o in report.outcomes] == [
        ("on", first),
        ("move_to_level", second),
    ]
    assert report.status == status


async def test_targets_name_lights_groups_and_sensors(client: Client):
    lid = light_id(client)
    reply, reports = await watched(client, "PUT", "/groups/0/action", b'{"on": true}')
    assert (await reports.one()).outcomes == (
        CommandOutcome("/groups/0", "on", "delivered", "SUCCESS"),
    )

    client.gw.on_radio_event(ev.DeviceInitialized(motion_sensor(), restored=False))
    presence = next(s for s in client.gw.store.sensors.values() if "presence" in s.state)
    reply, reports = await watched(
        client, "PUT", f"/sensors/{presence.id}/config", b'{"delay": 30}'
    )
    assert reply.status == 200, reply
    assert (await reports.one()).outcomes == (
        CommandOutcome(f"/sensors/{presence.id}", "write_attributes", "delivered", "SUCCESS"),
    )

    gid = (await client("POST", "/groups", b'{"name": "Desk"}')).body[0]["success"]["id"]
    await client("PUT", f"/groups/{gid}", f'{{"lights": ["{lid}"]}}'.encode())
    sid = (await client("POST", f"/groups/{gid}/scenes", b'{"name": "S"}')).body[0]["success"]
    path = f"/groups/{gid}/scenes/{sid['id']}/lights/{lid}/state"
    reply, reports = await watched(client, "PUT", path, b'{"bri": 40}')
    assert reply.status == 200, reply
    assert [(o.target, o.command) for o in (await reports.one()).outcomes] == [
        (f"/lights/{lid}", "add_scene")
    ]

    # a deleted light's commands still name it: targets are named before the changes
    reply, reports = await watched(client, "DELETE", f"/lights/{lid}", b'{"reset": true}')
    assert reply.status == 200 and lid not in client.gw.store.lights
    outcomes = (await reports.one()).outcomes
    assert {o.target for o in outcomes} == {f"/lights/{lid}"}
    assert outcomes[-1].command == "remove_device"


def test_a_device_that_is_no_resource_is_named_by_ieee_and_endpoint():
    command = cmd.ZclCommand(cmd.DeviceTarget("00:11:22:33:44:55:66:77", 3), 6, "on")
    assert target_path(command, "/lights/9/state", {}, {}) == "00:11:22:33:44:55:66:77-3"
    assert target_path(cmd.PermitJoin(60), "/config", {}, {}) == "/config"


async def test_no_commands_no_report_and_errors_send_nothing(client: Client):
    lid = light_id(client)
    for method, path, body in (
        ("PUT", f"/lights/{lid}", b'{"name": "Desk lamp"}'),  # a rename sends nothing
        ("PUT", f"/lights/{lid}/state", b'{"bri": "high"}'),  # error 7
        ("GET", f"/lights/{lid}", b""),
    ):
        reply, reports = await watched(client, method, path, body)
        assert reply.status in (200, 400), reply
        await asyncio.sleep(0.05)
        assert reports.got == [], path
    assert client.radio.commands == []


async def test_with_the_network_down_it_is_950_and_no_report(client: Client):
    await client.radio.stop()
    lid = light_id(client)
    reply, reports = await watched(client, "PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply.status == 503 and reply.body[0]["error"]["type"] == 950
    await asyncio.sleep(0.05)
    assert reports.got == [] and client.radio.commands == []


async def test_a_callback_that_raises_is_logged_and_breaks_nothing(client: Client, caplog):
    lid = light_id(client)

    def broken(report: CommandReport) -> None:
        raise ValueError("transport bug")

    with caplog.at_level(logging.ERROR, logger="gateway"):
        request = Request(
            "PUT", client.key, f"/lights/{lid}/state", b'{"on": false}', on_outcome=broken
        )
        assert (await dispatch(client.gw, request)).status == 200
        for _ in range(100):
            if any("outcome callback" in r.getMessage() for r in caplog.records):
                break
            await asyncio.sleep(0.01)
    assert any("outcome callback" in r.getMessage() for r in caplog.records)
    _, reports = await watched(client, "PUT", f"/lights/{lid}/state", b'{"on": true}')
    assert (await reports.one()).status == "delivered"


async def test_close_cancels_sends_in_flight_and_reports_them_once(client: Client):
    client.radio.hold = asyncio.Event()  # never set: the radio never answers
    lid = light_id(client)
    reply, reports = await watched(client, "PUT", f"/lights/{lid}/state", b'{"on": false}')
    assert reply.status == 200
    await client.gw.close()
    [report] = reports.got
    assert report.outcomes == (CommandOutcome(f"/lights/{lid}", "off", "failed", "CANCELLED"),)
    client.gw.close = _closed  # the fixture's close: already done


async def _closed() -> None:
    return None


async def test_the_report_never_comes_before_the_reply(client: Client):
    """Here the radio answers at once while the reply still waits for the disk (the new
    name), so only the gate keeps the report behind it."""
    answered: list[bool] = []
    seen: list[bool] = []

    def on_outcome(report: CommandReport) -> None:
        seen.append(bool(answered))

    body = b'{"name": "Attic", "permitjoin": 30}'
    request = Request("PUT", client.key, "/config", body, on_outcome=on_outcome)
    reply = await dispatch(client.gw, request)
    answered.append(True)
    assert reply.status == 200 and client.radio.commands == [cmd.PermitJoin(30)]
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == [True]


async def test_on_a_real_daemon_a_light_that_is_off_at_the_wall_fails_delivery(gw: Running):
    """The simulated radio: unicasts to a device that is offline fail in the radio (a mute
    device's timeout is zigpy's, over ten seconds: the FakeRadio tests cover that case)."""
    lid, light = await gw.find("lights", lambda light: light["type"] == "Dimmable light")
    device = next(d for d in gw.daemon.demo.devices if str(d.ieee) in light["uniqueid"])
    device.online = False
    reports = Reports()
    path, body = f"/lights/{lid}/state", b'{"on": false}'
    reply = await dispatch(gw.gateway, Request("PUT", gw.key, path, body, on_outcome=reports))
    assert reply == Reply(200, [{"success": {f"/lights/{lid}/state/on": False}}])
    assert (await gw.get(f"/lights/{lid}"))["state"]["on"] is False  # optimistic, as REST
    got = await until(lambda: reports.got, what="the failed delivery")
    assert got == [
        CommandReport((CommandOutcome(f"/lights/{lid}", "off", "failed", "DELIVERY_FAILED"),))
    ]

    device.online = True
    reports = Reports()
    body = b'{"on": true}'
    reply = await dispatch(gw.gateway, Request("PUT", gw.key, path, body, on_outcome=reports))
    got = await until(lambda: reports.got, what="the delivery")
    assert got[0].status == "delivered" and got[0].outcomes[0].detail == "SUCCESS"
    assert device.received[-1].command_name == "on"
