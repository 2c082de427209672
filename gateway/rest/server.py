"""Runs the REST app under uvicorn inside the daemon's event loop, behind the connection
limits of `gateway.rest.guard`."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import uvicorn

from gateway.app.limits import ACCEPT_BURST
from gateway.rest.guard import ConnectionGuard, guarded_protocol

LOGGER = logging.getLogger("gateway.api")


class RestServer:
    def __init__(self, app, host: str, port: int, guard: ConnectionGuard | None = None):
        self.guard = guard or ConnectionGuard()
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            lifespan="off",
            log_config=None,  # our handlers (text or JSON) format uvicorn's records too
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
            ws="none",
            http=guarded_protocol(self.guard),
            backlog=ACCEPT_BURST,  # asyncio accepts up to this many at once, before any cap
        )
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # the daemon owns signals
        self._task: asyncio.Task | None = None
        self.port = port

    async def start(self) -> int:
        """Start serving; returns the bound port (useful with port 0)."""
        self._task = asyncio.create_task(self._server.serve(), name="rest")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # re-raise why it stopped
                raise RuntimeError("REST server stopped during start-up")
            await asyncio.sleep(0.01)
        sockets = self._server.servers[0].sockets
        self.port = sockets[0].getsockname()[1]
        LOGGER.info("REST API on port %d", self.port)
        return self.port

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._task, 3)
        self._task = None
