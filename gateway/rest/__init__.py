"""The deCONZ-compatible REST API: a thin starlette shell over `gateway.api` planners and
the `gateway.core` store."""
