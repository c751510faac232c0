"""Which environments an agent file answers for (vftest/environments.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from vftest.environments import check_environment, known_environments
from vftest.errors import ConfigError
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
