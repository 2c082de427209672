"""The running gateway: state, orchestration, auth and the event bus.

Async, but no HTTP, websocket or MQTT types: every transport is a client of this layer.
"""
