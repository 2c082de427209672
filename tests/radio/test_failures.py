"""Start-up failure messages: one line that says what to fix. (A busy serial port cannot be
produced here: the tests run as root, and root ignores the exclusive-open lock a second
program would hit, so the message is checked from the error the port raises.)"""

from __future__ import annotations

import errno

import zigpy.exceptions

from radio.failures import describe_radio_failure


def test_busy_serial_port():
    exc = OSError(errno.EBUSY, "Device or resource busy", "/dev/ttyUSB0")
    message = describe_radio_failure("/dev/ttyUSB0", exc)
    assert message.startswith("serial port /dev/ttyUSB0 is busy")
    assert "\n" not in message


def test_refused_connection_names_the_cause():
    try:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        except ConnectionRefusedError as inner:
            raise zigpy.exceptions.TransientConnectionError() from inner
    except zigpy.exceptions.TransientConnectionError as exc:
        message = describe_radio_failure("socket://10.0.0.5:6638", exc)
    assert message == (
        "cannot connect to socket://10.0.0.5:6638 (Connection refused); "
        "is the coordinator on and reachable?"
    )


def test_multi_line_errors_are_cut_to_one_line():
    message = describe_radio_failure("/dev/ttyACM0", RuntimeError("first line\nsecret: key"))
    assert message == "could not start the radio on /dev/ttyACM0: first line"
