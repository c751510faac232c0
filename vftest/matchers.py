"""Expectation semantics: traces against expectations, turns against sequence modes.

Also `absent` items and `expect_variables`. Every failure carries the closest trace and a
-/+ diff, ready for `report.render_failure`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vftest.models import (
    WIRE_TYPE_OF_KIND,
    ButtonMatch,
    ButtonsMatch,
    CardMatch,
    CarouselMatch,
    ExpectationResult,
    SequenceMode,
    TextMatch,
    TextOp,
    Trace,
    TraceExpectation,
    Turn,
    VariableExpectation,
)
from vftest.textmatch import describe, format_score, match_text, one_line, quote

if TYPE_CHECKING:
    from deepdiff import DeepDiff

__all__ = [
    "TraceVerdict",
    "describe_button",
    "describe_expectation",
    "format_value",
    "match_trace",
    "match_turn",
    "match_variables",
    "payload_diff",
    "summarize_trace",
    "visible",
]


MAX_VALUE = 80  # characters of a JSON value quoted in a detail line
MAX_FOUND = 3  # forbidden traces listed for one absent item


@dataclass(frozen=True, slots=True)
class TraceVerdict:
    """How one trace fares against one expectation.

    `score` is a 0..1 closeness (1.0 on a match, 0.0 when the type is wrong) used to pick the
    closest candidate; `similarity` is the text score when the expectation uses `similar`.
    """

    ok: bool
    score: float
    details: tuple[str, ...] = ()
    type_ok: bool = True
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class _Check:
    """One field-level check inside a trace match."""

    ok: bool
    score: float
    details: tuple[str, ...] = ()


# --------------------------------------------------------------------------- small helpers


def visible(traces: Sequence[Trace], hidden_types: Iterable[str]) -> list[tuple[int, Trace]]:
    """The traces matching looks at, each with its index in the full list (for reports)."""
    hidden = set(hidden_types)
    return [(i, t) for i, t in enumerate(traces) if _type(t) not in hidden]


def _type(trace: Trace) -> str:
    value = trace.get("type")
    return value if isinstance(value, str) else "?"


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def format_value(value: Any, limit: int = MAX_VALUE) -> str:
    """A JSON value in compact JSON, truncated: never a Python repr."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    except (TypeError, ValueError):  # circular structures; not expected from JSON data
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_path(root: str, parts: Iterable[Any]) -> str:
    out = root
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def _button_label(button: Any) -> str | None:
    # Voiceflow puts the visible label in `name`; older traces only have request.payload.label.
    label = _get(button, "name")
    if isinstance(label, str):
        return label
    label = _get(button, "request", "payload", "label")
    return label if isinstance(label, str) else None


def summarize_trace(trace: Trace, limit: int = 60) -> str:
    """The gist of a trace in one short line: its message, labels, title or payload."""
    kind, payload = _type(trace), trace.get("payload")
    message = _get(payload, "message")
    if kind in ("text", "speak", "completion") and isinstance(message, str):
        return quote(message, limit)
    if kind == "choice":
        labels = [_button_label(b) or "?" for b in _get(payload, "buttons") or []]
        return _label_list(labels, limit)
    if kind == "cardV2":
        title = _get(payload, "title")
        return quote(title, limit) if isinstance(title, str) else format_value(payload, limit)
    if kind == "carousel":
        cards = _get(payload, "cards")
        if isinstance(cards, list):
            titles = [str(_get(c, "title") or "?") for c in cards]
            noun = "card" if len(cards) == 1 else "cards"
            return f"{len(cards)} {noun}: " + _label_list(titles, limit)
    if kind == "visual" and isinstance(_get(payload, "image"), str):
        return one_line(str(_get(payload, "image")), limit)
    if kind == "end" and payload is None:
        return ""
    if kind == "no-reply" and _get(payload, "timeout") is not None:
        return f"timeout {format_value(_get(payload, 'timeout'))}"
    return "" if payload is None else format_value(payload, limit)


def _label_list(labels: Sequence[str], limit: int) -> str:
    text = "[" + ", ".join(quote(label, 30) for label in labels) + "]"
    return text if len(text) <= limit else text[: limit - 2] + "…]"


def _trace_ref(index: int, trace: Trace) -> str:
    return f"trace #{index} ({_type(trace)})"


# --------------------------------------------------------------------------- partial payloads


def _deepdiff(expected: Any, actual: Any) -> DeepDiff:
    # Imported here: deepdiff pulls in pydantic (~110 ms of start-up) and only payload and
    # structured-variable comparisons need it.
    from deepdiff import DeepDiff

    # threshold_to_diff_deeper=0: always descend, so a partial mapping sharing few keys with the
    # trace still reports the one field that differs instead of "the whole object changed".
    return DeepDiff(
        expected,
        actual,
        view="tree",
        ignore_numeric_type_changes=True,
        threshold_to_diff_deeper=0,
    )


def _shown(value: Any) -> str:
    """A diff side for people: deepdiff's marker for a missing item reads "nothing"."""
    from deepdiff.helper import NotPresent

    return "nothing" if isinstance(value, NotPresent) else format_value(value)


def payload_diff(expected: Any, actual: Any, root: str = "$.payload") -> list[str]:
    """What `actual` lacks to contain `expected`, one `path: expected X, got Y` line each.

    Subset semantics: keys and list items only present in `actual` are ignored, so a suite can
    name just the fields it cares about. Lists compare position by position.
    """
    if expected is None:
        return []
    diff = _deepdiff(expected, actual)
    lines: list[str] = []
    for report_type in ("values_changed", "type_changes", "dictionary_item_removed",
                        "iterable_item_removed"):  # fmt: skip
        for level in diff.get(report_type, ()):
            path = _json_path(root, level.path(output_format="list"))
            lines.append(f"{path}: expected {format_value(level.t1)}, got {_shown(level.t2)}")
    return sorted(lines)


# --------------------------------------------------------------------------- field checks


def _text_check(field: str | None, m: TextMatch, value: Any) -> _Check:
    """`field` None means the trace's main message: failures then show a -/+ diff."""
    name = field or "payload.message"
    if not isinstance(value, str):
        got = "nothing" if value is None else format_value(value)
        return _Check(False, 0.0, (f"{name}: expected {describe(m)}, got {got}",))
    verdict = match_text(m, value)
    score = verdict.score if verdict.score is not None else float(verdict.ok)
    if verdict.ok:
        return _Check(True, score)
    if field is None:
        return _Check(False, score, verdict.details)
    return _Check(False, score, (f"{field}: expected {describe(m)}, got {quote(value)}",))


def _button_check(bm: ButtonMatch, button: Any) -> _Check:
    label = _button_label(button)
    details: list[str] = []
    if bm.label is not None and (label is None or not match_text(bm.label, label).ok):
        details.append(f"label {quote(label) if label is not None else 'missing'}")
    details.extend(payload_diff(bm.request, _get(button, "request"), "$.request"))
    return _Check(not details, 0.0 if details else 1.0, tuple(details))


def describe_button(bm: ButtonMatch) -> str:
    """One expected button: its label matcher, plus the request it must send."""
    text = describe(bm.label) if bm.label is not None else "any button"
    if bm.request is not None:
        text += f" sending {format_value(bm.request, 40)}"
    return text


def _describe_buttons(bm: ButtonsMatch) -> str:
    listed = "[" + ", ".join(describe_button(b) for b in bm.buttons) + "]"
    parts = []
    if bm.buttons:
        if bm.mode == "exact":
            parts.append(listed)
        elif bm.mode == "subset":
            parts.append(f"including {listed}")
        else:
            parts.append(f"with {listed} in order")
    if bm.count is not None:
        parts.append(f"({bm.count} button{'s' if bm.count != 1 else ''})")
    return " ".join(parts)


def _buttons_check(bm: ButtonsMatch, buttons: Any, prefix: str = "") -> _Check:
    actual = buttons if isinstance(buttons, list) else []
    labels = [_button_label(b) or "?" for b in actual]
    got = f"{prefix}buttons: got " + _label_list(labels, 200)
    details: list[str] = []
    if bm.count is not None and len(actual) != bm.count:
        details.append(f"{prefix}buttons: expected {bm.count}, got {len(actual)}")
    pairs = [[_button_check(e, a) for a in actual] for e in bm.buttons]
    ok_matrix = [[c.ok for c in row] for row in pairs]

    assignment: list[int | None] = []
    if not bm.buttons:
        pass  # only a count was asked for
    elif bm.mode == "exact":
        assignment = [
            i if i < len(actual) and ok_matrix[i][i] else None for i in range(len(bm.buttons))
        ]
        if len(actual) != len(bm.buttons) or None in assignment:
            expected = "[" + ", ".join(describe_button(b) for b in bm.buttons) + "]"
            details.append(f"{prefix}buttons: expected {expected}")
            details.append(got)
            for i, j in enumerate(assignment):
                if j is None and i < len(actual):
                    for line in pairs[i][i].details:
                        if line.startswith("$."):  # label mismatches already show in the lists
                            details.append(f"{prefix}buttons[{i}]: {line}")
    else:
        assignment = _bipartite(ok_matrix) if bm.mode == "subset" else _subsequence(ok_matrix)
        missing = [i for i, j in enumerate(assignment) if j is None]
        for i in missing:
            where = "missing" if bm.mode == "subset" else "missing or out of order"
            details.append(f"{prefix}button {describe_button(bm.buttons[i])}: {where}")
            # A same-label button with the wrong request is the likely culprit: say why.
            for j, check in enumerate(pairs[i]):
                if any(line.startswith("$.") for line in check.details) and not any(
                    line.startswith("label") for line in check.details
                ):
                    details.extend(f"  {prefix}buttons[{j}]: {line}" for line in check.details)
        if missing:
            details.append(got)
    matched = sum(j is not None for j in assignment)
    score = matched / len(bm.buttons) if bm.buttons else 1.0
    if bm.count is not None and len(actual) != bm.count:
        score /= 2
    return _Check(not details, score, tuple(details))


def _card_checks(cm: CardMatch, card: Any, prefix: str = "") -> list[_Check]:
    checks: list[_Check] = []
    if cm.title is not None:
        checks.append(_text_check(f"{prefix}title", cm.title, _get(card, "title")))
    if cm.description is not None:
        description = _get(card, "description")
        # cardV2 descriptions are {slate, text}; tolerate a bare string as older traces had.
        text = description if isinstance(description, str) else _get(description, "text")
        checks.append(_text_check(f"{prefix}description", cm.description, text))
    if cm.image is not None:
        checks.append(_text_check(f"{prefix}image", cm.image, _get(card, "imageUrl")))
    if cm.buttons is not None:
        checks.append(_buttons_check(cm.buttons, _get(card, "buttons"), prefix))
    return checks


def _describe_card(cm: CardMatch) -> str:
    parts = []
    if cm.title is not None:
        parts.append(f"title {describe(cm.title)}")
    if cm.description is not None:
        parts.append(f"description {describe(cm.description)}")
    if cm.image is not None:
        parts.append(f"image {describe(cm.image)}")
    if cm.buttons is not None:
        parts.append(f"buttons {_describe_buttons(cm.buttons)}")
    return ", ".join(parts)


def _carousel_checks(cm: CarouselMatch, payload: Any) -> list[_Check]:
    checks: list[_Check] = []
    layout = _get(payload, "layout")
    if cm.layout is not None and layout != cm.layout:
        got = format_value(layout) if layout is not None else "nothing"
        checks.append(_Check(False, 0.0, (f"layout: expected {quote(cm.layout)}, got {got}",)))
    cards = _get(payload, "cards")
    cards = cards if isinstance(cards, list) else []
    if cm.count is not None and len(cards) != cm.count:
        checks.append(_Check(False, 0.0, (f"cards: expected {cm.count}, got {len(cards)}",)))
    # Cards are compared position by position: "cards in order" reads best as card 1 is the
    # first card shown, and positional failures name the card that is wrong.
    for i, expected in enumerate(cm.cards):
        if i >= len(cards):
            checks.append(_Check(False, 0.0, (f"cards[{i}]: missing (got {len(cards)} cards)",)))
            continue
        checks.extend(_card_checks(expected, cards[i], f"cards[{i}]."))
    return checks


def _describe_carousel(cm: CarouselMatch) -> str:
    parts = []
    if cm.layout is not None:
        parts.append(f"layout {quote(cm.layout)}")
    if cm.count is not None:
        parts.append(f"{cm.count} card{'s' if cm.count != 1 else ''}")
    if cm.cards:
        parts.append("cards [" + "; ".join(_describe_card(c) for c in cm.cards) + "]")
    return ", ".join(parts)


# --------------------------------------------------------------------------- one trace


def _expected_type(exp: TraceExpectation) -> str | None:
    if exp.trace_type is not None:
        return exp.trace_type
    return WIRE_TYPE_OF_KIND.get(exp.kind)


def match_trace(exp: TraceExpectation, trace: Trace) -> TraceVerdict:
    """Match one expectation against one trace (ignores `exp.present`: see `match_turn`)."""
    wanted = _expected_type(exp)
    actual_type = _type(trace)
    if wanted is not None and actual_type != wanted:
        return TraceVerdict(False, 0.0, (f"type {actual_type}, not {wanted}",), type_ok=False)

    payload = trace.get("payload")
    checks: list[_Check] = []
    similarity: float | None = None
    if exp.kind in ("text", "speak", "completion") and exp.text is not None:
        check = _text_check(None, exp.text, _get(payload, "message"))
        checks.append(check)
        if exp.text.op in (TextOp.SIMILAR, TextOp.SEMANTIC) and not exp.text.negate:
            similarity = check.score
    if exp.kind == "choice" and exp.buttons is not None:
        checks.append(_buttons_check(exp.buttons, _get(payload, "buttons")))
    if exp.kind == "card" and exp.card is not None:
        checks.extend(_card_checks(exp.card, payload))
    if exp.kind == "carousel" and exp.carousel is not None:
        checks.extend(_carousel_checks(exp.carousel, payload))
    if exp.kind == "visual" and exp.image is not None:
        checks.append(_text_check("image", exp.image, _get(payload, "image")))
    if exp.payload is not None:
        lines = payload_diff(exp.payload, payload)
        checks.append(_Check(not lines, 0.0 if lines else 1.0, tuple(lines)))

    ok = all(c.ok for c in checks)
    score = sum(c.score for c in checks) / len(checks) if checks else 1.0
    details = tuple(line for c in checks for line in c.details)
    # A failing trace never scores a full 1.0 (e.g. right buttons but one too many).
    return TraceVerdict(ok, 1.0 if ok else min(score, 0.99), details, True, similarity)


def describe_expectation(exp: TraceExpectation) -> str:
    """One line naming what an expectation wants, e.g. `text contains "order"`."""
    kind = {"card": "card", "no_reply": "no-reply"}.get(exp.kind, exp.kind)
    parts = [kind]
    if exp.kind in ("text", "speak", "completion") and exp.text is not None:
        parts.append(describe(exp.text))
    elif exp.kind == "choice" and exp.buttons is not None:
        parts.append(_describe_buttons(exp.buttons))
    elif exp.kind == "card" and exp.card is not None:
        parts.append(_describe_card(exp.card))
    elif exp.kind == "carousel" and exp.carousel is not None:
        parts.append(_describe_carousel(exp.carousel))
    elif exp.kind == "visual" and exp.image is not None:
        parts.append(f"image {describe(exp.image)}")
    elif exp.kind in ("custom", "trace"):
        if exp.trace_type is not None:
            parts.append(
                quote(exp.trace_type) if exp.kind == "custom" else f"type {exp.trace_type}"
            )
        elif exp.payload is None:
            parts = ["any trace"]
    if exp.payload is not None:
        parts.append(f"payload {format_value(exp.payload, 60)}")
    return " ".join(p for p in parts if p)


# --------------------------------------------------------------------------- assignment


def _subsequence(ok: list[list[bool]]) -> list[int | None]:
    """Pair expectations with increasing trace positions, as many as possible.

    Dynamic programming (longest common subsequence over the `ok` matrix): unlike a greedy
    scan, an early expectation never steals a trace a later one needs. Earliest pairing wins ties.
    """
    n = len(ok)
    m = len(ok[0]) if ok else 0
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = 1 + best[i + 1][j + 1] if ok[i][j] else 0
            best[i][j] = max(best[i + 1][j], best[i][j + 1], take)
    assignment: list[int | None] = [None] * n
    i = j = 0
    while i < n and j < m:
        if ok[i][j] and best[i][j] == 1 + best[i + 1][j + 1]:
            assignment[i] = j
            i, j = i + 1, j + 1
        elif best[i][j] == best[i][j + 1]:
            j += 1
        else:
            i += 1
    return assignment


def _bipartite(ok: list[list[bool]]) -> list[int | None]:
    """Maximum matching of expectations to distinct traces, in any order (Kuhn's algorithm)."""
    owner: dict[int, int] = {}  # trace -> expectation

    def augment(i: int, seen: set[int]) -> bool:
        for j, fits in enumerate(ok[i]):
            if fits and j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(ok)):
        augment(i, set())
    assignment: list[int | None] = [None] * len(ok)
    for j, i in owner.items():
        assignment[i] = j
    return assignment


# --------------------------------------------------------------------------- one turn


def match_turn(turn: Turn, traces: list[Trace]) -> tuple[ExpectationResult, ...]:
    """Judge every `expect` and `absent` item of `turn` against the traces it received.

    Results come in suite order (`expect[...]` then `absent[...]`); in `exact` mode a failing
    extra result names traces no expectation accounted for.
    """
    shown = visible(traces, turn.hidden_types)
    wanted = [(k, e) for k, e in enumerate(turn.expect) if e.present]
    verdicts = [[match_trace(e, t) for _, t in shown] for _, e in wanted]
    ok_matrix = [[v.ok for v in row] for row in verdicts]
    if turn.mode is SequenceMode.UNORDERED:
        assignment = _bipartite(ok_matrix)
    else:
        assignment = _subsequence(ok_matrix)  # exact = in order with nothing left over

    by_slot: dict[int, ExpectationResult] = {}
    for i, (k, exp) in enumerate(wanted):
        where = f"expect[{k}]"
        label = describe_expectation(exp)
        j = assignment[i]
        if j is not None:
            by_slot[k] = ExpectationResult(
                ok=True, label=label, where=where, line=exp.location.line, trace_index=shown[j][0]
            )
            continue
        by_slot[k] = _missing(turn, i, where, label, exp, verdicts[i], shown, assignment, wanted)

    for k, exp in enumerate(turn.expect):
        if not exp.present:
            by_slot[k] = _absent(f"expect[{k}]", exp, shown)
    results = [by_slot[k] for k in range(len(turn.expect))]
    results.extend(_absent(f"absent[{k}]", exp, shown) for k, exp in enumerate(turn.absent))

    if turn.mode is SequenceMode.EXACT:
        used = {j for j in assignment if j is not None}
        extra = [shown[j] for j in range(len(shown)) if j not in used]
        if extra:
            results.append(_extra(turn, extra))
    return tuple(results)


def _missing(
    turn: Turn,
    i: int,
    where: str,
    label: str,
    exp: TraceExpectation,
    row: list[TraceVerdict],
    shown: list[tuple[int, Trace]],
    assignment: list[int | None],
    wanted: list[tuple[int, TraceExpectation]],
) -> ExpectationResult:
    """A failed expectation, explained by the trace that came closest."""

    def result(details: Sequence[str], summary: str, index: int | None) -> ExpectationResult:
        return ExpectationResult(
            ok=False,
            label=label,
            where=where,
            line=exp.location.line,
            details=tuple(details),
            trace_index=index,
            summary=summary,
        )

    wanted_type = _expected_type(exp)
    if not shown:
        return result(["no visible traces received"], "no visible traces received", None)
    candidates = [j for j, v in enumerate(row) if v.type_ok]
    if not candidates:
        types = ", ".join(sorted({_type(t) for _, t in shown}))
        n = len(shown)
        noun = "trace" if n == 1 else "traces"
        return result(
            [f"no {wanted_type} trace among {n} visible {noun} ({types})"],
            f"no {wanted_type} trace received",
            None,
        )

    owners = {j: wanted[a][0] for a, j in enumerate(assignment) if j is not None}
    fitting = [j for j in candidates if row[j].ok]
    if fitting:
        # Something fits but the assignment could not use it: say what stands in the way.
        j = fitting[0]
        index = shown[j][0]
        ref = _trace_ref(*shown[j])
        if j in owners:
            why = f"{ref} matches, but expect[{owners[j]}] already matched it"
            return result([why], f"only {ref} matches and expect[{owners[j]}] took it", index)
        why = f"{ref} matches, but out of order ({_order_context(i, j, assignment, wanted, shown)})"
        return result([why], f"{ref} matches but out of order", index)

    # Prefer the best score; among equals, a trace no other expectation took, then the earliest.
    j = max(candidates, key=lambda c: (row[c].score, c not in owners, -c))
    index, trace = shown[j]
    verdict = row[j]
    head = f"closest: {_trace_ref(index, trace)}"
    if verdict.similarity is not None:
        threshold = exp.text.threshold if exp.text is not None else None
        score = format_score(verdict.similarity, threshold)
        head += f", similarity {score}"
        summary = f"closest was {score}"
    elif exp.kind in ("text", "speak", "completion"):
        summary = f"closest was trace #{index} {summarize_trace(trace, 40)}"
    else:
        summary = f"closest was {_trace_ref(index, trace)}"
    return result([head, *verdict.details], summary, index)


def _order_context(
    i: int,
    j: int,
    assignment: list[int | None],
    wanted: list[tuple[int, TraceExpectation]],
    shown: list[tuple[int, Trace]],
) -> str:
    """Why trace `j` cannot serve expectation `i` in order: the neighbour it would cross."""
    before = [(a, t) for a in range(i) if (t := assignment[a]) is not None]
    after = [(a, t) for a in range(i + 1, len(assignment)) if (t := assignment[a]) is not None]
    if before and j < before[-1][1]:
        a, t = before[-1]
        return f"it must come after trace #{shown[t][0]}, matched by expect[{wanted[a][0]}]"
    if after and j > after[0][1]:
        a, t = after[0]
        return f"it must come before trace #{shown[t][0]}, matched by expect[{wanted[a][0]}]"
    return "the expected order cannot be met"


def _absent(where: str, exp: TraceExpectation, shown: list[tuple[int, Trace]]) -> ExpectationResult:
    label = "no " + describe_expectation(exp)
    found = [(i, t) for i, t in shown if match_trace(exp, t).ok]
    if not found:
        return ExpectationResult(ok=True, label=label, where=where, line=exp.location.line)
    details = [f"found: {_trace_ref(i, t)} {summarize_trace(t)}".rstrip() for i, t in found]
    if len(details) > MAX_FOUND:
        details = [*details[:MAX_FOUND], f"... and {len(found) - MAX_FOUND} more"]
    first_index, first = found[0]
    return ExpectationResult(
        ok=False,
        label=label,
        where=where,
        line=exp.location.line,
        details=tuple(details),
        trace_index=first_index,
        summary=f"found {_trace_ref(first_index, first)} {summarize_trace(first, 40)}".rstrip(),
    )


def _extra(turn: Turn, extra: list[tuple[int, Trace]]) -> ExpectationResult:
    details = tuple(f"extra: {_trace_ref(i, t)} {summarize_trace(t)}".rstrip() for i, t in extra)
    index, first = extra[0]
    more = f" (+{len(extra) - 1} more)" if len(extra) > 1 else ""
    return ExpectationResult(
        ok=False,
        label="no other visible traces (mode exact)",
        where="expect",
        line=turn.location.line,
        details=details,
        trace_index=index,
        summary=f"got {_trace_ref(index, first)} {summarize_trace(first, 40)}".rstrip() + more,
    )


# --------------------------------------------------------------------------- variables


def _as_text(value: Any) -> str:
    # Strings as they are; anything else as JSON so `true`/`null` read like the suite's YAML.
    return value if isinstance(value, str) else format_value(value, 10_000)


def _describe_variable(ve: VariableExpectation) -> str:
    vm = ve.match
    if vm.op == "present":
        present = bool(vm.value) != vm.negate
        return f"{ve.name} is {'set' if present else 'not set'}"
    if vm.op == "equals":
        return f"{ve.name} {'!=' if vm.negate else '='} {format_value(vm.value, 60)}"
    text = describe(vm.text) if vm.text is not None else "any text"
    return f"{ve.name} {'not ' if vm.negate else ''}{text}"


def match_variables(turn: Turn, variables: dict[str, Any]) -> tuple[ExpectationResult, ...]:
    """Judge the turn's `expect_variables` against the session variables read after it.

    `present: true` means set to a non-null value (the runtime reports declared but unset
    variables as null).
    """
    return tuple(_match_variable(ve, variables) for ve in turn.expect_variables)


def _match_variable(ve: VariableExpectation, variables: dict[str, Any]) -> ExpectationResult:
    vm = ve.match
    is_set = ve.name in variables
    value = variables.get(ve.name)
    got = format_value(value) if is_set else "not set"
    details: list[str] = []
    if vm.op == "present":
        # `not: {present: true}` is the same as `present: false`.
        ok = (value is not None) == (bool(vm.value) != vm.negate)
        if not ok:
            details.append(f"got {got}")
    elif not is_set:
        ok = vm.negate  # "not equal to X" holds for a variable that does not exist
        if not ok:
            details.append("not set")
    elif vm.op == "equals":
        ok = _equal(vm.value, value)
        if not ok and not vm.negate:
            lines = _value_diff(vm.value, value)
            details.extend(lines or [f"expected {format_value(vm.value)}, got {got}"])
    else:
        m = vm.text or TextMatch(op=TextOp.EQUALS, value="")
        verdict = match_text(m, _as_text(value))
        ok = verdict.ok
        if not ok and not vm.negate:
            details.extend(verdict.details or (f"got {got}",))
    if vm.negate and vm.op != "present":
        ok = not ok
        if not ok:
            details.append(f"got {got}")
    summary = "" if ok else ("not set" if not is_set else f"got {got}")
    return ExpectationResult(
        ok=ok,
        label=_describe_variable(ve),
        where=f"variables.{ve.name}",
        line=ve.location.line,
        details=tuple(details),
        summary=summary,
    )


def _equal(expected: Any, actual: Any) -> bool:
    return not _deepdiff(expected, actual)


def _value_diff(expected: Any, actual: Any) -> list[str]:
    """Field-by-field differences of structured values (full equality, not subset)."""
    if not isinstance(expected, (dict, list)) or not isinstance(actual, (dict, list)):
        return []
    diff = _deepdiff(expected, actual)
    lines: list[str] = []
    for level in (lvl for group in diff.values() for lvl in group):
        path = _json_path("$", level.path(output_format="list"))
        lines.append(f"{path}: expected {_shown(level.t1)}, got {_shown(level.t2)}")
    return sorted(lines)
