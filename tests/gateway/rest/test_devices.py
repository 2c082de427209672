"""`/devices` on a real daemon (simulated network): every device with its resources, the
ones zigbridge cannot serve (listed, logged once), a re-interview after a failed first
interview, and deCONZ errors for bad requests. One daemon for the module."""

from __future__ import annotations

import logging

import pytest
import pytest_asyncio

from radio.sim import catalogue
from tests.gateway.conftest import Running, daemon_settings, run_daemon, stop_daemon, until

pytestmark = pytest.mark.asyncio(loop_scope="module")

MFR_LIGHT = "00:5a:49:47:00:00:aa:01"
MFR_ONLY = "00:5a:49:47:00:00:aa:02"
SHY = "00:5a:49:47:00:00:aa:03"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def gw(tmp_path_factory):
    running = await run_daemon(daemon_settings(tmp_path_factory.mktemp("devices")))
    r = await running.put("/config", {"permitjoin": 250})
    assert r.status_code == 200, r.text
    yield running
    await stop_daemon(running)


async def device(gw: Running, ieee: str) -> dict:
    return await gw.get(f"/devices/{ieee}")


async def test_every_device_is_listed_with_its_resources(gw: Running) -> None:
    macs = await gw.get("/devices")
    assert isinstance(macs, list) and len(macs) >= 10 and macs == sorted(macs)
    lights, sensors = await gw.get("/lights"), await gw.get("/sensors")
    plug_id, plug = await gw.find("lights", lambda light: light["modelid"] == "SIM-PLUG1")
    mac = plug["uniqueid"].split("-")[0]
    assert mac in macs
    body = await device(gw, mac)
    paths = sorted(body["zigbridge"]["resources"])
    expected = [f"/lights/{plug_id}"] + [
        f"/sensors/{sid}" for sid, s in sensors.items() if s["uniqueid"].startswith(mac)
    ]
    assert paths == sorted(expected) and len(paths) == 3
    assert body["zigbridge"]["status"] == "supported"
    assert body["uniqueid"] == mac and body["modelid"] == "SIM-PLUG1"
    assert body["name"] == lights[plug_id]["name"]
    subdevices = {s["uniqueid"]: s for s in body["subdevices"]}
    assert subdevices[plug["uniqueid"]]["type"] == "On/Off plug-in unit"
    assert subdevices[plug["uniqueid"]]["state"]["on"]["value"] == plug["state"]["on"]
    assert {s["type"] for s in body["subdevices"]} == {
        "On/Off plug-in unit",
        "ZHAConsumption",
        "ZHAPower",
    }
    (ep,) = body["zigbridge"]["endpoints"]
    assert ep["profile"] == "0x0104" and "0x0006" in ep["inclusters"]


async def test_a_light_with_a_manufacturer_device_id_is_a_light(gw: Running) -> None:
    gw.network.join(catalogue.manufacturer_id_light(MFR_LIGHT, 0xAA01))
    await until(lambda: gw.gateway.store.resources_of_device(MFR_LIGHT), what="the light")
    _, light = await gw.find("lights", lambda light: light["uniqueid"].startswith(MFR_LIGHT))
    assert light["type"] == "Extended color light"
    assert light["colorcapabilities"] == 0x1B  # (enhanced) hue, xy, ct; no colour loop
    assert light["capabilities"]["color"]["modes"] == ["ct", "hs", "xy"]
    assert light["state"]["bri"] == 254 and light["state"]["on"] is True
    assert {"ct", "xy", "hue", "sat"} <= set(light["state"])
    assert (await device(gw, MFR_LIGHT))["zigbridge"]["status"] == "supported"


async def test_only_manufacturer_clusters_is_unsupported_and_logged_once(
    gw: Running, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.events")
    gadget = catalogue.manufacturer_only_device(MFR_ONLY, 0xAA02)
    gw.network.join(gadget)
    store = gw.gateway.store
    await until(
        lambda: (d := store.devices.get(MFR_ONLY)) is not None and d.interview == "done",
        what="the interview",
    )
    assert MFR_ONLY in await gw.get("/devices")
    body = await device(gw, MFR_ONLY)
    assert body["subdevices"] == [] and body["zigbridge"]["resources"] == []
    assert body["zigbridge"]["status"] == "unsupported"
    assert body["modelid"] == "SIM-MFR1"
    (ep,) = body["zigbridge"]["endpoints"]
    assert {"0xfc00", "0xfc7c"} <= set(ep["inclusters"]) and ep["devicetype"] == "0x0061"

    # Interviewed again: still nothing to serve, and not said a second time
    asked = len(gadget.zdo_requests)
    r = await gw.put(f"/devices/{MFR_ONLY}", {"reinterview": True})
    assert r.json() == [{"success": {f"/devices/{MFR_ONLY}/reinterview": True}}]
    await until(lambda: len(gadget.zdo_requests) > asked, what="the re-interview")
    await until(
        lambda: sum("interviewed" in m and MFR_ONLY in m for m in caplog.messages) >= 2,
        what="the second interview to finish",
    )
    told = [m for m in caplog.messages if MFR_ONLY in m and "is not supported" in m]
    assert len(told) == 1, told
    assert "SIM-MFR1" in told[0] and "0xfc00" in told[0]


async def test_a_failed_interview_is_listed_and_can_be_retried(gw: Running) -> None:
    shy = catalogue.dimmable_light(SHY, 0xAA03, name="Shy bulb")
    shy.fail_next = 10_000  # joins, then nothing sent to it arrives: the interview fails
    gw.network.join(shy)
    store = gw.gateway.store
    await until(
        lambda: (d := store.devices.get(SHY)) is not None and d.interview == "failed",
        timeout=60,
        what="the failed interview",
    )
    body = await device(gw, SHY)
    assert body["zigbridge"]["status"] == "interview failed"
    assert body["subdevices"] == [] and body["zigbridge"]["endpoints"] == []
    assert not store.resources_of_device(SHY)

    shy.fail_next = 0
    r = await gw.put(f"/devices/{SHY}", {"reinterview": True})
    assert r.status_code == 200
    assert r.json() == [{"success": {f"/devices/{SHY}/reinterview": True}}]
    await until(lambda: store.resources_of_device(SHY), timeout=30, what="the light")
    _, light = await gw.find("lights", lambda light: light["uniqueid"].startswith(SHY))
    assert light["type"] == "Dimmable light"
    body = await device(gw, SHY)
    assert body["zigbridge"]["status"] == "supported"
    assert body["zigbridge"]["resources"] == [f"/lights/{light_id(store, SHY)}"]


def light_id(store, ieee: str) -> str:
    return next(r.id for r in store.resources_of_device(ieee))


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("GET", "/devices/00:5a:49:47:ff:ff:ff:ff", None, 404, 3),
        ("GET", "/devices/not-a-mac", None, 404, 3),
        ("PUT", "/devices/00:5a:49:47:ff:ff:ff:ff", b'{"reinterview":true}', 404, 3),
        ("PUT", f"/devices/{MFR_LIGHT}", b"{", 400, 2),
        ("PUT", f"/devices/{MFR_LIGHT}", b"{}", 400, 2),
        ("PUT", f"/devices/{MFR_LIGHT}", b"[true]", 400, 2),
        ("PUT", f"/devices/{MFR_LIGHT}", b'{"reinterview":1}', 400, 7),
        ("PUT", f"/devices/{MFR_LIGHT}", b'{"reinterview":false}', 400, 7),
        ("PUT", f"/devices/{MFR_LIGHT}", b'{"reinterview":true,"x":1}', 400, 6),
        ("DELETE", "/devices", None, 404, 4),
    ],
)
async def test_bad_requests_get_deconz_errors(
    gw: Running, method: str, path: str, body: bytes | None, status: int, error: int
) -> None:
    r = await gw.http.request(method, f"/api/{gw.key}{path}", content=body)
    assert r.status_code == status, r.text
    (item,) = r.json()
    assert item["error"]["type"] == error
