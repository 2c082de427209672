"""What a user must see of the two devices deCONZ drops, whichever stick they joined
through: the bulb with its maker's device id is a colour light that obeys, the gadget
with only manufacturer clusters is listed as unsupported. Shared by the ZNP and EZSP
end-to-end tests, which differ only in how the devices join."""

from __future__ import annotations

from zigpy.zcl.clusters.lighting import Color

from radio.sim.device import SimDevice
from tests.gateway.conftest import Running, until

LIGHT = "00:5a:49:47:00:00:ab:01"
GADGET = "00:5a:49:47:00:00:ab:02"


async def check_served_and_listed(gw: Running, bulb: SimDevice) -> None:
    store = gw.gateway.store
    await until(lambda: store.resources_of_device(LIGHT), what="the bulb's light")
    await until(
        lambda: (d := store.devices.get(GADGET)) is not None and d.interview == "done",
        what="the gadget's interview",
    )
    lights = await gw.get("/lights")
    lid, light = next((i, x) for i, x in lights.items() if x["uniqueid"].startswith(LIGHT))
    assert (light["type"], light["colorcapabilities"]) == ("Extended color light", 0x1B)
    assert light["state"]["bri"] == 254 and light["state"]["reachable"] is True

    r = await gw.put(f"/lights/{lid}/state", {"ct": 300})
    assert r.json() == [{"success": {f"/lights/{lid}/state/ct": 300}}]
    await until(lambda: bulb.get(None, Color, "color_temperature") == 300, what="ct on the bulb")

    assert GADGET in await gw.get("/devices")
    gadget = await gw.get(f"/devices/{GADGET}")
    assert gadget["subdevices"] == [] and gadget["zigbridge"]["status"] == "unsupported"
    assert "0xfc00" in gadget["zigbridge"]["endpoints"][0]["inclusters"]
    assert not any(x["uniqueid"].startswith(GADGET) for x in (await gw.get("/sensors")).values())
