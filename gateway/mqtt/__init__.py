"""MQTT bridge: the deCONZ resource tree on an existing broker, and Home Assistant discovery."""
