"""Environment matrices, one agent file per environment, and `vftest diff` between them."""

from __future__ import annotations

import json
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


ONE_FILE = """\
target: {project: agents/dev.vfr, api: %s}
cases:
  - name: hello
    turns:
      - launch:
"""


@pytest.mark.parametrize("api", ["v1", "v4"])
def test_an_environment_the_agent_file_does_not_know_is_a_configuration_error(
    pytester: pytest.Pytester, suites: Path, api: str
) -> None:
    (suites / "one.vftest.yaml").write_text(ONE_FILE % api)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "suites/one.vftest.yaml", "--vftest-env", "staging"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*environment 'staging' is not in the agent file: the local runtime serving "
            "*dev.vfr knows only development, production, 66a0c0de0000000000000a02. Map it to "
            "its own file (`target.project: {staging: agents/staging.vfr}`*"
        ]
    )
    result.stdout.no_fnmatch_line("*auth*")


def test_a_mapped_file_is_the_agent_of_its_environment_whatever_its_name(
    pytester: pytest.Pytester, suites: Path
) -> None:
    # A file pulled from development has no `liveVersion`; mapped to `production` and to
    # `staging` it still answers for them, since the mapping says it is their agent.
    dev = suites / "agents" / "dev.vfr"
    data = json.loads(dev.read_text())
    del data["project"]["liveVersion"]
    (suites / "agents" / "draft.vfr").write_text(json.dumps(data))
    (suites / "orders.vftest.yaml").write_text(
        SUITE.replace(
            "{development: agents/dev.vfr, production: agents/live.vfr}",
            "{staging: agents/draft.vfr, production: agents/draft.vfr}",
        ).replace("[development, production]", "[staging, production]")
    )
    for api in ("v1", "v2", "v4"):
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "suites", "--vftest-api", api, "-v"
        )
        result.assert_outcomes(passed=3, skipped=1)
        result.stdout.fnmatch_lines_random(["*::order by button[[]staging[]] PASSED*"])


def test_the_example_suites_as_a_matrix_on_two_agent_files_show_the_one_changed_answer(
    pytester: pytest.Pytester,
) -> None:
    # The done-when of issue 13: the repository's example suites, each mapped to two agent
    # files that differ in one answer, compared with --vftest-diff inside the pytest run.
    folder = pytester.path / "suites"
    shutil.copytree(ROOT / "suites", folder)
    agent = folder / "agents" / "support.vfr"
    old = "You can return any item within 30 days of delivery for a full refund."
    new = "Returns are accepted within 14 days of delivery."
    assert agent.read_text().count(old) == 1
    (folder / "agents" / "live.vfr").write_text(agent.read_text().replace(old, new))
    for suite in folder.glob("*.vftest.yaml"):
        text = suite.read_text()
        assert "  project: agents/support.vfr\n" in text
        suite.write_text(
            text.replace(
                "  project: agents/support.vfr\n",
                "  project: {development: agents/support.vfr, production: agents/live.vfr}\n",
            )
        )
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "suites", "-n", "2",
        "--vftest-diff", "development,production", "--vftest-diff-markdown", "diff.md",
    )  # fmt: skip
    assert result.ret == 1
    text = result.stdout.str()
    summary = text[text.index("= vftest diff =") :].splitlines()
    # Exactly the three cases that play the changed answer differ, each at the turn that asks.
    assert [line for line in summary if line.startswith("  ~ ")] == [
        "  ~ suites/faq.vftest.yaml::each FAQ button answers its question: differs from turn 3",
        "  ~ suites/faq.vftest.yaml::return policy typed in the user's own words: differs from "
        "turn 2",
        "  ~ suites/regression.vftest.yaml::the FAQ answers about returns: differs from turn 3",
    ]
    assert '      turn 2 text "what is your return policy": text changed, similarity 0.77' in (
        summary
    )
    assert f"          + {new} Start a return at acme.example/returns." in summary
    assert "42 identical, 3 differ, 1 played in one environment only" in summary
    markdown = (pytester.path / "diff.md").read_text()
    assert markdown.startswith("### vftest diff: `development` → `production`\n")
    assert (
        "| `suites/regression.vftest.yaml::the FAQ answers about returns` | turn 3: text "
        "changed, similarity 0.77 < 0.90 |" in markdown
    )


def test_the_diff_option_passes_when_both_sides_agree_and_refuses_one_environment(
    pytester: pytest.Pytester, suites: Path
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "suites", "--vftest-diff", "development,production"
    )  # fmt: skip
    result.assert_outcomes(passed=3, skipped=1)
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*= vftest diff =*", "1 identical, 0 differ, 1 played in one environment only"]
    )
    bad = pytester.runpytest_subprocess("-p", "no:cacheprovider", "suites", "--vftest-diff", "a")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--vftest-diff='a' is not valid: use two different environments*"])
