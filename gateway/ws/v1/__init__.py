"""Websocket protocol v1 (`ws://<host>:<websocketport>/v1`), Sans-I/O: no sockets, no
asyncio. `session.Session` turns a client's text into frames and actions, `hub.Hub` turns
bus events into the frames each subscription gets; `gateway/ws/endpoint.py` runs them on
the websocket server. The contract: docs/websocket.md."""
