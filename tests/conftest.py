"""Shared fixtures for vftest's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The folder of test data copied into the repo (see tests/data/PROVENANCE.md)."""
    return DATA
