"""One REST write, one websocket `changed` event per light, on the running daemon.

The REST reply and the optimistic push must already say what the light will report back:
then the simulated light's own reports change nothing, and a client sees each change
once. Each test waits (bounded) until the gateway has handled the light's reports, then
flushes the websocket with a marker event before counting frames.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from radio.events import AttributeReport
from tests.gateway.conftest import Running, WsClient, until

LEVEL, COLOR = 0x0008, 0x0300


class Reports:
    """The attribute reports (not read answers) the gateway has handled, in order."""

    def __init__(self, gw: Running):
        self.events: list[AttributeReport] = []
        gw.gateway.bus.watch(self._seen)

    def _seen(self, event: Any) -> None:
        if isinstance(event, AttributeReport) and not event.read:
            self.events.append(event)

    async def wait(self, since: int, ieee: str, cluster: int) -> None:
        await until(
            lambda: any(e.ieee == ieee and e.cluster == cluster for e in self.events[since:]),
            what=f"a report of cluster 0x{cluster:04X} from {ieee}",
        )


_markers = itertools.count()


async def flush(gw: Running, ws: WsClient, marker_id: str) -> None:
    """Rename a light outside the test and wait for its event: frames are delivered in
    order, so every frame published before it has arrived."""
    name = f"marker {next(_markers)}"
    assert (await gw.put(f"/lights/{marker_id}", {"name": name})).status_code == 200
    await ws.wait(lambda e: e.get("attr", {}).get("name") == name)


def light_frames(ws: WsClient, since: int, light_id: str) -> list[dict[str, Any]]:
    return [
        e["state"]
        for e in ws.events[since:]
        if e.get("r") == "lights" and e.get("id") == light_id and "state" in e
    ]


def ieee_of(light: dict[str, Any]) -> str:
    return light["uniqueid"].split("-")[0]


async def lights_of_type(gw: Running, light_type: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (lid, light)
        for lid, light in (await gw.get("/lights")).items()
        if light["type"] == light_type
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"xy": [0.2, 0.6]},  # the light reports x and y in one frame, one attribute at a time
        {"xy": [0.640856, 0.118354]},  # four decimals would round these the other way
        {"hue": 30000},  # CurrentHue and EnhancedCurrentHue arrive together
        {"hue": 1000, "sat": 100},
    ],
    ids=["xy", "xy-rounding", "hue", "hue-sat"],
)
async def test_a_light_put_pushes_its_state_once(gw: Running, ws: WsClient, body):
    (lid, light), *_ = await lights_of_type(gw, "Extended color light")
    (marker, _), *_ = await lights_of_type(gw, "On/Off plug-in unit")
    assert light["state"]["on"] is True
    reports = Reports(gw)
    seen, since = len(ws.events), len(reports.events)

    r = await gw.put(f"/lights/{lid}/state", body)
    replied = {
        path.rsplit("/", 1)[1]: value
        for item in r.json()
        for path, value in item["success"].items()
    }
    assert replied.keys() == body.keys()
    await reports.wait(since, ieee_of(light), COLOR)
    await flush(gw, ws, marker)

    frames = light_frames(ws, seen, lid)
    assert len(frames) == 1, frames
    [frame] = frames
    assert {key: frame[key] for key in replied} == replied
    state = (await gw.get(f"/lights/{lid}"))["state"]
    assert {key: state[key] for key in replied} == replied  # what the light reported


async def test_a_scene_recall_pushes_each_light_once(gw: Running, ws: WsClient):
    colour = await lights_of_type(gw, "Extended color light")
    ct = await lights_of_type(gw, "Color temperature light")
    (marker, _), *_ = await lights_of_type(gw, "On/Off plug-in unit")
    members = dict(colour + ct)
    recalled = {
        lid: {"on": True, "bri": 200, "colormode": "xy", "xy": [0.3, 0.3]} for lid, _ in colour
    }
    recalled.update({lid: {"on": True, "bri": 200, "colormode": "ct", "ct": 250} for lid, _ in ct})
    other = {lid: {"bri": 50, "xy": [0.5, 0.4]} for lid, _ in colour}
    other.update({lid: {"bri": 50, "ct": 400} for lid, _ in ct})
    reports = Reports(gw)

    async def set_all(states: dict[str, dict[str, Any]]) -> None:
        since = len(reports.events)
        for lid, values in states.items():
            body = {k: v for k, v in values.items() if k != "colormode"}
            assert (await gw.put(f"/lights/{lid}/state", body)).status_code == 200
        for light in members.values():
            for cluster in (LEVEL, COLOR):
                await reports.wait(since, ieee_of(light), cluster)

    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Lounge"})
    gid = r.json()[0]["success"]["id"]
    assert (await gw.put(f"/groups/{gid}", {"lights": list(members)})).status_code == 200
    await set_all(recalled)
    r = await gw.http.post(f"/api/{gw.key}/groups/{gid}/scenes", json={"name": "Evening"})
    sid = r.json()[0]["success"]["id"]
    await set_all(other)
    await flush(gw, ws, marker)
    seen, since = len(ws.events), len(reports.events)

    r = await gw.put(f"/groups/{gid}/scenes/{sid}/recall", {})
    assert r.json() == [{"success": {"id": sid}}]
    for light in members.values():
        for cluster in (LEVEL, COLOR):
            await reports.wait(since, ieee_of(light), cluster)
    await flush(gw, ws, marker)

    for lid, values in recalled.items():
        frames = light_frames(ws, seen, lid)
        assert len(frames) == 1, (lid, frames)
        assert {key: frames[0][key] for key in values} == values, lid
        state = (await gw.get(f"/lights/{lid}"))["state"]
        assert {key: state[key] for key in values} == values, lid


@pytest.mark.parametrize(
    "body", [{"xy": [0.640856, 0.118354]}, {"hue": 30000}], ids=["xy-rounding", "hue"]
)
async def test_a_group_action_pushes_each_members_state_once(gw: Running, ws: WsClient, body):
    members = dict(await lights_of_type(gw, "Extended color light"))
    (marker, _), *_ = await lights_of_type(gw, "On/Off plug-in unit")
    r = await gw.http.post(f"/api/{gw.key}/groups", json={"name": "Desk"})
    gid = r.json()[0]["success"]["id"]
    assert (await gw.put(f"/groups/{gid}", {"lights": list(members)})).status_code == 200
    reports = Reports(gw)
    await flush(gw, ws, marker)
    seen, since = len(ws.events), len(reports.events)

    r = await gw.put(f"/groups/{gid}/action", body)
    [(key, value)] = [
        (path.rsplit("/", 1)[1], value)
        for item in r.json()
        for path, value in item["success"].items()
    ]
    for light in members.values():
        await reports.wait(since, ieee_of(light), COLOR)
    await flush(gw, ws, marker)

    for lid in members:
        frames = light_frames(ws, seen, lid)
        assert len(frames) == 1, (lid, frames)
        assert frames[0][key] == value
        assert (await gw.get(f"/lights/{lid}"))["state"][key] == value
