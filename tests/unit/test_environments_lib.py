"""Which environments an agent file answers for (vftest/environments.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from vftest.environments import (
    agent_file,
    check_environment,
    known_environments,
    matrix,
    split_environments,
)
from vftest.errors import ConfigError
from vftest.models import Suite, Target
from vftest.runtime.project import load_project

PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"


def test_a_published_file_knows_both_aliases_and_its_version_ids() -> None:
    project = replace(load_project(PIZZA), live_version_id="b" * 24)
    assert known_environments(project) == [
        "development",
        "production",
        project.version_id,
        "b" * 24,
    ]
    check_environment(project, "production", where="s.yaml")
    check_environment(project, "b" * 24, where="s.yaml")


def test_unknown_and_unpublished_environments_are_configuration_errors() -> None:
    project = replace(load_project(PIZZA), live_version_id=None)
    assert known_environments(project) == ["development", project.version_id]
    with pytest.raises(ConfigError, match=r"^s.yaml: environment 'staging' is not in the agent"):
        check_environment(project, "staging", where="s.yaml")
    with pytest.raises(ConfigError, match=r"never published \(it has no `project.liveVersion`"):
        check_environment(project, "production", where="s.yaml")


def suite(**target: Any) -> Suite:
    environments = target.pop("environments", ())
    explicit = frozenset(target)
    return Suite(
        path="s.yaml",
        name="s",
        cases=(),
        target=Target(**target, explicit=explicit),
        environments=environments,
    )


@pytest.mark.parametrize(
    ("the_suite", "diff", "env", "source", "expected"),
    [
        (suite(environments=("a", "b")), "x,y", "c", "cli", ["x", "y"]),  # the diff's two sides
        (suite(environments=("a", "b")), None, "c, d,c", "cli", ["c", "d"]),
        (suite(environments=("a", "b")), None, "c", "env", ["c"]),
        (suite(environments=("a", "b")), None, "c", "ini", ["a", "b"]),
        (suite(environment="staging"), None, "c", "ini", ["staging"]),
        (suite(), None, "c,d", "ini", ["c", "d"]),
        (suite(), None, "development", "default", ["development"]),
    ],
)
def test_the_matrix_follows_the_documented_precedence(
    the_suite: Suite, diff: str | None, env: str, source: str, expected: list[str]
) -> None:
    assert matrix(the_suite, diff=diff, env=env, env_source=source) == expected


def test_agent_file_per_environment() -> None:
    assert agent_file(suite(project="/a.vfr"), "anything") == "/a.vfr"
    mapped = suite(projects={"development": "/d.vfr", "production": "/p.vfr"})
    assert agent_file(mapped, "production") == "/p.vfr"
    with pytest.raises(
        ConfigError,
        match=r"names no agent file for environment 'qa' \(it has: development, production\)",
    ):
        agent_file(mapped, "qa")
    assert split_environments(" , ") == ["development"]
