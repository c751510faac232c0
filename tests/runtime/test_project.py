"""Loading .vfr files: the good ones load, broken ones fail with an exact message."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from vftest.errors import ProjectError
from vftest.runtime.project import load_project, load_project_data

PROJECTS = Path(__file__).parent.parent / "data" / "projects"


def _pizza() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PROJECTS / "pizza-demo.vfr").read_text())
    return data


def test_loads_pizza_demo_fields() -> None:
    project = load_project(PROJECTS / "pizza-demo.vfr")
    assert project.project_id == "6650a1b2c3d4e5f601234560"
    assert project.name == "Pizza Place (local runtime demo)"
    assert project.dev_version_id == project.version_id == "6650a1b2c3d4e5f601234561"
    assert project.live_version_id == "6650a1b2c3d4e5f601234561"
    assert project.root_diagram_id == "6650a1b2c3d4e5f601234562"
    assert set(project.programs) == {"6650a1b2c3d4e5f601234562", "6650a1b2c3d4e5f601234561"}
    assert project.model["intents"][0]["name"] == "order_pizza"


def test_live_version_may_be_absent() -> None:
    data = _pizza()
    del data["project"]["liveVersion"]
    assert load_project_data(data).live_version_id is None


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.vfr"
    with pytest.raises(ProjectError) as info:
        load_project(missing)
    assert str(info.value) == f"{missing}: project file not found"


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.vfr"
    path.write_text('{"project": ')
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert str(info.value) == f"{path}: not valid JSON (line 1 column 13: Expecting value)"


def test_docs_default_project_lacks_root_diagram() -> None:
    path = PROJECTS / "docs-default-project.vfr"
    with pytest.raises(ProjectError) as info:
        load_project(path)
    assert str(info.value) == f"{path}: missing `version.rootDiagramID`"


def _broken(change: str) -> dict[str, Any]:
    data = copy.deepcopy(_pizza())
    root = data["programs"]["6650a1b2c3d4e5f601234562"]
    if change == "no-start":
        del root["startId"]
    elif change == "bad-node":
        root["lines"]["n_speak"] = {"id": "n_speak", "speak": "hi"}
    elif change == "node-id":
        root["lines"]["n_speak"]["id"] = "other"
    elif change == "root-missing":
        data["version"]["rootDiagramID"] = "abc"
    elif change == "no-programs":
        del data["programs"]
    elif change == "dev-version":
        del data["project"]["devVersion"]
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no-start", "x.vfr: `programs['6650a1b2c3d4e5f601234562']` has no `startId`"),
        (
            "bad-node",
            "x.vfr: `programs['6650a1b2c3d4e5f601234562'].lines['n_speak']` has an unknown "
            "shape (no string `type`)",
        ),
        (
            "node-id",
            "x.vfr: `programs['6650a1b2c3d4e5f601234562'].lines['n_speak']` has `id` 'other', "
            "expected 'n_speak'",
        ),
        (
            "root-missing",
            "x.vfr: `version.rootDiagramID` is 'abc' but `programs` has no program with that id",
        ),
        ("no-programs", "x.vfr: missing `programs`"),
        ("dev-version", "x.vfr: missing `project.devVersion`"),
    ],
)
def test_broken_projects_name_the_problem(change: str, message: str) -> None:
    with pytest.raises(ProjectError) as info:
        load_project_data(_broken(change), source="x.vfr")
    assert str(info.value) == message


def test_top_level_must_be_object() -> None:
    with pytest.raises(
        ProjectError, match=r"^<memory>: a \.vfr must be a JSON object, got an array$"
    ):
        load_project_data([])
