"""Hooks vftest adds to pytest (registered by `pytest_addhooks`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from vftest.kinds import Kind


@pytest.hookspec
def pytest_vftest_matchers(config: pytest.Config) -> Iterable[Kind] | Kind | None:
    """Return expectation kinds (`vftest.kinds.Kind` instances) to add to vftest's.

    Called once at configure time, before suites are collected, from conftest.py files and
    plugins. A kind's `name` becomes a key of `expect:` / `absent:` items, validated against
    its `schema` like the built-ins (docs/matchers.md).
    """


def register_matchers(config: pytest.Config) -> None:
    """Add the kinds every implementation returns."""
    from vftest.kinds import add_all

    found: list[Any] = [r for r in config.hook.pytest_vftest_matchers(config=config) if r]
    add_all(found)
