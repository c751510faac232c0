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


@pytest.mark.parametrize(
    ("env", "args", "message"),
    [
        ({"VFTEST_API": "v9"}, (), "VFTEST_API='v9' is not valid: use one of v1, v2, v4"),
        ({"VFTEST_CONCURRENCY": "abc"}, (), "VFTEST_CONCURRENCY='abc' is not valid: use a whole"),
        ({"VFTEST_STREAM": "maybe"}, (), "VFTEST_STREAM='maybe' is not valid: use true or false"),
        ({}, ("--vftest-timeout", "0"), "--vftest-timeout='0' is not valid: use a number of sec"),
        ({}, ("--vftest-concurrency", "0"), "--vftest-concurrency='0' is not valid"),
        ({}, ("--vftest-reruns", "-1"), "--vftest-reruns='-1' is not valid: use a whole number"),
        ({}, ("--vftest-api", "v3"), "--vftest-api='v3' is not valid: use one of v1, v2, v4"),
        ({}, ("-o", "vftest_timeout=-1"), "ini key vftest_timeout='-1' is not valid"),
        ({}, ("--vftest-cov-fail-under", "101"), "use a percentage from 0 to 100"),
    ],
)
def test_a_bad_option_value_is_one_usage_error_naming_the_option(
    pytester: pytest.Pytester,
    pizza: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: tuple[str, ...],
    message: str,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makefile(".vftest.yaml", p=SUITE % "")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    output = result.stdout.str() + result.stderr.str()
    assert output.count(message) == 1, output
    assert "INTERNALERROR" not in output
    assert "max_429_wait" not in output  # no internal field names


def test_a_suite_given_by_absolute_path_runs_from_any_working_directory(
    pytester: pytest.Pytester, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copy(DATA / "projects" / "pizza-demo.vfr", elsewhere / "pizza.vfr")
    (elsewhere / "p.vftest.yaml").write_text((SUITE % "").replace("environments: [production]", ""))
    # The ini file makes `elsewhere` pytest's rootdir, which is not the working directory.
    (elsewhere / "pytest.ini").write_text("[pytest]\n")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", str(elsewhere / "p.vftest.yaml")
    )
    result.assert_outcomes(passed=1)
