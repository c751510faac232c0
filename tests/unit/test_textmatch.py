"""Text matchers: operators, modifiers, scorer boundaries, descriptions and word diffs."""

from __future__ import annotations

import math

import pytest

from vftest.models import TextMatch, TextOp
from vftest.textmatch import (
    SCORERS,
    describe,
    format_score,
    match_text,
    normalize,
    similarity,
    word_diff,
)


def eq(value: str, **kw: object) -> TextMatch:
    return TextMatch(op=TextOp.EQUALS, value=value, **kw)  # type: ignore[arg-type]


def contains(value: str, **kw: object) -> TextMatch:
    return TextMatch(op=TextOp.CONTAINS, value=value, **kw)  # type: ignore[arg-type]


def regex(value: str, **kw: object) -> TextMatch:
    return TextMatch(op=TextOp.REGEX, value=value, **kw)  # type: ignore[arg-type]


def similar(value: str, threshold: float = 0.85, scorer: str = "ratio", **kw: object) -> TextMatch:
    return TextMatch(op=TextOp.SIMILAR, value=value, threshold=threshold, scorer=scorer, **kw)  # type: ignore[arg-type]


def any_of(*alts: TextMatch, **kw: object) -> TextMatch:
    return TextMatch(op=TextOp.ANY_OF, alternatives=alts, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    ("matcher", "actual", "ok"),
    [
        pytest.param(eq("Hi there"), "Hi there", True, id="equals-same"),
        pytest.param(eq("Hi there"), "  Hi\n\nthere ", True, id="equals-whitespace-normalised"),
        pytest.param(eq("Hi  there"), "Hi there", True, id="equals-expected-normalised-too"),
        pytest.param(eq("Hi there"), "Hi there!", False, id="equals-punctuation-differs"),
        pytest.param(eq("Hi there"), "hi there", False, id="equals-case-sensitive"),
        pytest.param(eq("Hi there", ignore_case=True), "HI THERE", True, id="equals-ignore-case"),
        pytest.param(contains("order"), "Your order shipped", True, id="contains"),
        pytest.param(contains("Order"), "Your order shipped", False, id="contains-case"),
        pytest.param(
            contains("Order", ignore_case=True), "Your order", True, id="contains-ignore-case"
        ),
        pytest.param(contains("order number"), "your order\nnumber?", True, id="contains-ws"),
        pytest.param(regex(r"order \d+"), "Order 12 / order 123", True, id="regex-search"),
        pytest.param(regex(r"^order"), "Your order", False, id="regex-anchored"),
        pytest.param(regex(r"^your", ignore_case=True), "Your order", True, id="regex-ignore-case"),
        pytest.param(similar("Your order has shipped"), "Your order has shipped!", True, id="sim"),
        pytest.param(similar("Your order has shipped"), "Nope", False, id="sim-far"),
        pytest.param(
            similar("YOUR ORDER", ignore_case=True, threshold=1.0),
            "your order",
            True,
            id="sim-ignore-case",
        ),
        pytest.param(any_of(eq("Hi"), contains("hello")), "well hello", True, id="any-of-second"),
        pytest.param(any_of(eq("Hi"), contains("hello")), "Hey", False, id="any-of-none"),
        pytest.param(contains("sorry", negate=True), "All good", True, id="not-contains-ok"),
        pytest.param(contains("sorry", negate=True), "so sorry", False, id="not-contains-fails"),
        pytest.param(any_of(eq("a"), eq("b"), negate=True), "b", False, id="not-any-of-fails"),
    ],
)
def test_match_text_operators(matcher: TextMatch, actual: str, ok: bool) -> None:
    verdict = match_text(matcher, actual)
    assert verdict.ok is ok
    # A failure always explains itself; a success never carries noise.
    assert bool(verdict.details) is (not ok)


def test_equals_failure_is_a_minus_plus_diff() -> None:
    verdict = match_text(eq("Your order has shipped"), "Your order is late")
    assert verdict.details == ("- Your order has shipped", "+ Your order is late")
    assert verdict.score == pytest.approx(
        similarity("Your order has shipped", "Your order is late")
    )


def test_contains_failure_names_the_operator() -> None:
    verdict = match_text(contains("order number"), "What is it?")
    assert verdict.details == ('- contains "order number"', "+ What is it?")


def test_negated_failure_shows_what_matched() -> None:
    verdict = match_text(contains("sorry", negate=True), "so sorry, I\ndid not get that")
    assert not verdict.ok
    assert verdict.score is None
    assert verdict.details == ('- not contains "sorry"', "+ so sorry, I\\ndid not get that")


def test_negated_case_sensitivity() -> None:
    assert match_text(contains("sorry", negate=True), "Sorry!").ok
    verdict = match_text(contains("sorry", negate=True, ignore_case=True), "Sorry!")
    assert verdict.details == ('- not contains "sorry" (ignoring case)', "+ Sorry!")


def test_regex_is_search_with_invalid_pattern_reported() -> None:
    assert match_text(regex(r"\d{3}"), "order 123 shipped").ok
    verdict = match_text(regex(r"("), "x")
    assert not verdict.ok
    assert verdict.details[0].startswith("invalid regex /(/: ")


def test_regex_sees_raw_text_not_normalised() -> None:
    assert match_text(regex(r"a\n\nb"), "a\n\nb").ok
    assert not match_text(regex(r"a b"), "a\n\nb").ok


def test_any_of_score_is_best_alternative() -> None:
    verdict = match_text(any_of(eq("abcd"), eq("zzzz")), "abce")
    assert not verdict.ok
    assert verdict.score == pytest.approx(0.75)
    assert verdict.details == ('- any of ("abcd", "zzzz")', "+ abce")


# --------------------------------------------------------------------------- scorers


@pytest.mark.parametrize(
    ("scorer", "expected", "actual", "score"),
    [
        ("ratio", "abcd", "abce", 0.75),
        ("partial_ratio", "abcd", "xxabcexx", 0.75),
        ("token_sort_ratio", "d c b a", "a b c e", 12 / 14),
        ("token_set_ratio", "a b c d", "d c b a", 1.0),
        ("wer", "a b c d", "a b x d", 0.75),
        ("wer", "your order has shipped", "your order is shipped today", 0.5),
    ],
)
def test_similarity_known_values(scorer: str, expected: str, actual: str, score: float) -> None:
    assert similarity(expected, actual, scorer) == pytest.approx(score)


def test_similarity_edges() -> None:
    assert similarity("", "", "ratio") == 1.0
    assert similarity("", "", "wer") == 1.0
    assert similarity("", "x", "wer") == 0.0
    assert similarity("a", "a b c d e", "wer") == 0.0  # clamped: 4 insertions on 1 word
    with pytest.raises(ValueError, match="unknown scorer 'cosine'"):
        similarity("a", "b", "cosine")


BOUNDARY_CASES = {
    "ratio": ("Your order has shipped", "Your order was shipped"),
    "partial_ratio": ("order shipped", "hi, your order has shipped today"),
    "token_sort_ratio": ("shipped order your", "your order was shipped"),
    "token_set_ratio": ("your order has shipped", "your order was shipped today"),
    "wer": ("your order has shipped", "your order was shipped"),
}


@pytest.mark.parametrize("scorer", SCORERS)
def test_threshold_is_inclusive_at_the_boundary(scorer: str) -> None:
    expected, actual = BOUNDARY_CASES[scorer]
    score = similarity(expected, actual, scorer)
    assert 0.0 < score < 1.0, "pick a pair with a non-trivial score"
    at = match_text(similar(expected, threshold=score, scorer=scorer), actual)
    below = match_text(similar(expected, threshold=math.nextafter(score, 2), scorer=scorer), actual)
    above = match_text(
        similar(expected, threshold=math.nextafter(score, -1), scorer=scorer), actual
    )
    assert at.ok, "score == threshold must pass"
    assert not below.ok, "score just below the threshold must fail"
    assert above.ok, "score just above the threshold must pass"
    assert at.score == below.score == score
    assert below.details[0] == f"- {expected}"


def test_similar_respects_scorer_choice() -> None:
    # Same words, different order: ratio fails, token_sort_ratio is perfect.
    m_ratio = similar("shipped has order your", threshold=0.9)
    m_sort = similar("shipped has order your", threshold=0.9, scorer="token_sort_ratio")
    assert not match_text(m_ratio, "your order has shipped").ok
    assert match_text(m_sort, "your order has shipped").score == 1.0


# --------------------------------------------------------------------------- descriptions


@pytest.mark.parametrize(
    ("matcher", "text"),
    [
        (eq("Your order has shipped"), '"Your order has shipped"'),
        (eq("Hi", ignore_case=True), '"Hi" (ignoring case)'),
        (similar("Your order", 0.85), '~ "Your order" (similarity >= 0.85)'),
        (similar("Your order", 0.8, "token_set_ratio"), '~ "Your order" (token_set_ratio >= 0.8)'),
        (
            similar("x", 0.9, "wer", ignore_case=True),
            '~ "x" (wer >= 0.9, ignoring case)',
        ),
        (contains("x"), 'contains "x"'),
        (contains("x", negate=True), 'not contains "x"'),
        (regex(r"order \d+"), r"matches /order \d+/"),
        (any_of(eq("Hi"), contains("hello")), 'any of ("Hi", contains "hello")'),
        (eq('say "hi"\nnow'), r'"say \"hi\"\nnow"'),
    ],
)
def test_describe(matcher: TextMatch, text: str) -> None:
    assert describe(matcher) == text


def test_describe_truncates_long_values() -> None:
    text = describe(eq("word " * 100))
    assert len(text) <= 82
    assert text.endswith('…"')


# --------------------------------------------------------------------------- diffs and helpers


def test_word_diff_short_strings_have_no_emphasis() -> None:
    assert word_diff("Hi there", "Hi you") == ["- Hi there", "+ Hi you"]


def test_word_diff_long_strings_mark_changed_words() -> None:
    lines = word_diff(
        "Your order has shipped and arrives on Tuesday",
        "Your order is being prepared and arrives on Wednesday",
    )
    assert lines == [
        "- Your order has shipped and arrives on Tuesday",
        "?            ^^^ ^^^^^^^                ^^^^^^^",
        "+ Your order is being prepared and arrives on Wednesday",
        "?            ^^ ^^^^^ ^^^^^^^^                ^^^^^^^^^",
    ]


def test_word_diff_pure_insertion_marks_only_actual() -> None:
    lines = word_diff("one two three four five six", "one two three extra four five six")
    assert lines == [
        "- one two three four five six",
        "+ one two three extra four five six",
        "?               ^^^^^",
    ]


def test_word_diff_keeps_one_line_and_truncates() -> None:
    lines = word_diff("a\nb", "x" * 500)
    assert lines[0] == "- a\\nb"
    assert len(lines[1]) == 2 + 200
    assert lines[1].endswith("…")


def test_normalize_and_format_score() -> None:
    assert normalize("  a \n\t b  ") == "a b"
    assert format_score(0.6234) == "0.62"
    assert format_score(0.8499, 0.85) == "0.8499"  # never shows a failing score as 0.85
    assert format_score(0.85, 0.85) == "0.85"
