"""The Sans-I/O layers load no zigpy: radio encodings stay inside `radio/`."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("package", ["gateway.api", "gateway.core"])
def test_importing_loads_no_zigpy_module(package: str) -> None:
    probe = (
        f"import sys, {package}; "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('zigpy'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"import {package} loaded {out}"
