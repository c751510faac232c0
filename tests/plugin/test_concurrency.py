"""Cases run concurrently but report in order; -x cancels cleanly; cases stay isolated; xdist.

Concurrency is observed on an instrumented runtime (peak requests in flight), not timed.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the fixture's type, for readers; conftest is not importable as a module
    from conftest import Observed


def cases(count: int, *, failing: int | None = None) -> str:
    lines = ["cases:"]
    for n in range(count):
        expected = "Nope" if n == failing else "Welcome to Pizza Place, {{who}}!"
        lines += [
            f"  - name: case {n:02d}",
            f"    variables: {{user_name: guest{n}, who: guest{n}}}",
            "    turns:",
            "      - launch:",
            "        expect:",
            f'          - text: "{expected}"',
            "        expect_variables:",
            f"          user_name: guest{n}",
        ]
    return "\n".join(lines) + "\n"


def run(pytester: pytest.Pytester, runtime: Observed, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-v", "-p", "no:cacheprovider", "--vftest-url", runtime.url, *args
    )


def reported_order(result: pytest.RunResult) -> list[str]:
    return re.findall(r"::(case \d\d) (?:PASSED|FAILED|ERROR)", result.stdout.str())


def test_cases_overlap_and_are_reported_in_collection_order(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(12))
    result = run(pytester, observed_runtime, "--vftest-concurrency", "6", "--junitxml=out.xml")
    result.assert_outcomes(passed=12)
    expected = [f"case {n:02d}" for n in range(12)]
    assert reported_order(result) == expected
    junit = ET.parse(pytester.path / "out.xml").getroot()
    assert [case.get("name") for case in junit.iter("testcase")] == expected
    assert observed_runtime.peak >= 3  # several conversations were in flight at once


def test_concurrency_one_runs_cases_one_at_a_time(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(5))
    result = run(pytester, observed_runtime, "--vftest-concurrency", "1")
    result.assert_outcomes(passed=5)
    assert observed_runtime.peak == 1


def test_exitfirst_cancels_pending_cases_and_leaves_no_request_in_flight(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(40, failing=1))
    result = run(pytester, observed_runtime, "-x", "--vftest-concurrency", "2")
    result.assert_outcomes(passed=1, failed=1)
    assert reported_order(result) == ["case 00", "case 01"]
    # Cases beyond the look-ahead window never reached the runtime ...
    interacts = [path for method, path in observed_runtime.requests if path.endswith("/interact")]
    assert len(interacts) < 40
    # ... and nothing the cancelled cases sent is still being served once pytest has exited.
    time.sleep(0.2)
    seen = len(observed_runtime.requests)
    time.sleep(0.3)
    assert observed_runtime.in_flight == 0
    assert len(observed_runtime.requests) == seen


def test_parallel_cases_never_share_a_user(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(10))
    result = run(pytester, observed_runtime, "--vftest-concurrency", "10")
    # each case asserts its own injected variable came back: a shared session would mix them
    result.assert_outcomes(passed=10)
    users = {
        path.split("/")[3]
        for method, path in observed_runtime.requests
        if path.startswith("/state/user/")
    }
    assert len(users) == 10
    assert all(re.fullmatch(r"vftest-[0-9a-f]{6}-case-\d\d-[0-9a-f]{6}", user) for user in users)


def test_captured_values_do_not_leak_between_cases(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".vftest.yaml",
        leak="""\
target: {url: "http://127.0.0.1:9"}
cases:
  - name: captures
    turns:
      - launch:
        capture:
          greeting: {trace: text}
  - name: uses another case's capture
    turns:
      - text: "{{greeting}}"
""",
    )
    result = pytester.runpytest_subprocess("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "leak.vftest.yaml:10: cases[[]1].turns[[]0].text: '{{greeting}}' is neither captured "
            "in an earlier turn nor a case or suite variable"
        ]
    )
    assert result.ret != 0


def test_xdist_workers_each_run_their_share(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(16))
    result = run(pytester, observed_runtime, "-n", "2", "--vftest-concurrency", "4")
    result.assert_outcomes(passed=16)
    users = {p.split("/")[3] for _, p in observed_runtime.requests if p.startswith("/state/user/")}
    assert len(users) == 16


def test_ctrl_c_stops_the_run_like_a_sequential_one(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(200))
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
        "--vftest-url", observed_runtime.url, "--vftest-concurrency", "4",
    ]  # fmt: skip
    # SIGINT must not be ignored in the child (it is for background jobs of a non-interactive
    # shell), or the interrupt never arrives.
    with subprocess.Popen(
        command,
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as process:
        assert process.stdout is not None
        assert process.stdout.read(1) == "."  # the first case has been reported
        process.send_signal(signal.SIGINT)
        output = process.stdout.read()
        assert process.wait(timeout=30) == pytest.ExitCode.INTERRUPTED
    assert "KeyboardInterrupt" in output
    seen = len(observed_runtime.requests)
    time.sleep(0.3)
    assert observed_runtime.in_flight == 0
    assert len(observed_runtime.requests) == seen  # nothing keeps running after the exit
    assert seen < 200 * 2  # the run stopped well before the end


# A plugin that catches KeyboardInterrupt where the handler happens to raise it. Where the
# interrupt lands is chance (it once landed in a teardown hook and the run went on to exit 0);
# this conftest makes it land in such code every time.
CARELESS_PLUGIN = """
import os, signal, time

def pytest_runtest_teardown(item):
    if item.name == "case 01":
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the handler runs here
        except KeyboardInterrupt:
            print("LOST THE INTERRUPT")
"""


def test_ctrl_c_stops_the_run_even_when_code_loses_the_keyboard_interrupt(
    pytester: pytest.Pytester, observed_runtime: Observed
) -> None:
    pytester.makefile(".vftest.yaml", many=cases(50))
    pytester.makeconftest(CARELESS_PLUGIN)
    result = pytester.runpytest_subprocess(
        "-s", "-p", "no:cacheprovider", "--vftest-url", observed_runtime.url,
        "--vftest-concurrency", "1",
    )  # fmt: skip
    assert "LOST THE INTERRUPT" in result.stdout.str()
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.no_fnmatch_line("*50 passed*")
    assert len(observed_runtime.requests) < 50  # it stopped at the next case
