"""Agents that answer differently each time: repeats with a pass rate, and honest reruns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT_ID, VERSION = "d" * 24, "v" * 24


def slate(message: str) -> list[dict[str, object]]:
    return [{"children": [{"text": message}]}]


def coin_flip_agent() -> dict[str, object]:
    """A launch that says "heads" or "tails" at random (a random step with two paths)."""
    lines = {
        "start": {"id": "start", "type": "start", "nextId": "flip"},
        "flip": {"id": "flip", "type": "randomV2", "random": 1, "nextIds": ["h", "t"]},
        "h": {"id": "h", "type": "text", "texts": [{"id": "1", "content": slate("heads")}]},
        "t": {"id": "t", "type": "text", "texts": [{"id": "2", "content": slate("tails")}]},
    }
    program = {"id": ROOT_ID, "name": "ROOT", "startId": "start", "lines": lines,
               "commands": [], "variables": []}  # fmt: skip
    base = {"id": VERSION, "name": "BASE", "startId": "start", "lines": {}, "commands": [],
            "variables": []}  # fmt: skip
    return {
        "_version": "1.2",
        "project": {"_id": "coinflip0000000000000000", "name": "coin", "devVersion": VERSION},
        "version": {"_id": VERSION, "projectID": "coinflip0000000000000000",
                    "rootDiagramID": ROOT_ID, "variables": [],
                    "prototype": {"model": {"intents": [], "slots": []},
                                  "context": {"variables": {}}}},
        "programs": {ROOT_ID: program, VERSION: base},
    }  # fmt: skip


SUITE = """\
name: coin
target: {project: coin.vfr}
repeat: 20
pass_rate: %s
cases:
  - name: says heads
    turns:
      - launch:
        expect:
          - text: heads
"""


@pytest.fixture
def coin(pytester: pytest.Pytester) -> Path:
    path = pytester.path / "coin.vfr"
    path.write_text(json.dumps(coin_flip_agent()))
    return path


@pytest.mark.usefixtures("coin")
def test_a_random_agent_passes_at_a_low_bar_and_fails_at_a_high_one(
    pytester: pytest.Pytester,
) -> None:
    # Heads has probability 1/2 per play. At 20 plays, 2 or more heads (bar 0.10) fails to
    # happen with probability 2e-5, and so does 19 or more (bar 0.95).
    pytester.makefile(".vftest.yaml", coin=SUITE % "0.10")
    low = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-vv", "--vftest-json", "r.json")
    low.assert_outcomes(passed=1)
    results = json.loads((pytester.path / "r.json").read_text())
    transcript = results["cases"][0]["transcript"]
    repetitions = transcript["repetitions"]
    assert len(repetitions) == 20
    heads = sum(1 for r in repetitions if r["outcome"] == "passed")
    assert 2 <= heads <= 18  # the measured rate is in the band a fair coin gives
    assert len({r["user_id"] for r in repetitions}) == 20  # every play a fresh user
    low.stdout.fnmatch_lines([f"*{heads} of 20 repetitions passed (required 0.10)*"])

    pytester.makefile(".vftest.yaml", coin=SUITE % "0.95")
    high = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    high.assert_outcomes(failed=1)
    high.stdout.fnmatch_lines(
        [
            "* of 20 repetitions passed: pass rate 0.* (required 0.95), pass^20 0.00",
            "*#1 *",
            "*the first failing repetition (vftest-*",
            '*FAIL expect[[]0[]]  text "heads"*',
        ]
    )


@pytest.mark.usefixtures("coin")
def test_the_command_line_repeat_beats_the_suite(pytester: pytest.Pytester) -> None:
    pytester.makefile(".vftest.yaml", coin=(SUITE % "0.0").replace("repeat: 20\n", ""))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--vftest-repeat", "3", "--junitxml", "j.xml"
    )
    result.assert_outcomes(passed=1)
    junit = (pytester.path / "j.xml").read_text()
    assert re.search(r'name="vftest_repetitions" value="\d/3 passed"', junit)


def test_reruns_under_pytest_rerunfailures_replay_with_a_new_user(
    pytester: pytest.Pytester, coin: Path
) -> None:
    pytest.importorskip("pytest_rerunfailures")
    pytester.makefile(".vftest.yaml", coin=(SUITE % "1.0").replace("repeat: 20\n", "").replace(
        "- text: heads", "- text: never said"
    ))  # fmt: skip
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--reruns", "2", "--vftest-json", "r.json", "-rR"
    )
    outcomes = result.parseoutcomes()
    assert (outcomes["failed"], outcomes["rerun"]) == (1, 2)
    results = json.loads((pytester.path / "r.json").read_text())
    users = [case["transcript"]["user_id"] for case in results["cases"]]
    assert len(users) == 3  # the first play and two reruns...
    assert len(set(users)) == 3  # ...each a fresh user: a rerun plays again, it does not reread


@pytest.mark.usefixtures("coin")
def test_a_pass_rate_of_zero_passes_even_when_no_play_did(pytester: pytest.Pytester) -> None:
    # This crashed (StopIteration) whenever every play failed: 1 run in 8 of the test above.
    suite = (SUITE % "0.0").replace("repeat: 20\n", "").replace("- text: heads", "- text: never")
    pytester.makefile(".vftest.yaml", coin=suite)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--vftest-repeat", "3")
    result.assert_outcomes(passed=1)
