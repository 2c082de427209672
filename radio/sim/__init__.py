"""A simulated Zigbee network for zigpy: devices, their network, and a virtual radio.

* :mod:`.device` - transport-independent ``SimDevice``/``SimEndpoint`` (ZigbeePacket in/out)
* :mod:`.network` - ``SimNetwork``: routing between devices and a coordinator
* :mod:`.radio` - ``VirtualRadio``: an in-process zigpy ``ControllerApplication``
* :mod:`.catalogue` - realistic device factories; :mod:`.demo` - demo home and driver

Typical use::

    app = await VirtualRadio.new(sim_config(nv_path, db_path), auto_form=True)
    light = app.network.join(extended_color_light("00:5a:49:47:00:00:00:01", 0x1001))
    app.network.emit(sensor.report(None, "temperature", {"measured_value": 2150}))
"""

from .catalogue import (
    SimPlug,
    SimRemote,
    climate_sensor,
    color_temperature_light,
    dimmable_light,
    door_contact,
    extended_color_light,
    motion_sensor,
    onoff_plug_with_metering,
    remote_4button,
    water_leak,
)
from .demo import DemoDriver, demo_home, demo_ieee, scaled_network
from .device import ReceivedCommand, SimDevice, SimEndpoint
from .network import SimNetwork
from .radio import VirtualRadio, sim_config

__all__ = [
    "DemoDriver",
    "ReceivedCommand",
    "SimDevice",
    "SimEndpoint",
    "SimNetwork",
    "SimPlug",
    "SimRemote",
    "VirtualRadio",
    "climate_sensor",
    "color_temperature_light",
    "demo_home",
    "demo_ieee",
    "dimmable_light",
    "door_contact",
    "extended_color_light",
    "motion_sensor",
    "onoff_plug_with_metering",
    "remote_4button",
    "scaled_network",
    "sim_config",
    "water_leak",
]
