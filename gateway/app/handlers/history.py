"""`GET /sensors/<id>/history`: a sensor's recorded state values over time.

The one implementation of a history query: the v1 websocket's `history` message is
dispatched here too. The parameters are checked before anything is read (error 7 naming
the bad one, 6 for one that does not exist); the query runs on the recorder's thread, so a
long one never holds up the event loop.
"""

from __future__ import annotations

import asyncio

from gateway.api.errors import ApiError
from gateway.app.reply import Rejected, Reply
from gateway.history.query import BadParameter, parse_query
from gateway.history.samples import numbers

from .call import Call, router


@router.route("GET", "sensors/{id}/history")
async def sensor_history(call: Call) -> Reply:
    sensor = call.find("sensors")
    address = f"/sensors/{sensor.id}/history"
    try:
        query = parse_query(call.query, int(call.gw.clock() * 1000))
    except BadParameter as bad:
        if not bad.known:
            raise Rejected(ApiError.parameter_not_available(address, bad.name)) from None
        raise Rejected(ApiError.invalid_value(address, bad.name, bad.value)) from None
    keys = query.keys or tuple(key for key, _ in numbers(sensor.state))
    points = await asyncio.wrap_future(call.gw.history.query(sensor.id, keys, query))
    return Reply(200, {"points": points})
