"""Environment matrices, one agent file per environment, and `vftest diff` between them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

SUITE = """\
name: orders
target:
  project: {development: agents/dev.vfr, production: agents/live.vfr}
variables: {user_name: Ada}
environments: [development, production]
cases:
  - name: order by button
    turns:
      - launch:
      - button: Order status
        expect:
          - text: {contains: order number}
  - name: greeting
    environments: [production]
    turns:
      - launch:
"""


@pytest.fixture
def suites(pytester: pytest.Pytester) -> Path:
    folder = pytester.mkdir("suites")
    (folder / "agents").mkdir()
    for name in ("dev.vfr", "live.vfr"):
        shutil.copy(ROOT / "suites" / "agents" / "support.vfr", folder / "agents" / name)
    (folder / "orders.vftest.yaml").write_text(SUITE)
    return folder


def test_a_matrix_makes_one_item_per_case_and_environment(
    pytester: pytest.Pytester, suites: Path
) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "suites", "-v")
    result.assert_outcomes(passed=3, skipped=1)  # greeting runs only in production
    result.stdout.fnmatch_lines_random(
        [
            "*::order by button[[]development[]] PASSED*",
            "*::order by button[[]production[]] PASSED*",
            "*::greeting[[]production[]] PASSED*",
        ]
    )
    selected = pytester.runpytest_subprocess("-p", "no:cacheprovider", "suites", "-k", "production")
    selected.assert_outcomes(passed=2)


def test_each_environment_talks_to_its_own_agent_file(
    pytester: pytest.Pytester, suites: Path
) -> None:
    live = suites / "agents" / "live.vfr"
    live.write_text(live.read_text().replace("What is your order number?", "Which parcel?"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "suites")
    result.assert_outcomes(passed=2, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ['*rerun:   pytest "suites/orders.vftest.yaml::order by button[[]production[]]" -vv']
    )


def test_the_command_line_matrix_beats_the_suite_and_an_unknown_environment_is_an_error(
    pytester: pytest.Pytester, suites: Path
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "suites", "--vftest-env", "development,staging"
    )
    result.assert_outcomes(passed=1, skipped=2, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*target.project names no agent file for environment 'staging' (it has: *",
        ]
    )


def diff(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vftest.cli", "diff", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_diff_reports_what_would_change_and_exits_1(
    pytester: pytest.Pytester, suites: Path
) -> None:
    same = diff(pytester.path, "suites", "--env", "development", "--env", "production")
    assert same.returncode == 0, same.stdout + same.stderr
    # greeting runs only in production: listed, not an error
    assert same.stdout.strip().endswith("1 identical, 0 differ, 1 played in one environment only")
    live = suites / "agents" / "live.vfr"
    live.write_text(live.read_text().replace('"name": "FAQ"', '"name": "Questions"'))
    changed = diff(
        pytester.path, "suites", "--env", "development", "--env", "production",
        "--markdown", "diff.md",
    )  # fmt: skip
    assert changed.returncode == 1, changed.stdout + changed.stderr
    assert "~ suites/orders.vftest.yaml::order by button: differs from turn 1" in changed.stdout
    assert 'turn 1 launch: button "FAQ" removed' in changed.stdout
    markdown = (pytester.path / "diff.md").read_text()
    assert '| `suites/orders.vftest.yaml::order by button` | turn 1: button "FAQ" removed |' in (
        markdown
    )


def test_diff_needs_two_different_environments(pytester: pytest.Pytester, suites: Path) -> None:
    assert diff(pytester.path, "suites", "--env", "development").returncode == 2
