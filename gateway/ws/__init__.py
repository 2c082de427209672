"""The websocket transport: the deCONZ push stream on `websockets`."""
