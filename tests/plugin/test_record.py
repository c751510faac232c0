"""`vftest record`: expectations written from a real play, the file's comments and layout kept."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.commands import run_pytest, run_vftest
from tests.net import closed_port_url
from vftest.record import expectations_of

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "record"


def test_record_fills_only_the_empty_turns_and_keeps_comments(tmp_path: Path) -> None:
    shutil.copy(ROOT / "suites" / "agents" / "support.vfr", tmp_path / "support.vfr")
    shutil.copy(DATA / "shop.vftest.yaml", tmp_path / "shop.vftest.yaml")
    done = run_vftest("record", "shop.vftest.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "shop.vftest.yaml: expectations written for 4 turns" in done.stdout
    written = (tmp_path / "shop.vftest.yaml").read_text()
    assert written == (DATA / "shop.recorded.vftest.yaml").read_text()
    assert run_vftest("check", "shop.vftest.yaml", cwd=tmp_path).returncode == 0
    run = run_pytest("shop.vftest.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    again = run_vftest("record", "shop.vftest.yaml", cwd=tmp_path)
    assert "shop.vftest.yaml: nothing to fill" in again.stdout
    assert (tmp_path / "shop.vftest.yaml").read_text() == written


def test_an_example_suite_stripped_of_expectations_records_back_to_green(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "suites", tmp_path / "suites")
    suite = tmp_path / "suites" / "orders.vftest.yaml"
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(suite.read_text())
    for case in data["cases"]:
        case.pop("xfail", None)
        for turn in case["turns"]:
            for key in ("expect", "absent", "expect_variables", "mode"):
                turn.pop(key, None)
    out = io.StringIO()
    yaml.dump(data, out)
    suite.write_text(out.getvalue())
    comments = out.getvalue().count("#")
    done = run_vftest("record", "suites/orders.vftest.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    text = suite.read_text()
    assert text.count("#") == comments  # every comment survived
    assert text.count("expect:") == sum(len(c["turns"]) for c in data["cases"])
    run = run_pytest("suites/orders.vftest.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stdout


def test_only_the_named_case_is_filled(tmp_path: Path) -> None:
    shutil.copy(ROOT / "suites" / "agents" / "support.vfr", tmp_path / "support.vfr")
    shutil.copy(DATA / "shop.vftest.yaml", tmp_path / "shop.vftest.yaml")
    done = run_vftest("record", "shop.vftest.yaml", "--case", "order number", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[1:] == ["  order number: turn 2"]


def test_a_case_name_the_suite_does_not_have_is_refused(tmp_path: Path) -> None:
    shutil.copy(ROOT / "suites" / "agents" / "support.vfr", tmp_path / "support.vfr")
    shutil.copy(DATA / "shop.vftest.yaml", tmp_path / "shop.vftest.yaml")
    done = run_vftest("record", "shop.vftest.yaml", "--case", "no such case", cwd=tmp_path)
    assert done.returncode == 2
    assert "no case named 'no such case' in shop.vftest.yaml" in done.stderr
    assert (tmp_path / "shop.vftest.yaml").read_text() == (DATA / "shop.vftest.yaml").read_text()


def test_a_suite_that_does_not_load_is_not_played(tmp_path: Path) -> None:
    shutil.copy(DATA / "shop.vftest.yaml", tmp_path / "shop.vftest.yaml")  # no support.vfr
    done = run_vftest("record", "shop.vftest.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "shop.vftest.yaml:4: target.project: agent file 'support.vfr'" in done.stderr
    assert "shop.vftest.yaml does not load: nothing recorded" in done.stderr
    assert done.stdout == ""


def test_a_case_that_cannot_be_played_is_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "VF.DM.000000000000000000000000.record-secret-key"
    text = (DATA / "shop.vftest.yaml").read_text()
    down = text.replace("  project: support.vfr", f"  url: {closed_port_url()}\n  # was")
    (tmp_path / "shop.vftest.yaml").write_text(down)
    env_key = {"VOICEFLOW_API_KEY": key}
    done = subprocess.run(
        [sys.executable, "-m", "vftest.cli", "record", "shop.vftest.yaml"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, **env_key},
    )  # fmt: skip
    assert done.returncode == 2
    assert "faq by button: not recorded: " in done.stderr
    assert (tmp_path / "shop.vftest.yaml").read_text() == down
    assert "record-secret-key" not in done.stdout + done.stderr


def test_values_that_vary_become_patterns() -> None:
    agent = [
        {"text": "Your ticket for {user_id} was opened at <time>."},
        {"buttons": [{"label": "Yes", "request": "path"}, {"label": "No", "request": "path"}]},
        {"carousel": [{"title": "A"}, {"description": "untitled"}]},
        {"no_reply": 10},
        {"custom": {"name": "escalate", "payload": {"queue": "tier1"}}},
        {"end": True},
    ]
    assert [dict(item) for item in expectations_of(agent)] == [
        {"text": {"regex": r"^Your\ ticket\ for\ .+\ was\ opened\ at\ .+\.$"}},
        {"choice": ["Yes", "No"]},
        {"carousel": {"count": 2, "cards": [{"title": "A"}]}},
        {"custom": {"name": "escalate"}},
        {"end": True},
    ]
