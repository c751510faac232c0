"""Option precedence: command line, environment, what the suite set, ini file, default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "data"

# The case runs only against production; whether it ran (passed) or was skipped tells which
# environment won.
SUITE = """\
target: {project: pizza.vfr%s}
cases:
  - name: production only
    environments: [production]
    turns:
      - launch:
        expect:
          - text: {contains: Welcome}
"""


def outcome(pytester: pytest.Pytester, suite_env: str | None, *args: str) -> str:
    pytester.makefile(
        ".vftest.yaml", p=SUITE % (f", environment: {suite_env}" if suite_env else "")
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    outcomes = result.parseoutcomes()
    assert len(outcomes) >= 1, result.stdout.str()
    return "ran" if outcomes.get("passed") else "skipped"


@pytest.mark.parametrize(
    ("ini", "suite_env", "env_var", "cli", "expected"),
    [
        (None, None, None, None, "skipped"),  # default: development
        ("production", None, None, None, "ran"),  # ini beats the default
        ("production", "development", None, None, "skipped"),  # the suite beats ini
        (None, "development", "production", None, "ran"),  # environment beats the suite
        (None, "development", "development", "production", "ran"),  # command line beats all
        ("production", "production", None, "development", "skipped"),
    ],
)
def test_environment_precedence(
    pytester: pytest.Pytester,
    pizza: Path,
    monkeypatch: pytest.MonkeyPatch,
    ini: str | None,
    suite_env: str | None,
    env_var: str | None,
    cli: str | None,
    expected: str,
) -> None:
    if ini:
        pytester.makeini(f"[pytest]\nvftest_env = {ini}\n")
    if env_var:
        monkeypatch.setenv("VFTEST_ENV", env_var)
    else:
        monkeypatch.delenv("VFTEST_ENV", raising=False)
    args = ("--vftest-env", cli) if cli else ()
    assert outcome(pytester, suite_env, *args) == expected


CONTRACT_SUITE = """\
target: {project: pizza.vfr}
contract: {on_violation: off%s}
cases:
  - name: welcome
    turns:
      - launch:
"""


@pytest.mark.parametrize(
    ("suite_spec", "args", "expected"),
    [
        (", spec: v4", (), "passed"),  # the suite switched checks off
        (", spec: v4", ("--vftest-contract-mode", "fail"), "failed"),  # command line wins
        ("", ("--vftest-contract-mode", "fail"), "passed"),  # dm-1.1 fits v1 traces
        ("", ("--vftest-contract-mode", "fail", "--vftest-contract", "v4"), "failed"),
    ],
)
def test_command_line_contract_settings_beat_the_suite(
    pytester: pytest.Pytester, pizza: Path, suite_spec: str, args: tuple[str, ...], expected: str
) -> None:
    # v1 text traces lack the `messageID` the v4 contract requires: a real violation.
    pytester.makefile(".vftest.yaml", c=CONTRACT_SUITE % suite_spec)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    result.assert_outcomes(**{expected: 1})
    if expected == "failed":
        result.stdout.fnmatch_lines(["*'messageID' is a required property*"])


def test_a_contract_path_on_the_command_line_is_relative_to_the_working_directory(
    pytester: pytest.Pytester,
) -> None:
    shutil.copy(DATA / "contract" / "user-3.0.openapi.yaml", pytester.path / "my-contract.yaml")
    suites = pytester.mkdir("suites")
    shutil.copy(DATA / "projects" / "pizza-demo.vfr", suites / "pizza.vfr")
    (suites / "c.vftest.yaml").write_text(CONTRACT_SUITE % "")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "suites", "--vftest-contract", "my-contract.yaml",
        "--vftest-contract-mode", "warn",
    )  # fmt: skip
    result.assert_outcomes(passed=1)  # loaded from the cwd, not from suites/
    result.stdout.no_fnmatch_line("*could not run*")
