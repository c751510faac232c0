"""Shared fixtures for vftest's own tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# vftest caches checked suite documents under ~/.cache by default; this project's tests (and
# the pytest runs they start) keep theirs in a throw-away folder instead.
os.environ.setdefault("VFTEST_CACHE_DIR", os.path.join(tempfile.gettempdir(), "vftest-test-cache"))

pytest_plugins = ["tests.browser"]

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    """The folder of test data copied into the repo (see tests/data/PROVENANCE.md)."""
    return DATA


# tests/data holds broken and example suites as *data*: the loader tests read them; the
# plugin must not collect them as this project's own tests.
collect_ignore_glob = ["data/*"]
