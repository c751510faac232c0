"""Faulty runtimes through pytest: infrastructure faults are errors, never failures or passes.

Each test serves the pizza demo on a real loopback socket with a misbehaving `RuntimeOptions`
(injected 5xx, a key allow-list, a rate limit), records what the runtime saw and answered, and
runs pytest in a subprocess (see test_run.py for why not in-process).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from vftest.runtime.app import create_app
from vftest.runtime.options import Faults, RateLimit, RuntimeOptions
from vftest.runtime.project import load_project
from vftest.runtime.server import RunningServer

PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"
GOOD_KEY = "VF.DM.000000000000000000000000.e2e-good-key"
WRONG_KEY = "VF.DM.000000000000000000000000.e2e-wrong-key"

SUITE = """\
name: faults
cases:
  - name: welcome
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, friend!"
          - choice: [Order a pizza, See the menu]
  - name: menu
    turns:
      - launch:
      - button: See the menu
        expect:
          - carousel: {count: 2}
  - name: order
    turns:
      - launch:
      - text: "i want a large pizza"
        expect:
          - text: "Great, one large pizza coming up."
"""
CASES = 3


def suite_with(copies: int) -> str:
    """SUITE with its cases repeated under new names (more traffic, same conversations)."""
    head, body = SUITE.split("cases:\n", 1)
    bodies = [re.sub(r"- name: (\w+)", rf"- name: \1 {n}", body) for n in range(copies)]
    return head + "cases:\n" + "".join(bodies)


@dataclass
class Seen:
    """One request as the runtime handled it."""

    method: str
    path: str
    status: int = 0
    at: float = 0.0  # monotonic time the response started

    @property
    def user(self) -> str | None:
        match = re.search(r"/user/([^/]+)", self.path)
        return match[1] if match else None


@dataclass
class Runtime:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)

    def statuses(self) -> list[int]:
        return [s.status for s in self.seen]

    def users(self) -> set[str]:
        return {s.user for s in self.seen if s.user}


@contextmanager
def serve(options: RuntimeOptions) -> Iterator[Runtime]:
    """The pizza project with `options` on 127.0.0.1, recording every request and its status."""
    app = create_app(load_project(PIZZA), options)
    runtime = Runtime()
    guard = threading.Lock()

    async def recorded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        seen = Seen(scope["method"], scope["path"])
        with guard:
            runtime.seen.append(seen)

        async def watching(message: Any) -> None:
            if message["type"] == "http.response.start":
                seen.status = message["status"]
                seen.at = time.monotonic()
            await send(message)

        await app(scope, receive, watching)

    with RunningServer(recorded) as server:
        runtime.url = server.url
        yield runtime


def run(pytester: pytest.Pytester, runtime: Runtime, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--vftest-url", runtime.url, "--vftest-timeout", "5", *args
    )


@pytest.fixture
def good_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("VOICEFLOW_API_KEY", GOOD_KEY)
    return GOOD_KEY


# --------------------------------------------------------------------------- injected 5xx


@pytest.mark.usefixtures("good_key")
def test_every_request_503_makes_every_case_an_error_not_a_failure(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".vftest.yaml", faults=SUITE)
    with serve(RuntimeOptions(faults=Faults(rate=1.0, kinds=("503",)))) as runtime:
        result = run(pytester, runtime)

    result.assert_outcomes(errors=CASES)  # and so passed=0, failed=0
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*infrastructure error*503*not a failure of the agent*",
            f"vftest: {CASES} cases, 0 passed, 0 failed, {CASES} errors*",
        ]
    )
    assert result.stdout.str().count("infrastructure error") >= CASES
    # per case the state reset only (never an interact), answered 503 and resent three times:
    # a DELETE is idempotent (issue 14, item 11)
    assert runtime.statuses() == [503] * (CASES * 4)
    assert len(runtime.users()) == CASES


# Found by trying seeds: with one case at a time the seeded runtime meets the same requests in
# the same order, so this run is reproducible (checked over repeated runs). `cut` is left out:
# on an empty-bodied answer (the v1 state reset) it races with keep-alive reuse and is not.
RERUN_SEED = 3
RERUN_COPIES = 2  # 6 cases, ~20 requests
FLAKY = Faults(rate=0.3, kinds=("500", "502", "503", "malformed"))


def flaky_run(pytester: pytest.Pytester, *args: str) -> tuple[pytest.RunResult, Runtime]:
    # One case at a time, so the seeded runtime meets the requests in the same order each run.
    with serve(RuntimeOptions(faults=FLAKY, seed=RERUN_SEED)) as runtime:
        result = run(pytester, runtime, "--vftest-concurrency", "1", *args)
    return result, runtime


@pytest.mark.usefixtures("good_key")
def test_reruns_absorb_a_flaky_runtime_without_false_failures(
    pytester: pytest.Pytester,
) -> None:
    cases = CASES * RERUN_COPIES
    pytester.makefile(".vftest.yaml", faults=suite_with(RERUN_COPIES))

    result, runtime = flaky_run(pytester, "--vftest-reruns", "2")
    result.assert_outcomes(passed=cases)
    assert result.ret == pytest.ExitCode.OK
    # faults were injected (5xx; `cut` and `malformed` start as a 200 and are not counted)
    assert sum(1 for s in runtime.seen if s.status >= 500) >= 3, runtime.statuses()
    # every rerun started from a fresh user: one more user per rerun
    assert len(runtime.users()) > cases

    # The same seed without reruns: the very same faults now end cases as errors, never as
    # failures (and the run does not pass).
    result, runtime = flaky_run(pytester)
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) >= 1
    assert outcomes.get("failed", 0) == 0
    assert outcomes.get("passed", 0) + outcomes["errors"] == cases
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert len(runtime.users()) == cases


# --------------------------------------------------------------------------- wrong key


def test_wrong_key_stops_the_run_after_the_first_case(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICEFLOW_API_KEY", WRONG_KEY)
    pytester.makefile(".vftest.yaml", faults=SUITE)
    with serve(RuntimeOptions(api_keys=(GOOD_KEY,))) as runtime:
        result = run(pytester, runtime, "--vftest-concurrency", "1")

    result.assert_outcomes(errors=CASES)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    reports = [line for line in result.outlines if line.startswith("infrastructure error")]
    assert len(reports) == CASES
    first, *others = reports
    assert first.startswith("infrastructure error (auth): DELETE /state/user/")
    assert "the runtime refused the API key" in first
    # the others repeat the first case's message (its user id included) without running
    message = first.removeprefix("infrastructure error (auth): ")
    assert others == [f"infrastructure error (auth): not run: {message}"] * (CASES - 1)
    assert runtime.seen[0].user is not None
    assert runtime.seen[0].user in message
    # only the first case reached the runtime, with exactly one request
    assert len(runtime.users()) == 1
    assert len(runtime.seen) == 1
    assert runtime.seen[0].status == 400
    assert WRONG_KEY not in output + result.stderr.str()
    assert "e2e-wrong-key" not in output + result.stderr.str()


def test_wrong_key_with_concurrent_cases_is_never_a_pass_or_failure(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With cases in flight together, those already sent get their own refusal; none resends.
    monkeypatch.setenv("VOICEFLOW_API_KEY", WRONG_KEY)
    pytester.makefile(".vftest.yaml", faults=suite_with(2))
    with serve(RuntimeOptions(api_keys=(GOOD_KEY,))) as runtime:
        result = run(pytester, runtime, "--vftest-concurrency", "8")

    result.assert_outcomes(errors=2 * CASES)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert len(runtime.seen) == len(runtime.users())  # at most one request per case
    assert set(runtime.statuses()) == {400}


# --------------------------------------------------------------------------- rate limit


@pytest.mark.usefixtures("good_key")
def test_rate_limited_runtime_is_waited_out_and_every_case_passes(
    pytester: pytest.Pytester,
) -> None:
    copies = 2  # 6 cases, 11 requests against 5 per second
    pytester.makefile(".vftest.yaml", faults=suite_with(copies))
    with serve(RuntimeOptions(rate_limit=RateLimit(points=5, seconds=1))) as runtime:
        result = run(pytester, runtime)

    result.assert_outcomes(passed=CASES * copies)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines([f"vftest: {CASES * copies} cases, {CASES * copies} passed*"])
    answered = [s for s in runtime.seen if s.status < 300]
    # every turn, and one state reset: the first contact with the runtime checks access
    assert len(answered) == 5 * copies + 1
    assert set(runtime.statuses()) <= {200, 429}
    # the 6 cases start at once: the first window must have refused some
    assert runtime.statuses().count(429) >= 1
    # and the limit really held: 11 answers need at least 3 windows of 1 s
    span = max(s.at for s in answered) - min(s.at for s in answered)
    assert span >= 2 * 1.0 - 0.1, span
