"""`/devices`: the physical devices (deCONZ's array of device uniqueids, one device with
its subdevices), including those that became no light or sensor, and a re-interview."""

from __future__ import annotations

from gateway.api.devices import plan_device_put
from gateway.api.errors import ApiError
from gateway.app.reply import Rejected, Reply
from gateway.core.uniqueid import normalize_ieee

from .call import Call, router


def _ieee(call: Call) -> str:
    """The device's IEEE in deCONZ's spelling; error 3 for one the gateway does not know."""
    mac = call.params["mac"]
    try:
        ieee = normalize_ieee(mac)
    except ValueError:
        ieee = ""
    if ieee not in call.gw.store.devices:
        raise Rejected(ApiError.not_found(f"/devices/{mac}"))
    return ieee


@router.route("GET", "devices")
async def list_devices(call: Call) -> Reply:
    return Reply(200, sorted(call.gw.store.devices))


@router.route("GET", "devices/{mac}")
async def get_device(call: Call) -> Reply:
    return Reply(200, call.gw.store.device_json(_ieee(call)))


@router.route("PUT", "devices/{mac}")
async def put_device(call: Call) -> Reply:
    ieee = _ieee(call)
    address = f"/devices/{ieee}"
    return await call.carry_out(plan_device_put(ieee, call.body(address)), address)
