"""Fixtures for pytester-based tests of the plugin."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

PROJECTS = Path(__file__).parents[1] / "data" / "projects"


@pytest.fixture
def pizza(pytester: pytest.Pytester) -> Path:
    """The pizza demo project copied next to the suites pytester writes."""
    target = pytester.path / "pizza.vfr"
    shutil.copy(PROJECTS / "pizza-demo.vfr", target)
    return target
