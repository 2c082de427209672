"""The deCONZ resources under `/api/<key>/`, one module per family; importing the package
registers every handler on `router`."""

from . import config, devices, groups, history, physical_devices
from .call import Call, router

__all__ = ["Call", "config", "devices", "groups", "history", "physical_devices", "router"]
