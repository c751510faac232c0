"""Expectation semantics: every matcher kind, every sequence mode, absent items, variables."""

from __future__ import annotations

import json
from itertools import pairwise, permutations
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vftest.assignment import bipartite as _bipartite
from vftest.assignment import subsequence as _subsequence
from vftest.kinds import kind_named
from vftest.kinds.payload import payload_diff
from vftest.matchers import (
    describe_expectation,
    match_trace,
    match_turn,
    match_variables,
    visible,
)
from vftest.models import (
    Action,
    ButtonMatch,
    ButtonsMatch,
    CardMatch,
    CarouselMatch,
    ExpectationResult,
    Location,
    SequenceMode,
    TextMatch,
    TextOp,
    Trace,
    TraceExpectation,
    Turn,
    ValueMatch,
    VariableExpectation,
)
from vftest.rendering import summarize_trace

TRACES = Path(__file__).parent.parent / "data" / "traces"


def trace(name: str) -> Trace:
    data: Trace = json.loads((TRACES / f"{name}.json").read_text(encoding="utf-8"))
    return data


def text_trace(message: str, kind: str = "text") -> Trace:
    return {"type": kind, "payload": {"message": message}}


def eq(value: str) -> TextMatch:
    return TextMatch(op=TextOp.EQUALS, value=value)


def contains(value: str, *, negate: bool = False) -> TextMatch:
    return TextMatch(op=TextOp.CONTAINS, value=value, negate=negate)


def similar(value: str, threshold: float = 0.85) -> TextMatch:
    return TextMatch(op=TextOp.SIMILAR, value=value, threshold=threshold)


def exp(kind: str, line: int = 10, trace_type: str | None = None, **kw: Any) -> TraceExpectation:
    # the field each built-in kind keeps its spec in, as the loader builds it
    for name in ("text", "buttons", "card", "carousel", "image"):
        if name in kw:
            kw["spec"] = kw.pop(name)
    return TraceExpectation(
        kind=kind,
        trace_type=trace_type if trace_type is not None else kind_named(kind).trace_type,
        location=Location("suite.vftest.yaml", line),
        **kw,
    )


def buttons(*labels: str, mode: str = "exact", count: int | None = None) -> ButtonsMatch:
    return ButtonsMatch(
        buttons=tuple(ButtonMatch(label=eq(label)) for label in labels),
        mode=mode,  # type: ignore[arg-type]
        count=count,
    )


def turn(
    *expect: TraceExpectation,
    mode: SequenceMode = SequenceMode.IN_ORDER,
    absent: tuple[TraceExpectation, ...] = (),
    variables: tuple[VariableExpectation, ...] = (),
) -> Turn:
    return Turn(
        index=0,
        action=Action(kind="text", text="hi"),
        location=Location("suite.vftest.yaml", 5),
        end_line=12,
        expect=expect,
        mode=mode,
        absent=absent,
        expect_variables=variables,
    )


PIZZA_CHOICE = "choice.intent-and-path-buttons.local-runtime"
GOT_PIZZA = 'buttons: got ["Order a pizza", "See the menu"]'

# --------------------------------------------------------------------------- one trace

# (expectation, trace file or literal trace, ok, exact details on failure)
TRACE_CASES: list[Any] = [
    # text / speak / completion: payload.message
    pytest.param(
        exp("text", text=eq("Welcome to Pizza Place, friend!")),
        "text.local-runtime",
        True,
        (),
        id="text-equals-pass",
    ),
    pytest.param(
        exp("text", text=eq("Welcome to Burger Place")),
        "text.local-runtime",
        False,
        ("- Welcome to Burger Place", "+ Welcome to Pizza Place, friend!"),
        id="text-equals-fail",
    ),
    pytest.param(
        exp("text", text=eq("Hello there! Select an option or ask me a question")),
        "text.docs",
        True,
        (),
        id="text-equals-across-newlines",
    ),
    pytest.param(
        exp("text", text=eq("x")),
        "speak.message.local-runtime",
        False,
        ("type speak, not text",),
        id="text-wrong-type",
    ),
    pytest.param(
        exp("speak", text=contains("like to do")),
        "speak.message.local-runtime",
        True,
        (),
        id="speak-contains-pass",
    ),
    pytest.param(
        exp("speak", text=contains("order")),
        "speak.message.local-runtime",
        False,
        ('- contains "order"', "+ What would you like to do today?"),
        id="speak-contains-fail",
    ),
    pytest.param(
        exp("completion", text=similar("Welcome to our service. How can I help?", 0.8)),
        text_trace("Welcome to our service. How can I help you today?", "completion"),
        True,
        (),
        id="completion-similar-pass",
    ),
    pytest.param(
        exp("completion", text=eq("Bye")),
        text_trace("Welcome", "completion"),
        False,
        ("- Bye", "+ Welcome"),
        id="completion-fail",
    ),
    pytest.param(
        exp("text", text=eq("x")),
        {"type": "text", "payload": {}},
        False,
        ('payload.message: expected "x", got nothing',),
        id="text-no-message",
    ),
    # choice: exact / subset / in_order, count, request
    pytest.param(
        exp("choice", buttons=buttons("Order a pizza", "See the menu")),
        PIZZA_CHOICE,
        True,
        (),
        id="choice-exact-pass",
    ),
    pytest.param(
        exp("choice", buttons=buttons("See the menu", "Order a pizza")),
        PIZZA_CHOICE,
        False,
        ('buttons: expected ["See the menu", "Order a pizza"]', GOT_PIZZA),
        id="choice-exact-order-fail",
    ),
    pytest.param(
        exp("choice", buttons=buttons("Order a pizza")),
        PIZZA_CHOICE,
        False,
        ('buttons: expected ["Order a pizza"]', GOT_PIZZA),
        id="choice-exact-count-fail",
    ),
    pytest.param(
        exp("choice", buttons=buttons("See the menu", mode="subset")),
        PIZZA_CHOICE,
        True,
        (),
        id="choice-subset-pass",
    ),
    pytest.param(
        exp("choice", buttons=buttons("See the menu", "Talk to a human", mode="subset")),
        PIZZA_CHOICE,
        False,
        ('button "Talk to a human": missing', GOT_PIZZA),
        id="choice-subset-fail",
    ),
    pytest.param(
        exp("choice", buttons=buttons("Order a pizza", "See the menu", mode="in_order")),
        PIZZA_CHOICE,
        True,
        (),
        id="choice-in-order-pass",
    ),
    pytest.param(
        exp("choice", buttons=buttons("See the menu", "Order a pizza", mode="in_order")),
        PIZZA_CHOICE,
        False,
        ('button "Order a pizza": missing or out of order', GOT_PIZZA),
        id="choice-in-order-fail",
    ),
    pytest.param(
        exp("choice", buttons=ButtonsMatch(count=2)),
        PIZZA_CHOICE,
        True,
        (),
        id="choice-count-pass",
    ),
    pytest.param(
        exp("choice", buttons=ButtonsMatch(count=3)),
        PIZZA_CHOICE,
        False,
        ("buttons: expected 3, got 2",),
        id="choice-count-fail",
    ),
    pytest.param(
        exp(
            "choice",
            buttons=ButtonsMatch(
                buttons=(
                    ButtonMatch(
                        label=eq("Order a pizza"),
                        request={"type": "intent", "payload": {"intent": {"name": "order_pizza"}}},
                    ),
                ),
                mode="subset",
            ),
        ),
        PIZZA_CHOICE,
        True,
        (),
        id="choice-request-pass",
    ),
    pytest.param(
        exp(
            "choice",
            buttons=ButtonsMatch(
                buttons=(ButtonMatch(label=eq("See the menu"), request={"type": "path-x"}),),
                mode="subset",
            ),
        ),
        PIZZA_CHOICE,
        False,
        (
            'button "See the menu" sending {"type": "path-x"}: missing',
            '  buttons[1]: $.request.type: expected "path-x", got "path-menu1"',
            GOT_PIZZA,
        ),
        id="choice-request-fail",
    ),
    # card (cardV2)
    pytest.param(
        exp(
            "card",
            card=CardMatch(
                title=eq("Your order"),
                description=contains("large"),
                image=contains("pizza.png"),
                buttons=buttons("Track order"),
            ),
        ),
        "cardV2.local-runtime",
        True,
        (),
        id="card-pass",
    ),
    pytest.param(
        exp("card", card=CardMatch(title=eq("Order 12345"), description=contains("small"))),
        "cardV2.local-runtime",
        False,
        (
            'title: expected "Order 12345", got "Your order"',
            'description: expected contains "small", got "Size: large"',
        ),
        id="card-fail",
    ),
    pytest.param(
        exp("card", card=CardMatch(buttons=buttons("Cancel"))),
        "cardV2.local-runtime",
        False,
        ('buttons: expected ["Cancel"]', 'buttons: got ["Track order"]'),
        id="card-buttons-fail",
    ),
    # carousel
    pytest.param(
        exp(
            "carousel",
            carousel=CarouselMatch(
                layout="Carousel",
                count=2,
                cards=(CardMatch(title=eq("Margherita")), CardMatch(title=contains("Pepper"))),
            ),
        ),
        "carousel.local-runtime",
        True,
        (),
        id="carousel-pass",
    ),
    pytest.param(
        exp(
            "carousel",
            carousel=CarouselMatch(
                layout="List",
                count=3,
                cards=(
                    CardMatch(title=eq("Margherita")),
                    CardMatch(title=eq("Hawaii")),
                    CardMatch(title=eq("Diavola")),
                ),
            ),
        ),
        "carousel.local-runtime",
        False,
        (
            'layout: expected "List", got "Carousel"',
            "cards: expected 3, got 2",
            'cards[1].title: expected "Hawaii", got "Pepperoni"',
            "cards[2]: missing (got 2 cards)",
        ),
        id="carousel-fail",
    ),
    # visual
    pytest.param(
        exp("visual", image=contains("oven")),
        "visual.image.local-runtime",
        True,
        (),
        id="visual-pass",
    ),
    pytest.param(
        exp("visual", image=contains("pizza")),
        "visual.image.local-runtime",
        False,
        ('image: expected contains "pizza", got "https://example.com/oven.gif"',),
        id="visual-fail",
    ),
    # end
    pytest.param(exp("end"), "end.end-step.local-runtime", True, (), id="end-pass"),
    pytest.param(exp("end"), "end.flow-finished-no-payload.local-runtime", True, (), id="end-bare"),
    pytest.param(exp("end"), "text.local-runtime", False, ("type text, not end",), id="end-fail"),
    # no_reply (timeout is a partial payload)
    pytest.param(exp("no_reply", payload={"timeout": 10}), "no-reply.docs", True, (), id="nr-pass"),
    pytest.param(
        exp("no_reply", payload={"timeout": 5}),
        "no-reply.docs",
        False,
        ("$.payload.timeout: expected 5, got 10",),
        id="no-reply-fail",
    ),
    # custom actions
    pytest.param(
        exp("custom", trace_type="Pay Credit Card", payload={"currency": "USD"}),
        "custom-action.Pay-Credit-Card.local-runtime",
        True,
        (),
        id="custom-pass",
    ),
    pytest.param(
        exp("custom", trace_type="Pay Credit Card", payload={"currency": "EUR", "card": "visa"}),
        "custom-action.Pay-Credit-Card.local-runtime",
        False,
        (
            '$.payload.card: expected "visa", got nothing',
            '$.payload.currency: expected "EUR", got "USD"',
        ),
        id="custom-payload-fail",
    ),
    pytest.param(
        exp("custom", trace_type="escalate"),
        "custom-action.Pay-Credit-Card.local-runtime",
        False,
        ("type Pay Credit Card, not escalate",),
        id="custom-name-fail",
    ),
    pytest.param(
        exp("custom", trace_type="calendar", payload={"today": 1700096546693}),
        "custom-action.text-body.docs",
        False,
        (
            '$.payload: expected {"today": 1700096546693}, '
            'got "{\\n  \\"today\\": 1700096546693\\n}"',
        ),
        id="custom-text-body-fail",
    ),
    # trace: any type, or a given type, plus payload
    pytest.param(
        exp("trace", trace_type=None, payload={"visualType": "image"}),
        "visual.image.docs",
        True,
        (),
        id="trace-any-type-pass",
    ),
    pytest.param(
        exp("trace", trace_type="path", payload={"path": "choice:1"}),
        "path.choice.local-runtime",
        True,
        (),
        id="trace-typed-pass",
    ),
    pytest.param(
        exp("trace", trace_type=None, payload={"dimensions": {"width": 800}}),
        "visual.image.local-runtime",
        False,
        ("$.payload.dimensions.width: expected 800, got 400",),
        id="trace-payload-fail",
    ),
    # payload: on any kind, subset semantics, numbers compared by value
    pytest.param(
        exp("text", text=contains("Pizza"), payload={"delay": 1000.0}),
        "text.local-runtime",
        True,
        (),
        id="payload-on-text-pass",
    ),
    pytest.param(
        exp("text", payload={"slate": {"content": [{"children": [{"text": "Hi"}]}]}}),
        "text.local-runtime",
        False,
        (
            '$.payload.slate.content[0].children[0].text: expected "Hi", '
            'got "Welcome to Pizza Place, friend!"',
        ),
        id="payload-nested-fail",
    ),
]


@pytest.mark.parametrize(("expectation", "subject", "ok", "details"), TRACE_CASES)
def test_match_trace(
    expectation: TraceExpectation, subject: str | Trace, ok: bool, details: tuple[str, ...]
) -> None:
    verdict = match_trace(expectation, trace(subject) if isinstance(subject, str) else subject)
    assert verdict.ok is ok
    assert verdict.details == details
    assert (verdict.score == 1.0) is ok


def test_wrong_type_scores_zero_and_right_type_ranks_higher() -> None:
    wrong = match_trace(exp("text", text=eq("Hello")), text_trace("Hello", "speak"))
    near = match_trace(exp("text", text=eq("Hello")), text_trace("Help"))
    assert (wrong.type_ok, wrong.score) == (False, 0.0)
    assert near.type_ok
    assert 0.0 < near.score < 1.0


# --------------------------------------------------------------------------- sequence modes


A, B, C = text_trace("A"), text_trace("B"), text_trace("C")
PATH = {"type": "path", "payload": {"path": "choice:1"}}


def t_eq(value: str, line: int = 10) -> TraceExpectation:
    return exp("text", line=line, text=eq(value))


def summary(results: tuple[ExpectationResult, ...]) -> list[tuple[str, bool, int | None]]:
    return [(r.where, r.ok, r.trace_index) for r in results]


@pytest.mark.parametrize(
    ("mode", "expect", "traces", "verdicts"),
    [
        # in_order: a subsequence; other traces may sit between
        pytest.param(
            SequenceMode.IN_ORDER,
            (t_eq("A"), t_eq("C")),
            [A, B, C],
            [("expect[0]", True, 0), ("expect[1]", True, 2)],
            id="in-order-gap",
        ),
        pytest.param(
            SequenceMode.IN_ORDER,
            (t_eq("C"), t_eq("A")),
            [A, B, C],
            [("expect[0]", True, 2), ("expect[1]", False, 0)],
            id="in-order-reversed",
        ),
        pytest.param(
            SequenceMode.IN_ORDER,
            (exp("text", text=contains("order")), t_eq("order 2")),
            [text_trace("order 1"), text_trace("order 2")],
            [("expect[0]", True, 0), ("expect[1]", True, 1)],
            id="in-order-no-stealing",
        ),
        pytest.param(
            SequenceMode.IN_ORDER,
            (t_eq("A"), t_eq("B")),
            [A, PATH, B],
            [("expect[0]", True, 0), ("expect[1]", True, 2)],
            id="in-order-hidden-keeps-indexes",
        ),
        # exact: visible traces one to one, in order
        pytest.param(
            SequenceMode.EXACT,
            (t_eq("A"), t_eq("B")),
            [PATH, A, PATH, B],
            [("expect[0]", True, 1), ("expect[1]", True, 3)],
            id="exact-pass-ignoring-hidden",
        ),
        pytest.param(
            SequenceMode.EXACT,
            (t_eq("A"), t_eq("C")),
            [A, B, C],
            [("expect[0]", True, 0), ("expect[1]", True, 2), ("expect", False, 1)],
            id="exact-extra",
        ),
        pytest.param(
            SequenceMode.EXACT,
            (t_eq("A"), t_eq("B")),
            [A],
            [("expect[0]", True, 0), ("expect[1]", False, 0)],
            id="exact-missing",
        ),
        # unordered: distinct traces in any order (bipartite, not greedy)
        pytest.param(
            SequenceMode.UNORDERED,
            (t_eq("C"), t_eq("A")),
            [A, B, C],
            [("expect[0]", True, 2), ("expect[1]", True, 0)],
            id="unordered-pass",
        ),
        pytest.param(
            SequenceMode.UNORDERED,
            (exp("text", text=contains("a")), t_eq("ab")),
            [text_trace("ab"), text_trace("a")],
            [("expect[0]", True, 1), ("expect[1]", True, 0)],
            id="unordered-greedy-trap",
        ),
        pytest.param(
            SequenceMode.UNORDERED,
            (t_eq("A"), t_eq("A")),
            [A, B],
            [("expect[0]", True, 0), ("expect[1]", False, 0)],
            id="unordered-distinct",
        ),
    ],
)
def test_sequence_modes(
    mode: SequenceMode,
    expect: tuple[TraceExpectation, ...],
    traces: list[Trace],
    verdicts: list[tuple[str, bool, int | None]],
) -> None:
    assert summary(match_turn(turn(*expect, mode=mode), traces)) == verdicts


def test_in_order_failure_explains_the_order() -> None:
    results = match_turn(turn(t_eq("C"), t_eq("A")), [A, B, C])
    assert results[1].details == (
        "trace #0 (text) matches, but out of order (it must come after trace #2, matched by "
        "expect[0])",
    )
    assert results[1].summary == "trace #0 (text) matches but out of order"


def test_in_order_failure_before_a_later_match() -> None:
    results = match_turn(turn(t_eq("A"), t_eq("B")), [B, A])
    assert summary(results) == [("expect[0]", True, 1), ("expect[1]", False, 0)]
    assert results[1].details == (
        "trace #0 (text) matches, but out of order (it must come after trace #1, matched by "
        "expect[0])",
    )


def test_exact_extra_names_the_trace() -> None:
    results = match_turn(turn(t_eq("A"), t_eq("C"), mode=SequenceMode.EXACT), [A, B, C])
    extra = results[-1]
    assert extra.label == "no other visible traces (mode exact)"
    assert extra.details == ('extra: trace #1 (text) "B"',)
    assert extra.summary == 'got trace #1 (text) "B"'
    assert extra.line == 5


def test_exact_missing_shows_closest() -> None:
    results = match_turn(turn(t_eq("A"), t_eq("B"), mode=SequenceMode.EXACT), [A])
    assert results[1].details == ("closest: trace #0 (text)", "- B", "+ A")


def test_unordered_duplicate_explains_who_took_it() -> None:
    results = match_turn(turn(t_eq("A"), t_eq("A"), mode=SequenceMode.UNORDERED), [A, B])
    assert results[1].details == ("trace #0 (text) matches, but expect[0] already matched it",)


def test_failed_similar_shows_closest_score_and_diff() -> None:
    traces = [
        text_trace("Let me check that for you.", "speak"),
        text_trace("Your order is being prepared and will ship soon."),
        text_trace("Anything else?"),
    ]
    results = match_turn(turn(exp("text", line=14, text=similar("Your order has shipped"))), traces)
    (result,) = results
    assert not result.ok
    assert result.label == 'text ~ "Your order has shipped" (similarity >= 0.85)'
    assert result.where == "expect[0]"
    assert result.line == 14
    assert result.trace_index == 1
    assert result.details == (
        "closest: trace #1 (text), similarity 0.51",
        "- Your order has shipped",
        "?            ^^^ ^^^^^^^",
        "+ Your order is being prepared and will ship soon.",
        "?            ^^ ^^^^^ ^^^^^^^^ ^^^ ^^^^ ^^^^ ^^^^^",
    )
    assert result.summary == "closest was 0.51"


def test_failed_equals_summary_quotes_the_closest_message() -> None:
    (result,) = match_turn(turn(t_eq("Hello")), [text_trace("Help"), text_trace("Bye")])
    assert result.summary == 'closest was trace #0 "Help"'
    assert result.details == ("closest: trace #0 (text)", "- Hello", "+ Help")


def test_no_trace_of_the_type() -> None:
    expectation = exp("choice", buttons=buttons("Yes"))
    (result,) = match_turn(turn(expectation), [A, text_trace("hi", "speak"), PATH])
    assert result.details == ("no choice trace among 2 visible traces (speak, text)",)
    assert result.summary == "no choice trace received"
    assert result.trace_index is None


def test_no_visible_traces() -> None:
    (result,) = match_turn(turn(t_eq("A")), [PATH])
    assert result.details == ("no visible traces received",)


def test_choice_failure_reports_closest_choice() -> None:
    expectation = exp("choice", buttons=buttons("Order status", "FAQ"))
    (result,) = match_turn(turn(expectation), [A, trace(PIZZA_CHOICE)])
    assert result.label == 'choice ["Order status", "FAQ"]'
    assert result.details == (
        "closest: trace #1 (choice)",
        'buttons: expected ["Order status", "FAQ"]',
        GOT_PIZZA,
    )
    assert result.summary == "closest was trace #1 (choice)"


# --------------------------------------------------------------------------- absent


def test_absent_passes_when_nothing_matches() -> None:
    results = match_turn(turn(absent=(exp("text", text=contains("sorry")),)), [A, B])
    assert summary(results) == [("absent[0]", True, None)]
    assert results[0].label == 'no text contains "sorry"'


def test_absent_fails_and_names_the_trace() -> None:
    sorry = trace("text.no-match-reprompt.local-runtime")
    absent = (
        exp("text", line=20, text=TextMatch(op=TextOp.CONTAINS, value="sorry", ignore_case=True)),
    )
    results = match_turn(turn(t_eq("A"), absent=absent), [A, PATH, sorry])
    assert summary(results) == [("expect[0]", True, 0), ("absent[0]", False, 2)]
    assert results[1].details == (
        'found: trace #2 (text) "Sorry, I didn\'t get that. You can order a pizza or see the …"',
    )
    assert results[1].summary == 'found trace #2 (text) "Sorry, I didn\'t get that. You can order…"'
    assert results[1].line == 20


def test_absent_ignores_hidden_traces() -> None:
    results = match_turn(turn(absent=(exp("trace", trace_type="path"),)), [PATH])
    assert results[0].ok


def test_end_false_is_absent_end() -> None:
    no_end = exp("end", present=False)
    ok = match_turn(turn(t_eq("A"), no_end), [A])
    assert summary(ok) == [("expect[0]", True, 0), ("expect[1]", True, None)]
    assert ok[1].label == "no end"
    failed = match_turn(turn(t_eq("A"), no_end), [A, trace("end.chat.docs")])
    assert summary(failed) == [("expect[0]", True, 0), ("expect[1]", False, 1)]
    assert failed[1].details == ("found: trace #1 (end)",)


def test_end_true_required() -> None:
    (result,) = match_turn(turn(exp("end")), [A])
    assert result.details == ("no end trace among 1 visible trace (text)",)


# --------------------------------------------------------------------------- labels and summaries


@pytest.mark.parametrize(
    ("expectation", "label"),
    [
        (exp("text", text=eq("Hi")), 'text "Hi"'),
        (exp("speak", text=contains("x")), 'speak contains "x"'),
        (exp("completion", text=similar("x")), 'completion ~ "x" (similarity >= 0.85)'),
        (exp("choice", buttons=buttons("A", "B")), 'choice ["A", "B"]'),
        (exp("choice", buttons=buttons("A", mode="subset")), 'choice including ["A"]'),
        (
            exp("choice", buttons=buttons("A", "B", mode="in_order")),
            'choice with ["A", "B"] in order',
        ),
        (exp("choice", buttons=ButtonsMatch(count=3)), "choice (3 buttons)"),
        (
            exp("card", card=CardMatch(title=eq("T"), image=contains("png"))),
            'card title "T", image contains "png"',
        ),
        (
            exp(
                "carousel",
                carousel=CarouselMatch(layout="List", count=2, cards=(CardMatch(title=eq("A")),)),
            ),
            'carousel layout "List", 2 cards, cards [title "A"]',
        ),
        (exp("visual", image=contains("oven")), 'visual image contains "oven"'),
        (exp("end"), "end"),
        (exp("no_reply", payload={"timeout": 5}), 'no-reply payload {"timeout": 5}'),
        (exp("custom", trace_type="escalate"), 'custom "escalate"'),
        (exp("trace", trace_type=None), "any trace"),
        (exp("trace", trace_type="log", payload={"a": 1}), 'trace type log payload {"a": 1}'),
    ],
)
def test_describe_expectation(expectation: TraceExpectation, label: str) -> None:
    assert describe_expectation(expectation) == label


def test_summarize_trace_never_shows_python_reprs() -> None:
    assert summarize_trace(trace(PIZZA_CHOICE)) == '["Order a pizza", "See the menu"]'
    assert summarize_trace(trace("cardV2.local-runtime")) == '"Your order"'
    assert (
        summarize_trace(trace("carousel.local-runtime")) == '2 cards: ["Margherita", "Pepperoni"]'
    )
    assert summarize_trace(trace("end.chat.docs")) == ""
    assert summarize_trace(trace("no-reply.docs")) == "timeout 10"
    assert summarize_trace(trace("custom-action.Pay-Credit-Card.local-runtime")) == (
        '{"amount": "large", "currency": "USD"}'
    )
    assert (
        summarize_trace({"type": "x", "payload": {"n": None, "t": True}})
        == '{"n": null, "t": true}'
    )


def test_visible_keeps_original_indexes() -> None:
    assert visible([PATH, A, PATH, B], ("path",)) == [(1, A), (3, B)]


def test_payload_diff_subset_semantics() -> None:
    actual = {"a": 1, "b": [1, 2, 3], "c": {"x": 1, "y": 2}}
    assert payload_diff({"a": 1, "b": [1, 2], "c": {"x": 1}}, actual) == []
    assert payload_diff({"b": [1, 5]}, actual) == ["$.payload.b[1]: expected 5, got 2"]
    assert payload_diff({"c": {"z": 1}}, actual) == ["$.payload.c.z: expected 1, got nothing"]
    assert payload_diff({"a": "1"}, actual) == ['$.payload.a: expected "1", got 1']
    assert payload_diff({"weird key": 1}, {}) == ['$.payload["weird key"]: expected 1, got nothing']
    assert payload_diff({"a": 1}, None) == ['$.payload: expected {"a": 1}, got null']


# --------------------------------------------------------------------------- variables


def var(name: str, match: ValueMatch, line: int = 30) -> VariableExpectation:
    return VariableExpectation(name=name, match=match, location=Location("s.yaml", line))


VARIABLES = {
    "order": "12345",
    "count": 3,
    "cart": {"items": [{"sku": "A", "qty": 1}]},
    "empty": None,
}


@pytest.mark.parametrize(
    ("expectation", "ok", "label", "details"),
    [
        (var("order", ValueMatch(op="equals", value="12345")), True, 'order = "12345"', ()),
        (
            var("order", ValueMatch(op="equals", value="12346")),
            False,
            'order = "12346"',
            ('expected "12346", got "12345"',),
        ),
        (var("count", ValueMatch(op="equals", value=3.0)), True, "count = 3.0", ()),
        (
            var("count", ValueMatch(op="equals", value="3")),
            False,
            'count = "3"',
            ('expected "3", got 3',),
        ),
        (
            var("cart", ValueMatch(op="equals", value={"items": [{"sku": "B", "qty": 1}]})),
            False,
            'cart = {"items": [{"sku": "B", "qty": 1}]}',
            ('$.items[0].sku: expected "B", got "A"',),
        ),
        (
            var("cart", ValueMatch(op="equals", value={"items": []})),
            False,
            'cart = {"items": []}',
            ('$.items[0]: expected nothing, got {"sku": "A", "qty": 1}',),
        ),
        (var("order", ValueMatch(op="equals", value="1", negate=True)), True, 'order != "1"', ()),
        (
            var("order", ValueMatch(op="equals", value="12345", negate=True)),
            False,
            'order != "12345"',
            ('got "12345"',),
        ),
        (var("order", ValueMatch(op="present", value=True)), True, "order is set", ()),
        (
            var("empty", ValueMatch(op="present", value=True)),
            False,
            "empty is set",
            ("got null",),
        ),
        (var("missing", ValueMatch(op="present", value=False)), True, "missing is not set", ()),
        (
            var("order", ValueMatch(op="present", value=True, negate=True)),
            False,
            "order is not set",
            ('got "12345"',),
        ),
        (
            var("missing", ValueMatch(op="present", value=True, negate=True)),
            True,
            "missing is not set",
            (),
        ),
        (
            var("order", ValueMatch(op="present", value=False)),
            False,
            "order is not set",
            ('got "12345"',),
        ),
        (
            var("count", ValueMatch(op="text", text=TextMatch(op=TextOp.REGEX, value=r"^\d$"))),
            True,
            r"count matches /^\d$/",
            (),
        ),
        (
            var("order", ValueMatch(op="text", text=contains("99"))),
            False,
            'order contains "99"',
            ('- contains "99"', "+ 12345"),
        ),
        (
            var("missing", ValueMatch(op="equals", value=1)),
            False,
            "missing = 1",
            ("not set",),
        ),
    ],
)
def test_match_variables(
    expectation: VariableExpectation, ok: bool, label: str, details: tuple[str, ...]
) -> None:
    (result,) = match_variables(turn(variables=(expectation,)), VARIABLES)
    assert (result.ok, result.label, result.details) == (ok, label, details)
    assert result.where == f"variables.{expectation.name}"
    assert result.line == 30


# --------------------------------------------------------------------------- assignment algorithms

matrices = st.integers(0, 5).flatmap(
    lambda n: st.integers(0, 6).flatmap(
        lambda m: st.lists(st.lists(st.booleans(), min_size=m, max_size=m), min_size=n, max_size=n)
    )
)


def best_by_brute_force(ok: list[list[bool]], ordered: bool) -> int:
    """Largest number of expectations placeable on distinct (and, if ordered, increasing) traces."""
    n = len(ok)
    m = len(ok[0]) if ok else 0
    best = 0
    slots: list[int | None] = [*range(m), *([None] * n)]
    for choice in set(permutations(slots, n)):
        picked = [(i, j) for i, j in enumerate(choice) if j is not None]
        if not all(ok[i][j] for i, j in picked):
            continue
        if ordered and any(a[1] >= b[1] for a, b in pairwise(picked)):
            continue
        best = max(best, len(picked))
    return best


@given(matrices)
def test_subsequence_is_maximal_and_valid(ok: list[list[bool]]) -> None:
    assignment = _subsequence(ok)
    picked = [(i, j) for i, j in enumerate(assignment) if j is not None]
    assert all(ok[i][j] for i, j in picked)
    assert all(a[1] < b[1] for a, b in pairwise(picked))
    assert len(picked) == best_by_brute_force(ok, ordered=True)


@given(matrices)
def test_bipartite_is_maximal_and_distinct(ok: list[list[bool]]) -> None:
    assignment = _bipartite(ok)
    picked = [(i, j) for i, j in enumerate(assignment) if j is not None]
    assert all(ok[i][j] for i, j in picked)
    assert len({j for _, j in picked}) == len(picked)
    assert len(picked) == best_by_brute_force(ok, ordered=False)


def test_mode_any_lets_several_items_match_one_trace() -> None:
    both = (exp("text", text=contains("Hey")), exp("text", text=contains("Isla")))
    traces = [text_trace("Hey there, I am Isla."), {"type": "end"}]
    assert all(r.ok for r in match_turn(turn(*both, mode=SequenceMode.ANY), traces))
    unordered = match_turn(turn(*both, mode=SequenceMode.UNORDERED), traces)
    assert [r.ok for r in unordered] == [True, False]  # one trace, two items: not unordered
    missing = match_turn(turn(exp("text", text=contains("Bye")), mode=SequenceMode.ANY), traces)
    assert not missing[0].ok
