"""Fixtures: fresh copies of the sample resources, so a test may modify its own."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from deconz_samples import (
    CONFIG,
    CT_LIGHT,
    EXTENDED_COLOR_LIGHT,
    GROUP,
    PLUG,
    SCENES,
    check_zigpy,
)


def _copy(value: Any) -> Any:
    return copy.deepcopy(value)


@pytest.fixture
def color_light() -> dict[str, Any]:
    return _copy(EXTENDED_COLOR_LIGHT)


@pytest.fixture
def ct_light() -> dict[str, Any]:
    return _copy(CT_LIGHT)


@pytest.fixture
def plug() -> dict[str, Any]:
    return _copy(PLUG)


@pytest.fixture
def group() -> dict[str, Any]:
    return _copy(GROUP)


@pytest.fixture
def members() -> dict[str, dict[str, Any]]:
    return {"3": _copy(EXTENDED_COLOR_LIGHT), "5": _copy(CT_LIGHT)}


@pytest.fixture
def scenes() -> dict[str, dict[str, Any]]:
    return _copy(SCENES)


@pytest.fixture
def config() -> dict[str, Any]:
    return _copy(CONFIG)


@pytest.fixture
def zigpy_valid():
    return check_zigpy
