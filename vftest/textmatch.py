"""Text matchers: equals, contains, regex, fuzzy similarity, meaning, any_of and negation.

Pure functions over `TextMatch`; also the -/+ word diff and the one-line descriptions that
failure reports are built from. `semantic` needs scores from an embedding model, which the
caller computes beforehand (vftest.semantic) and provides through `semantic_scores`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from vftest.models import TextMatch, TextOp

__all__ = [
    "SCORERS",
    "TextVerdict",
    "describe",
    "format_score",
    "match_text",
    "normalize",
    "one_line",
    "quote",
    "semantic_scores",
    "similarity",
    "word_diff",
]

# (expected, actual) -> cosine similarity; set by vftest.semantic around one turn's matching
SemanticScorer = Callable[[str, str], float]
_semantic: ContextVar[SemanticScorer | None] = ContextVar("vftest_semantic", default=None)


@contextmanager
def semantic_scores(scorer: SemanticScorer) -> Iterator[None]:
    """Within the block, `semantic` matchers score with `scorer`."""
    token = _semantic.set(scorer)
    try:
        yield
    finally:
        _semantic.reset(token)


SCORERS: tuple[str, ...] = ("ratio", "partial_ratio", "token_sort_ratio", "token_set_ratio", "wer")

MAX_QUOTE = 80  # characters of a quoted value in one-line descriptions
MAX_DIFF_LINE = 200  # characters of one -/+ line
_EMPHASIS_MIN_WORDS = 6  # below this, two short lines are easy to compare by eye


@dataclass(frozen=True, slots=True)
class TextVerdict:
    """The outcome of one text matcher on one text.

    `score` is a 0..1 closeness where one makes sense (the scorer's value for `similar`, a ratio
    for `equals`, a partial ratio for `contains`, the best alternative for `any_of`); None for
    `regex` and negated matchers. `details` are -/+ lines explaining a failure (empty on success).
    """

    ok: bool
    score: float | None
    details: tuple[str, ...] = ()


def normalize(text: str) -> str:
    """Collapse runs of whitespace (newlines included) into single spaces and strip the ends."""
    return " ".join(text.split())


def one_line(text: str, limit: int = MAX_DIFF_LINE, *, words: bool = False) -> str:
    """Show `text` on one line: escape newlines and tabs, cut to `limit` characters with `…`.

    With `words`, a cut falls between words (when one ends in the last fifth of the line), so
    a sentence of ours, such as a hint on what to do, never stops mid-word.
    """
    flat = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if words:
        space = cut.rfind(" ")
        if space >= limit * 4 // 5:
            cut = cut[:space]
    return cut + "…"


def quote(text: str, limit: int = MAX_QUOTE) -> str:
    """Double-quote `text` for a report, JSON-escaped so it stays on one line, truncated."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def similarity(expected: str, actual: str, scorer: str = "ratio") -> float:
    """Score how close `actual` is to `expected`, from 0 (unrelated) to 1 (identical).

    `ratio`, `partial_ratio`, `token_sort_ratio` and `token_set_ratio` are rapidfuzz's scorers
    scaled to 0..1. `wer` is 1 - word error rate: word-level edit distance divided by the number
    of expected words (clamped at 0, since insertions can push the rate above 1).

    Raises:
        ValueError: unknown scorer name (the suite schema normally rules this out).
    """
    if scorer == "wer":
        reference, hypothesis = expected.split(), actual.split()
        if not reference:
            return 1.0 if not hypothesis else 0.0
        errors = Levenshtein.distance(reference, hypothesis)
        return max(0.0, 1.0 - errors / len(reference))
    scorers = {
        "ratio": fuzz.ratio,
        "partial_ratio": fuzz.partial_ratio,
        "token_sort_ratio": fuzz.token_sort_ratio,
        "token_set_ratio": fuzz.token_set_ratio,
    }
    if scorer not in scorers:
        raise ValueError(f"unknown scorer {scorer!r}; expected one of {', '.join(SCORERS)}")
    if not expected and not actual:
        return 1.0  # rapidfuzz scores two empty strings 0; for a test, "" equals "".
    return float(scorers[scorer](expected, actual)) / 100.0


def format_score(score: float, threshold: float | None = None) -> str:
    """Two decimals, unless rounding would make a failing score look like it reached the bar."""
    shown = f"{score:.2f}"
    if threshold is not None and score < threshold and float(shown) >= threshold:
        shown = f"{score:.4f}"
    return shown


def _fold(text: str, ignore_case: bool) -> str:
    return text.casefold() if ignore_case else text


@lru_cache(maxsize=256)
def _compile(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE if ignore_case else 0)


def _match_positive(m: TextMatch, actual: str) -> TextVerdict:
    """Match without regard to `m.negate`."""
    if m.op is TextOp.ANY_OF:
        verdicts = [match_text(alt, actual) for alt in m.alternatives]
        scores = [v.score for v in verdicts if v.score is not None]
        best = max(scores) if scores else None
        if any(v.ok for v in verdicts):
            return TextVerdict(True, best)
        return TextVerdict(False, best, (f"- {describe(m)}", f"+ {one_line(actual)}"))
    if m.op is TextOp.REGEX:
        try:
            found = _compile(m.value, m.ignore_case).search(actual) is not None
        except re.error as exc:
            return TextVerdict(False, None, (f"invalid regex /{m.value}/: {exc}",))
        details = () if found else (f"- {describe(m)}", f"+ {one_line(actual)}")
        return TextVerdict(found, None, details)

    # equals, contains and similar compare whitespace-normalised text: line breaks and double
    # spaces in agent messages are presentation, not content.
    expected = _fold(normalize(m.value), m.ignore_case)
    got = _fold(normalize(actual), m.ignore_case)
    if m.op is TextOp.EQUALS:
        ok = expected == got
        score = 1.0 if ok else similarity(expected, got)
        return TextVerdict(ok, score, () if ok else tuple(word_diff(m.value, actual)))
    if m.op is TextOp.CONTAINS:
        ok = expected in got
        score = 1.0 if ok else similarity(expected, got, "partial_ratio")
        details = () if ok else (f"- {describe(m)}", f"+ {one_line(actual)}")
        return TextVerdict(ok, score, details)
    if m.op is TextOp.SIMILAR:
        score = similarity(expected, got, m.scorer)
        ok = score >= m.threshold  # inclusive: a threshold of 0.85 accepts exactly 0.85
        return TextVerdict(ok, score, () if ok else tuple(word_diff(m.value, actual)))
    if m.op is TextOp.SEMANTIC:
        scorer = _semantic.get()
        if scorer is None:
            raise RuntimeError("semantic matcher applied without embeddings (vftest.semantic)")
        score = scorer(m.value, actual)
        ok = score >= m.threshold
        return TextVerdict(ok, score, () if ok else tuple(word_diff(m.value, actual)))
    raise ValueError(f"unknown text operator {m.op!r}")


def match_text(m: TextMatch, actual: str) -> TextVerdict:
    """Apply matcher `m` to `actual`; see `TextVerdict` for what comes back."""
    verdict = _match_positive(m, actual)
    if not m.negate:
        return verdict
    if verdict.ok:
        return TextVerdict(False, None, (f"- {describe(m)}", f"+ {one_line(actual)}"))
    return TextVerdict(True, None)


def describe(m: TextMatch) -> str:
    """Describe a matcher in one line, e.g. `~ "Your order shipped" (similarity >= 0.85)`."""
    text = _describe_positive(m)
    if m.ignore_case and m.op is not TextOp.ANY_OF:
        text = text[:-1] + ", ignoring case)" if text.endswith(")") else f"{text} (ignoring case)"
    return f"not {text}" if m.negate else text


def _describe_positive(m: TextMatch) -> str:
    if m.op is TextOp.EQUALS:
        return quote(m.value)
    if m.op is TextOp.CONTAINS:
        return f"contains {quote(m.value)}"
    if m.op is TextOp.REGEX:
        return f"matches /{one_line(m.value, MAX_QUOTE)}/"
    if m.op is TextOp.SIMILAR:
        name = "similarity" if m.scorer == "ratio" else m.scorer
        return f"~ {quote(m.value)} ({name} >= {m.threshold:g})"
    if m.op is TextOp.SEMANTIC:
        return f"means {quote(m.value)} (meaning >= {m.threshold:g})"
    return "any of (" + ", ".join(describe(alt) for alt in m.alternatives) + ")"


def word_diff(expected: str, actual: str) -> list[str]:
    """Lines `- expected` / `+ actual`; long texts get `?` lines with `^` under changed words.

    The `?` lines follow difflib.ndiff's convention, so the emphasis survives without colour.
    """
    minus, plus = one_line(expected), one_line(actual)
    lines = [f"- {minus}"]
    a_words, b_words = _word_spans(minus), _word_spans(plus)
    emphasise = max(len(a_words), len(b_words)) >= _EMPHASIS_MIN_WORDS
    matcher = difflib.SequenceMatcher(
        None, [w for w, _, _ in a_words], [w for w, _, _ in b_words], autojunk=False
    )
    # Only worth marking when the texts share something; otherwise every word is a caret.
    emphasise = emphasise and matcher.ratio() > 0
    a_marks: list[tuple[int, int]] = []
    b_marks: list[tuple[int, int]] = []
    if emphasise:
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "delete"):
                a_marks.extend((s, e) for _, s, e in a_words[i1:i2])
            if tag in ("replace", "insert"):
                b_marks.extend((s, e) for _, s, e in b_words[j1:j2])
    if a_marks:
        lines.append("? " + _carets(a_marks))
    lines.append(f"+ {plus}")
    if b_marks:
        lines.append("? " + _carets(b_marks))
    return lines


def _word_spans(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]


def _carets(spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    for start, end in spans:
        out.extend(" " * (start - len(out)))
        out.extend("^" * (end - start))
    return "".join(out).rstrip()
