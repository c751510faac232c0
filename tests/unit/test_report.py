"""Failure reports, compared exactly with golden files in tests/data/golden/.

`VFTEST_UPDATE_GOLDEN=1` rewrites the golden files and fails the tests that did, so a rewrite
is never mistaken for a pass (syrupy / pytest-regressions rule).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest

from vftest.matchers import match_turn, match_variables
from vftest.models import (
    Action,
    ButtonMatch,
    ButtonsMatch,
    Case,
    CaseResult,
    Exchange,
    Location,
    SequenceMode,
    Suite,
    TextMatch,
    TextOp,
    Trace,
    TraceExpectation,
    Turn,
    TurnResult,
    ValueMatch,
    VariableExpectation,
    Violation,
)
from vftest.report import render_failure, render_summary, render_verdict, render_warnings
from vftest.terminal import paint, should_color, strip_ansi

GOLDEN = Path(__file__).parent.parent / "data" / "golden"
PATH = "suites/orders.vftest.yaml"

SUITE_TEXT = """\
name: Order status
target:
  project: agents/support.vfr
cases:
  - name: order status
    turns:
      - launch:
        expect:
          - text: "Hi Ada! How can I help?"
      - text: "where is my order?"
        mode: in_order
        expect:
          - text: {similar: "Your order has shipped"}
          - choice: [Track order, Talk to an agent]
        absent:
          - text: {contains: "sorry", ignore_case: true}
        expect_variables:
          order_number: "12345"
      - text: "thanks"
        expect:
          - end: true
"""


def at(line: int) -> Location:
    return Location(PATH, line)


def label(value: str) -> ButtonMatch:
    return ButtonMatch(label=TextMatch(op=TextOp.EQUALS, value=value))


TURN1 = Turn(
    index=0,
    action=Action(kind="launch"),
    location=at(7),
    end_line=9,
    expect=(
        TraceExpectation(
            kind="text",
            trace_type="text",
            location=at(9),
            spec=TextMatch(op=TextOp.EQUALS, value="Hi Ada! How can I help?"),
        ),
    ),
)
TURN2 = Turn(
    index=1,
    action=Action(kind="text", text="where is my order?"),
    location=at(10),
    end_line=18,
    mode=SequenceMode.IN_ORDER,
    expect=(
        TraceExpectation(
            kind="text",
            trace_type="text",
            location=at(13),
            spec=TextMatch(op=TextOp.SIMILAR, value="Your order has shipped", threshold=0.85),
        ),
        TraceExpectation(
            kind="choice",
            trace_type="choice",
            location=at(14),
            spec=ButtonsMatch(buttons=(label("Track order"), label("Talk to an agent"))),
        ),
    ),
    absent=(
        TraceExpectation(
            kind="text",
            trace_type="text",
            location=at(16),
            spec=TextMatch(op=TextOp.CONTAINS, value="sorry", ignore_case=True),
        ),
    ),
    expect_variables=(
        VariableExpectation(
            name="order_number", match=ValueMatch(op="equals", value="12345"), location=at(18)
        ),
    ),
)
TURN3 = Turn(
    index=2,
    action=Action(kind="text", text="thanks"),
    location=at(19),
    end_line=21,
    expect=(TraceExpectation(kind="end", trace_type="end", location=at(21)),),
)
CASE = Case(name="order status", location=at(5), turns=(TURN1, TURN2, TURN3))
SUITE = Suite(path=PATH, name="Order status", cases=(CASE,), lines=tuple(SUITE_TEXT.splitlines()))
URL = "http://127.0.0.1:8000/state/user/vftest-order-status-3f9c1a/interact"


def text(message: str, kind: str = "text") -> Trace:
    return {"type": kind, "payload": {"message": message}}


def choice(*labels: str) -> Trace:
    return {
        "type": "choice",
        "payload": {
            "buttons": [{"name": x, "request": {"type": f"path-{i}"}} for i, x in enumerate(labels)]
        },
    }


PATH_TRACE: Trace = {"type": "path", "payload": {"path": "choice:1"}}


def exchange(traces: list[Trace]) -> Exchange:
    return Exchange(method="POST", url=URL, request_body={}, status=200, traces=traces, latency=0.1)


def played(turn: Turn, traces: list[Trace], variables: dict[str, Any], **kw: Any) -> TurnResult:
    """A turn as the runner would record it: trace expectations, then variables."""
    results = match_turn(turn, traces) + match_variables(turn, variables)
    request: dict[str, Any] = {"type": "launch"}
    if turn.action.kind == "text":
        request = {"type": "text", "payload": turn.action.text}
    return TurnResult(
        turn=turn,
        request=request,
        exchange=exchange(traces),
        expectations=results,
        variables=variables,
        **kw,
    )


LAUNCH = played(TURN1, [PATH_TRACE, text("Hi Ada! How can I help?")], {})
GOOD_TRACES = [
    text("Let me check that for you.", "speak"),
    PATH_TRACE,
    text("Your order has shipped!"),
    choice("Track order", "Talk to an agent"),
]
VARS = {"order_number": "12345"}


def case_result(turn2: TurnResult, **kw: Any) -> CaseResult:
    defaults: dict[str, Any] = {"outcome": "failed", "version": "production"}
    defaults.update(kw)
    return CaseResult(
        case=CASE,
        suite=SUITE,
        user_id="vftest-order-status-3f9c1a",
        turns=(LAUNCH, turn2),
        **defaults,
    )


def failed_text() -> CaseResult:
    traces = [
        text("Let me check that for you.", "speak"),
        PATH_TRACE,
        text("Your order is being prepared and will ship soon."),
        choice("Track order", "Talk to an agent"),
    ]
    return case_result(played(TURN2, traces, VARS))


def choice_mismatch() -> CaseResult:
    traces = [*GOOD_TRACES[:3], choice("Track order", "Cancel order", "Talk to an agent")]
    return case_result(played(TURN2, traces, VARS))


VIOLATIONS = (
    Violation(
        message="'name' is a required property",
        subject="trace #3 (choice)",
        json_path="$.payload.buttons[0]",
        keyword="required",
        schema_path="#/components/schemas/ChoiceTrace/properties/payload/properties/buttons/items",
        value='{"request": {"type": "path-0"}}',
        schema='{"required": ["name", "request"], "type": "object", ...}',
    ),
    Violation(
        message="None is not of type 'string'",
        subject="trace #2 (text)",
        json_path="$.payload.slate.content[0].children[0].text",
        keyword="type",
        schema_path="#/components/schemas/TextTrace/properties/payload",
        value="null",
        count=3,
    ),
)


def contract_violations() -> CaseResult:
    return case_result(played(TURN2, GOOD_TRACES, VARS, violations=VIOLATIONS))


def absent_violation() -> CaseResult:
    traces = [
        *GOOD_TRACES,
        text("Sorry, I didn't get that. You can order a pizza or see the menu."),
    ]
    return case_result(played(TURN2, traces, VARS))


def variables_mismatch() -> CaseResult:
    return case_result(played(TURN2, GOOD_TRACES, {"order_number": 12344}))


def infrastructure_error() -> CaseResult:
    return CaseResult(
        case=CASE,
        suite=SUITE,
        user_id="vftest-order-status-3f9c1a",
        outcome="error",
        turns=(LAUNCH,),
        error="503 from POST .../interact after 2 attempts",
        error_kind="server",
        version="production",
    )


def check_golden(name: str, text: str) -> None:
    """Compare with `tests/data/golden/<name>.txt`; rewrite it (and fail) when asked to."""
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("VFTEST_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        pytest.fail(f"golden file written: {path}; rerun without VFTEST_UPDATE_GOLDEN to check it")
    if not path.exists():
        pytest.fail(f"no golden file {path}; run with VFTEST_UPDATE_GOLDEN=1 to create it")
    assert text + "\n" == path.read_text(encoding="utf-8")


SCENARIOS = {
    "failed_text": failed_text,
    "choice_mismatch": choice_mismatch,
    "contract_violations": contract_violations,
    "absent_violation": absent_violation,
    "variables_mismatch": variables_mismatch,
    "infrastructure_error": infrastructure_error,
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_render_failure_golden(name: str) -> None:
    check_golden(name, render_failure(SCENARIOS[name]()))


def test_render_failure_color_golden() -> None:
    coloured = render_failure(failed_text(), color=True)
    check_golden("failed_text.color", coloured)
    assert "\x1b[" in coloured
    assert strip_ansi(coloured) == render_failure(failed_text(), color=False)


@pytest.mark.parametrize(
    ("name", "first_line"),
    [
        (
            "failed_text",
            'turn 2 of 3: expected text ~ "Your order has shipped" (similarity >= 0.85), '
            "closest was 0.51",
        ),
        (
            "choice_mismatch",
            'turn 2 of 3: expected choice ["Track order", "Talk to an agent"], '
            "closest was trace #3 (choice)",
        ),
        (
            "contract_violations",
            "turn 2 of 3: trace #3 (choice) violates the contract: 'name' is a required property "
            "at $.payload.buttons[0] (and 3 more failures)",
        ),
        (
            "absent_violation",
            'turn 2 of 3: expected no text contains "sorry" (ignoring case), found trace #4 (text) '
            '"Sorry, I didn\'t get that. You can order…"',
        ),
        ("variables_mismatch", 'turn 2 of 3: expected variable order_number = "12345", got 12344'),
        (
            "infrastructure_error",
            "infrastructure error (server): 503 from POST .../interact after 2 attempts "
            "— not a failure of the agent",
        ),
    ],
)
def test_first_line_is_the_verdict(name: str, first_line: str) -> None:
    result = SCENARIOS[name]()
    assert render_verdict(result) == first_line
    assert render_failure(result).splitlines()[0] == first_line


def test_reports_never_show_python_reprs() -> None:
    for make in SCENARIOS.values():
        report = render_failure(make())
        for fragment in ("<class", "object at 0x", "None", "TextMatch(", "{'"):
            assert fragment not in report.replace("None is not of type", ""), fragment


def test_infrastructure_error_during_a_turn_without_response() -> None:
    unanswered = TurnResult(
        turn=TURN2, request={"type": "text", "payload": "where?"}, exchange=None
    )
    result = CaseResult(
        case=CASE,
        suite=SUITE,
        user_id="u1",
        outcome="error",
        turns=(LAUNCH, unanswered),
        error="connection refused",
        error_kind="transport",
    )
    assert render_failure(result).splitlines()[:4] == [
        "infrastructure error (transport): connection refused — not a failure of the agent",
        f"{PATH}:10: case 'order status'",
        "",
        '  at turn 2 of 3: user> text "where?"',
    ]


def test_warnings_on_a_passed_case() -> None:
    passed = played(TURN2, GOOD_TRACES, VARS, violations=VIOLATIONS)
    result = case_result(passed, outcome="passed", contract_mode="warn")
    assert render_warnings(result) == "\n".join(
        [
            f"{PATH}:5: case 'order status': 4 contract warnings",
            "  turn 2 text \"where is my order?\": trace #3 (choice) 'name' is a required property "
            "at $.payload.buttons[0]",
            "  turn 2 text \"where is my order?\": trace #2 (text) None is not of type 'string' "
            "at $.payload.slate.content[0].children[0].text (3 violations)",
        ]
    )
    assert render_warnings(case_result(played(TURN2, GOOD_TRACES, VARS), outcome="passed")) is None
    assert render_warnings(contract_violations()) is None  # failed cases carry them in the report


def test_warn_mode_failure_marks_violations_as_warnings() -> None:
    result = case_result(
        played(
            TURN2, [*GOOD_TRACES[:2], text("Nope"), GOOD_TRACES[3]], VARS, violations=VIOLATIONS[:1]
        ),
        contract_mode="warn",
    )
    report = render_failure(result)
    assert "\n  warn contract   1 violation\n" in report
    assert "\n         trace #3 (choice): 'name' is a required property\n" in report
    # Warnings are not failures: the verdict names the one failed expectation and nothing more.
    assert report.splitlines()[0] == (
        'turn 2 of 3: expected text ~ "Your order has shipped" (similarity >= 0.85), '
        "closest was 0.23"
    )


@pytest.mark.parametrize(
    ("counts", "line"),
    [
        (
            {"passed": 11, "failed": 1, "errors": 0, "violations": 1},
            "vftest: 12 cases, 11 passed, 1 failed, 0 errors (1 contract violation)",
        ),
        ({"passed": 1}, "vftest: 1 case, 1 passed, 0 failed, 0 errors"),
        (
            {"passed": 2, "failed": 0, "error": 1, "skipped": 3, "violations": 2},
            "vftest: 6 cases, 2 passed, 0 failed, 1 error, 3 skipped (2 contract violations)",
        ),
        (
            {"cases": 4, "passed": 4, "xfailed": 1},
            "vftest: 4 cases, 4 passed, 0 failed, 0 errors, 1 xfailed",
        ),
    ],
)
def test_render_summary(counts: dict[str, int], line: str) -> None:
    assert render_summary(counts) == line


def test_golden_update_rewrites_and_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(globals(), "GOLDEN", tmp_path)
    monkeypatch.setenv("VFTEST_UPDATE_GOLDEN", "1")
    with pytest.raises(pytest.fail.Exception, match="golden file written"):
        check_golden("demo", "report text")
    assert (tmp_path / "demo.txt").read_text(encoding="utf-8") == "report text\n"
    monkeypatch.delenv("VFTEST_UPDATE_GOLDEN")
    check_golden("demo", "report text")
    with pytest.raises(AssertionError):
        check_golden("demo", "other text")
    with pytest.raises(pytest.fail.Exception, match="no golden file"):
        check_golden("missing", "x")


def test_long_turn_source_is_cut_around_the_marked_lines() -> None:
    lines = [f"line {n}" for n in range(1, 61)]
    long_turn = Turn(
        index=0,
        action=Action(kind="event", event="escalate"),
        location=at(1),
        end_line=60,
        expect=(
            TraceExpectation(
                kind="custom", trace_type="escalate", location=at(40), payload={"queue": "vip"}
            ),
        ),
    )
    case = Case(name="long", location=at(1), turns=(long_turn,))
    suite = Suite(path=PATH, name="s", cases=(case,), lines=tuple(lines))
    traces = [{"type": "escalate", "payload": {"queue": "basic"}}]
    result = CaseResult(
        case=case,
        suite=suite,
        user_id="u",
        outcome="failed",
        turns=(played(long_turn, traces, {}),),
    )
    report = render_failure(result)
    source = report[report.index("  source") : report.index("\n\n  session")]
    assert source.splitlines() == [
        f"  source {PATH}:1-60",
        "      1 | line 1",
        "      2 | line 2",
        "      3 | line 3",
        "      … |",
        "     38 | line 38",
        "     39 | line 39",
        "  >  40 | line 40",
        "     41 | line 41",
        "     42 | line 42",
    ]
    assert "  user> event escalate" in report
    assert '         $.payload.queue: expected "vip", got "basic"' in report


class FakeStream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"TERM": "dumb"}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # set but empty means "not set" (no-color.org)
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": ""}, False),
        (True, {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR wins, as in pytest
    ],
)
def test_should_color(tty: bool, env: dict[str, str], expected: bool) -> None:
    assert should_color(FakeStream(tty), env) is expected


def test_paint_only_when_asked() -> None:
    assert paint("x", "red", color=False) == "x"
    assert paint("x", "bold", "red", color=True) == "\x1b[1;31mx\x1b[0m"
    assert paint("", "red", color=True) == ""
    assert strip_ansi(paint("x", "green", color=True)) == "x"


def test_unknown_trace_types_are_warnings_even_on_a_failed_case() -> None:
    notice = Violation(
        message="'escalate' is not a trace type of the contract (declare it in custom_traces)",
        subject="trace #3 (escalate)",
        json_path="$.type",
        keyword="type",
        schema_path="",
        value='"escalate"',
    )
    turn = dataclasses.replace(played(TURN2, GOOD_TRACES, VARS), warnings=(notice,))
    assert render_warnings(case_result(turn, outcome="failed")) == "\n".join(
        [
            f"{PATH}:5: case 'order status': 1 contract warning",
            "  turn 2 text \"where is my order?\": trace #3 (escalate) 'escalate' is not a trace "
            "type of the contract (declare it in custom_traces) at $.type",
        ]
    )


def test_a_contract_hint_is_never_cut_mid_word() -> None:
    # Issue 14.10: "declare it under contract.cu…" left the user without the key to use.
    from vftest.contract import load_contract
    from vftest.contract.validate import unknown_type_violation
    from vftest.models import ApiGeneration

    contract = load_contract("dm-1.1", ApiGeneration.V1)
    violation = unknown_type_violation(contract, "Pay Credit Card", "trace #4 (Pay Credit Card)")
    passed = played(TURN2, GOOD_TRACES, VARS, warnings=(violation,))
    notes = render_warnings(case_result(passed, outcome="passed"))
    assert notes is not None
    assert notes.endswith("declare it under contract.custom_traces (CLI: --custom NAME) at $.type")


def test_one_line_cuts_between_words_when_asked() -> None:
    from vftest.textmatch import one_line

    sentence = "please declare the custom action in the suite"
    assert one_line(sentence, 30) == "please declare the custom act…"
    assert one_line(sentence, 30, words=True) == "please declare the custom…"
    assert one_line("x" * 40, 30, words=True) == "x" * 29 + "…"  # no space: a plain cut


def test_contract_gaps_are_summed_per_contract_and_named_by_type() -> None:
    from vftest.report import render_contract_gaps

    lines = render_contract_gaps(
        [("dm-1.1", {"cardV2": 2}), ("dm-1.1", {"cardV2": 1, "carousel": 1}), ("v4", {})]
    )
    assert lines == [
        "vftest: contract dm-1.1 does not cover cardV2 (3 traces), carousel (1 trace): not "
        "checked (pin a contract that does, or see docs/contract.md)"
    ]


def test_a_contract_counts_the_builtin_types_it_does_not_cover() -> None:
    from vftest.contract import load_contract

    traces = [{"type": "cardV2"}, {"type": "text"}, {"type": "cardV2"}, {"type": "my_action"}]
    assert load_contract("dm-1.1").uncovered(traces) == {"cardV2": 2}
    assert load_contract("v4").uncovered(traces) == {}
