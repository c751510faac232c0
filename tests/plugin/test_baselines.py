"""Regression baselines end to end: record, catch drift at its turn, update, under xdist too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]

SUITE = """\
name: orders
target: {project: agents/support.vfr}
variables: {user_name: Ada}
baseline: %s
cases:
  - name: order by button
    turns:
      - launch:
      - button: Order status
      - text: "12345"
  - name: faq
    turns:
      - launch:
      - button: FAQ
"""


@pytest.fixture
def suites(pytester: pytest.Pytester) -> Path:
    folder = pytester.mkdir("suites")
    (folder / "agents").mkdir()
    shutil.copy(ROOT / "suites" / "agents" / "support.vfr", folder / "agents" / "support.vfr")
    (folder / "orders.vftest.yaml").write_text(SUITE % "true")
    return folder


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def change_agent(suites: Path, *replacements: tuple[str, str]) -> None:
    agent = suites / "agents" / "support.vfr"
    text = agent.read_text()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    agent.write_text(text)


def test_a_case_without_a_baseline_fails_with_the_command_that_records_it(
    pytester: pytest.Pytester, suites: Path
) -> None:
    result = run(pytester, "suites")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "no baseline recorded for this case in suites/__baselines__/orders.development.yaml",
            "suites/orders.vftest.yaml:*: case *",
            "",
            '  record it: pytest "suites/orders.vftest.yaml::faq" --vftest-update-baselines',
        ]
    )


def test_record_then_an_unchanged_agent_stays_green(
    pytester: pytest.Pytester, suites: Path
) -> None:
    first = run(pytester, "suites", "--vftest-update-baselines")
    first.assert_outcomes(passed=2)
    first.stdout.fnmatch_lines(["vftest baselines: 2 written, 0 updated, 0 removed, 0 unchanged"])
    recorded = yaml.safe_load((suites / "__baselines__" / "orders.development.yaml").read_text())
    turns = recorded["cases"]["order by button"]
    assert turns[1]["agent"] == [{"text": "What is your order number?"}]
    assert turns[2]["agent"][1]["card"]["title"] == "Order 12345"
    assert "vftest-" not in str(recorded)  # no user id
    run(pytester, "suites").assert_outcomes(passed=2)


def test_each_change_of_the_agent_is_reported_at_its_turn(
    pytester: pytest.Pytester, suites: Path
) -> None:
    run(pytester, "suites", "--vftest-update-baselines").assert_outcomes(passed=2)
    change_agent(
        suites,
        ("What is your order number?", "Please type the number of your order."),
        ('"name": "FAQ"', '"name": "Questions"'),
        ("Order {order_number}", "Parcel {order_number}"),
    )
    result = run(pytester, "suites", "-k", "button")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            'turn 1 of 3: baseline differs: button "FAQ" removed (and 4 more differences)',
            "  turn 1 launch:",
            '    button "FAQ" removed',
            '    button "Questions" added',
            '  turn 2 intent "order_status":',
            "    text changed, similarity 0.44",
            "         - What is your order number?",
            "*",
            "         + Please type the number of your order.",
            "*",
            '  turn 3 text "12345":',
            "    text changed, similarity 0.93",
            "         - Order 12345 is shipped. Estimated delivery: Tuesday.",
            "*",
            "         + Parcel 12345 is shipped. Estimated delivery: Tuesday.",
            "*",
            '    card title changed: "Order 12345" -> "Parcel 12345"',
            '  update: pytest "suites/orders.vftest.yaml::order by button" --vftest-update-*',
        ]
    )


def test_a_paraphrase_within_the_tolerance_stays_green_and_one_beyond_fails(
    pytester: pytest.Pytester, suites: Path
) -> None:
    (suites / "orders.vftest.yaml").write_text(SUITE % "{threshold: 0.8}")
    run(pytester, "suites", "--vftest-update-baselines").assert_outcomes(passed=2)
    change_agent(suites, ("What is your order number?", "What is your order number, please?"))
    run(pytester, "suites", "-k", "button").assert_outcomes(passed=1)
    change_agent(suites, ("What is your order number, please?", "Which parcel do you mean?"))
    result = run(pytester, "suites", "-k", "button")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*text changed, similarity 0.* < 0.80"])


def test_masked_values_are_recorded_blank_and_ignored(
    pytester: pytest.Pytester, suites: Path
) -> None:
    (suites / "orders.vftest.yaml").write_text(
        SUITE % "{mask: [{path: '$.agent[*].card.title', regex: '\\d+', replace: N}]}"
    )
    run(pytester, "suites", "--vftest-update-baselines").assert_outcomes(passed=2)
    text = (suites / "__baselines__" / "orders.development.yaml").read_text()
    assert "title: Order N" in text
    assert "Order 12345" in text  # the text trace is not masked, only the card title
    change_agent(suites, ("Order {order_number}", "Order #{order_number}"))
    result = run(pytester, "suites", "-k", "button")
    result.assert_outcomes(failed=1)  # "Order #N" is not "Order N": the mask keeps the rest
    change_agent(suites, ("Order #{order_number}", "Order {order_number}"))
    run(pytester, "suites", "-k", "button").assert_outcomes(passed=1)


def test_update_under_xdist_writes_once_removes_stale_entries_and_keeps_unselected(
    pytester: pytest.Pytester, suites: Path
) -> None:
    run(pytester, "suites", "-n", "2", "--vftest-update-baselines").assert_outcomes(passed=2)
    path = suites / "__baselines__" / "orders.development.yaml"
    data = yaml.safe_load(path.read_text())
    data["cases"]["a case that was deleted"] = [{"user": "launch", "agent": []}]
    data["cases"]["faq"][0]["agent"][0] = {"text": "an outdated greeting"}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    # -k: only "order by button" runs; "faq" keeps its (outdated) entry, the stale one goes.
    result = run(pytester, "suites", "-n", "2", "-k", "button", "--vftest-update-baselines")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["vftest baselines: 0 written, 0 updated, 1 removed, 1 unchanged"])
    data = yaml.safe_load(path.read_text())
    assert list(data["cases"]) == ["order by button", "faq"]
    assert data["cases"]["faq"][0]["agent"][0] == {"text": "an outdated greeting"}
    result = run(pytester, "suites", "-n", "2", "--vftest-update-baselines")
    result.stdout.fnmatch_lines(["vftest baselines: 0 written, 1 updated, 0 removed, 1 unchanged"])
    assert not list(path.parent.glob(".*.tmp"))  # atomic writes leave nothing behind
    run(pytester, "suites", "-n", "2").assert_outcomes(passed=2)


def test_the_run_flag_puts_every_case_under_a_baseline_unless_it_opts_out(
    pytester: pytest.Pytester, suites: Path
) -> None:
    (suites / "orders.vftest.yaml").write_text(
        (SUITE % "false")
        .replace("baseline: false\n", "")
        .replace("  - name: faq\n", "  - name: faq\n    baseline: false\n")
    )
    run(pytester, "suites").assert_outcomes(passed=2)  # no baseline asked for
    result = run(pytester, "suites", "--vftest-baseline")
    result.assert_outcomes(passed=1, failed=1)  # faq opted out; the other has none yet
