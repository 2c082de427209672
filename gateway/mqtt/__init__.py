"""The MQTT bridge: the gateway's resources and events on an existing broker, and commands
from it through the same dispatcher as REST (docs/mqtt.md)."""
