"""Fixtures for the local runtime engine tests: the projects copied into tests/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from vftest.runtime.project import Project, load_project

PROJECTS = Path(__file__).parent.parent / "data" / "projects"


@pytest.fixture(scope="session")
def pizza() -> Project:
    """The hand-authored project the captures were recorded on."""
    return load_project(PROJECTS / "pizza-demo.vfr")


@pytest.fixture(scope="session")
def hello() -> Project:
    """The docs' minimal project plus the fields the runtime needs."""
    return load_project(PROJECTS / "docs-hello.vfr")
