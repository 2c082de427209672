"""`radio.zigpy` (`--zigpy`): radio-library options, checked against the chosen library's
own configuration schema before the radio is opened, so that a typo is one line naming the
option, not a traceback from inside zigpy or a setting that silently does nothing.

zigpy's schemas accept unknown top-level keys, so those are checked here: a key of another
radio library is let through (with `--radio auto` a user may not know which stick it is;
the chosen library ignores it), a key no library knows is a typo."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from radio.failures import ConfigError

if TYPE_CHECKING:
    from radio.controller import RadioSettings

LOGGER = logging.getLogger("radio")

RESERVED_ZIGPY_KEYS = {
    "device": "--device and --baudrate",
    "database_path": "--data-dir",
}
"""zigpy settings zigbridge sets itself: given as library options they would break it."""

WHERE = "radio.zigpy (--zigpy)"
"""How the settings name this option (its TOML key and flag), for the messages."""


def _keys(schema: Any) -> list[str]:
    return sorted(str(key) for key in schema.schema if str(key) not in RESERVED_ZIGPY_KEYS)


def _other_libraries_keys(chosen: str) -> set[str]:
    """Imported only when a key is not the chosen library's (each costs memory)."""
    from radio.selection import RADIO_TYPES

    keys: set[str] = set()
    for name, rtype in RADIO_TYPES.items():
        if name not in (chosen, "sim"):
            keys.update(_keys(rtype.controller_class().SCHEMA))
    return keys


def _unknown(key: str, known: list[str], what: str) -> ConfigError:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return ConfigError(
        f"{WHERE}: {key!r} is not an option of {what} ({hint}known: {', '.join(known)})"
    )


def check_option_names(settings: RadioSettings) -> None:
    """`--radio auto`, before probing: each key must be some radio library's (the values
    are checked once the stick's library is known)."""
    known = sorted(_other_libraries_keys("sim"))
    for key in settings.zigpy_config:
        if key not in known:
            raise _unknown(key, known, "any radio library")


def check_radio_options(settings: RadioSettings) -> None:
    """Raise ConfigError when the chosen radio library refuses `settings.zigpy_config`."""
    if not settings.zigpy_config:
        return
    import voluptuous as vol

    from radio.controller import zigpy_config
    from radio.selection import radio_type

    rtype = radio_type(settings.radio_type)
    schema = rtype.controller_class().SCHEMA
    known = _keys(schema)
    foreign = [key for key in settings.zigpy_config if key not in known]
    others = _other_libraries_keys(rtype.name) if foreign else set()
    for key in foreign:
        if key in others:
            LOGGER.info("%s: %r is another radio library's option; --radio %s ignores it",
                        WHERE, key, rtype.name)  # fmt: skip
            continue
        raise _unknown(key, known, f"--radio {rtype.name}")
    try:
        schema(zigpy_config(settings))
    except vol.Invalid as exc:
        raise ConfigError(f"{WHERE}: --radio {rtype.name} does not accept it: {exc}") from None
