"""Outcomes that must never comfort falsely: an xfail case that errors, tags that are markers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.net import closed_port_url

PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"

XFAIL_SUITE = """\
name: expected failures
cases:
  - name: known gap
    xfail: the agent does not greet by name yet
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, Ada!"
"""


def test_an_xfail_case_that_cannot_reach_the_runtime_is_an_error_not_an_xfail(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.outcomes")
    pytester.makefile(".vftest.yaml", gaps=XFAIL_SUITE)
    result = pytester.runpytest_subprocess(
        "--vftest-url", closed_port_url(), "--vftest-timeout", "2"
    )
    result.assert_outcomes(errors=1)  # not xfailed=1
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*infrastructure error*"])


def test_an_xfail_case_whose_agent_fails_is_still_an_expected_failure(
    pytester: pytest.Pytester,
) -> None:
    suite = XFAIL_SUITE.replace("cases:", f"target:\n  project: {PIZZA}\ncases:")
    pytester.makefile(".vftest.yaml", gaps=suite)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(xfailed=1)
    assert result.ret == pytest.ExitCode.OK


@pytest.mark.parametrize("tag", ["xfail", "skip", "skipif", "filterwarnings", "flaky"])
def test_a_tag_that_is_a_pytest_marker_is_refused_at_its_line(
    pytester: pytest.Pytester, tag: str
) -> None:
    suite = f"""\
name: tags
target:
  project: {PIZZA}
cases:
  - name: tagged
    tags: [smoke, {tag}]
    turns:
      - launch:
  - name: fine
    turns:
      - launch:
"""
    pytester.makefile(".vftest.yaml", tags=suite)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)  # the file does not collect: no case silently changes
    expected = f"tags.vftest.yaml:6: cases[0].tags[1]: '{tag}' is a pytest marker that changes"
    assert expected in result.stdout.str()


def test_a_yaml_file_named_on_the_command_line_that_is_not_a_suite_says_how_to_name_it(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".yaml", orders="name: orders\ncases: []\n")
    result = pytester.runpytest_subprocess("orders.yaml")
    assert result.ret != pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "*orders.yaml is not collected as a vftest suite: suite files are named "
            "*.vftest.yaml or *.vftest.yml. Rename it (e.g. orders.vftest.yaml)*"
        ]
    )


def test_yaml_files_found_by_walking_a_folder_are_left_alone(pytester: pytest.Pytester) -> None:
    # Only a file the user named is a mistake; other YAML in a test folder is not ours.
    pytester.makefile(".yaml", config="key: value\n")
    pytester.makepyfile(test_plain="def test_ok():\n    pass\n")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=1)
