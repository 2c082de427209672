"""The connection limits' defaults, shared by the settings table and the servers (a module
without imports, so the command line reads them without loading the web stack)."""

DEFAULT_MAX_CONNECTIONS = 256
"""REST connections kept open at most (`server.max_connections`)."""

DEFAULT_REQUEST_TIMEOUT = 10
"""Seconds a REST client has to send its whole request (`server.request_timeout`)."""

DEFAULT_MAX_CLIENTS = 256
"""Websocket connections, handshakes included, at most (`server.ws_max_clients`)."""

ACCEPT_BURST = 64
"""The listen backlog of both servers, which is also how many connections asyncio accepts
in one go before any of them is counted: descriptors in use stay below a cap plus this."""
