"""The installed zigbridge version, for `--version`, metrics and logs."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version


@cache
def version() -> str:
    try:
        return _distribution_version("zigbridge")
    except PackageNotFoundError:
        return "unknown"
