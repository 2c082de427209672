"""What a person is told when the radio cannot start: one line, never a traceback.

`StartupError` is raised by every layer for a problem the user must fix (a stick that is not
there, a setting out of range); its message is printed as-is and the daemon exits. It lives
here, in the lowest layer, so the radio helpers can raise it without importing the gateway.
"""

from __future__ import annotations

import errno

import zigpy.exceptions


class StartupError(Exception):
    """A problem the user must fix; the message is printed as-is and the daemon exits."""


class ConfigError(StartupError):
    """A setting that is unknown, of the wrong type or out of range."""


def describe_radio_failure(path: str | None, exc: BaseException) -> str:
    """One line for a radio that would not start (never zigpy's multi-line text: it can
    include the network key)."""
    if isinstance(exc, zigpy.exceptions.NetworkSettingsInconsistent):
        new, old = exc.new_state.network_info, exc.old_state.network_info
        return (
            f"the stick on {path} holds another Zigbee network (PAN 0x{new.pan_id:04X}, "
            f"extended PAN {new.extended_pan_id}) than the one zigbridge runs (PAN "
            f"0x{old.pan_id:04X}, extended PAN {old.extended_pan_id}); plug in the right "
            "stick, or restore the network backup onto this one"
        )
    cause = exc.__cause__ or exc.__context__
    if isinstance(exc, zigpy.exceptions.TransientConnectionError | ConnectionError) or (
        isinstance(cause, ConnectionError)
    ):
        reason = getattr(cause, "strerror", None) or str(cause or exc) or "connection refused"
        return f"cannot connect to {path} ({reason}); is the coordinator on and reachable?"
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    lowered = text.lower()
    if "busy" in lowered or "lock" in lowered or getattr(exc, "errno", None) == errno.EBUSY:
        return (
            f"serial port {path} is busy: another program (ZHA, Zigbee2MQTT, deCONZ, "
            "ModemManager?) has it open"
        )
    if isinstance(exc, TimeoutError) or "timeout" in lowered or "timed out" in lowered:
        return (
            f"the radio on {path} did not answer; check --radio matches the stick's firmware "
            "and --baudrate its speed"
        )
    if isinstance(exc, AttributeError | TypeError | KeyError | IndexError | AssertionError):
        # what the radio libraries raise when the link drops or answers nonsense mid-start
        return (
            f"the radio on {path} dropped the connection or answered nonsense during start-up; "
            "check --radio matches the stick's firmware and --baudrate its speed"
        )
    return f"could not start the radio on {path}: {text}"
