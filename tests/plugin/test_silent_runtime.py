"""A runtime that takes connections and never answers: a few cases wait, the rest fail fast."""

from __future__ import annotations

import time

import pytest

CASES = 10
SUITE = "name: silent\ncases:\n" + "".join(
    f"  - name: case {n}\n    turns:\n      - launch:\n" for n in range(CASES)
)


def run(pytester: pytest.Pytester, url: str, *args: str) -> tuple[pytest.RunResult, float]:
    pytester.makefile(".vftest.yaml", silent=SUITE)
    started = time.perf_counter()
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-url", url, "--vftest-timeout", "0.5",
        "--vftest-concurrency", "2", *args,
    )  # fmt: skip
    return result, time.perf_counter() - started


def reports_starting(result: pytest.RunResult, text: str) -> int:
    """Error sections whose message starts with `text`.

    The short summary repeats each message after "ERROR ...", cut or not depending on the
    terminal width, so only lines that start with the message count.
    """
    return sum(
        line.startswith(f"infrastructure error (transport): {text}") for line in result.outlines
    )


def waited(result: pytest.RunResult) -> int:
    """Cases whose report begins with their own timeout."""
    return reports_starting(result, "DELETE")


def test_after_three_silent_cases_the_rest_are_not_sent(
    pytester: pytest.Pytester, silent_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.silent")
    result, _ = run(pytester, silent_url)
    result.assert_outcomes(errors=CASES)
    assert waited(result) == 3
    result.stdout.fnmatch_lines(
        ["*(transport): not run: 3 cases in a row got no answer within 0.5s; the runtime takes*"]
    )
    assert reports_starting(result, "not run: 3 cases in a row") == CASES - 3


def test_the_breaker_can_be_turned_off(
    pytester: pytest.Pytester, silent_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", "VF.DM.000000000000000000000000.silent")
    result, _ = run(pytester, silent_url, "--vftest-max-timeouts", "0")
    result.assert_outcomes(errors=CASES)
    assert waited(result) == CASES
