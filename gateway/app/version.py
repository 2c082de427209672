"""The installed zigbridge version, for `--version`, metrics and logs."""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    # importlib.metadata costs ~25 ms and ~0.5 MiB to import: only when asked.
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("zigbridge")
    except PackageNotFoundError:
        return "unknown"
