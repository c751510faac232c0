"""Expectation semantics: traces against expectations, turns against sequence modes.

What one kind of item checks in a trace is its kind's business (vftest.kinds); this module
pairs items with traces (in order, unordered, exact), handles `absent` items and
`expect_variables`, and explains failures: every one carries the closest trace and a -/+ diff,
ready for `report.render_failure`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vftest.assignment import bipartite, subsequence
from vftest.kinds.base import Check
from vftest.kinds.payload import deep_diff, json_path, payload_diff, shown_side
from vftest.kinds.registry import kind_named
from vftest.models import (
    ExpectationResult,
    SequenceMode,
    TextMatch,
    TextOp,
    Trace,
    TraceExpectation,
    Turn,
    VariableExpectation,
)
from vftest.rendering import format_value, summarize_trace, trace_ref, trace_type
from vftest.textmatch import describe, format_score, match_text

__all__ = [
    "TraceVerdict",
    "describe_expectation",
    "match_trace",
    "match_turn",
    "match_variables",
    "visible",
]


MAX_FOUND = 3  # forbidden traces listed for one absent item


@dataclass(frozen=True, slots=True)
class TraceVerdict:
    """How one trace fares against one expectation.

    `score` is a 0..1 closeness (1.0 on a match, 0.0 when the type is wrong) used to pick the
    closest candidate; `similarity` is the text score when the expectation uses `similar` or
    `semantic`.
    """

    ok: bool
    score: float
    details: tuple[str, ...] = ()
    type_ok: bool = True
    similarity: float | None = None
    threshold: float | None = None  # what `similarity` had to reach


# --------------------------------------------------------------------------- small helpers


def visible(traces: Sequence[Trace], hidden_types: Iterable[str]) -> list[tuple[int, Trace]]:
    """The traces matching looks at, each with its index in the full list (for reports)."""
    hidden = set(hidden_types)
    return [(i, t) for i, t in enumerate(traces) if trace_type(t) not in hidden]


# --------------------------------------------------------------------------- one trace


def match_trace(exp: TraceExpectation, trace: Trace) -> TraceVerdict:
    """Match one expectation against one trace (ignores `exp.present`: see `match_turn`)."""
    wanted = exp.trace_type
    actual_type = trace_type(trace)
    if wanted is not None and actual_type != wanted:
        return TraceVerdict(False, 0.0, (f"type {actual_type}, not {wanted}",), type_ok=False)

    checks = kind_named(exp.kind).check(exp.spec, trace)
    if exp.payload is not None:
        lines = payload_diff(exp.payload, trace.get("payload"))
        checks.append(Check(not lines, 0.0 if lines else 1.0, tuple(lines)))

    ok = all(c.ok for c in checks)
    score = sum(c.score for c in checks) / len(checks) if checks else 1.0
    details = tuple(line for c in checks for line in c.details)
    scored = next((c for c in checks if c.similarity is not None), None)
    similarity = scored.similarity if scored else None
    threshold = scored.threshold if scored else None
    # A failing trace never scores a full 1.0 (e.g. right buttons but one too many).
    return TraceVerdict(ok, 1.0 if ok else min(score, 0.99), details, True, similarity, threshold)


def describe_expectation(exp: TraceExpectation) -> str:
    """One line naming what an expectation wants, e.g. `text contains "order"`."""
    text = kind_named(exp.kind).phrase(exp.spec, exp.trace_type, exp.payload)
    if exp.payload is not None:
        text += f" payload {format_value(exp.payload, 60)}"
    return text


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
        assignment = bipartite(ok_matrix)
    elif turn.mode is SequenceMode.ANY:  # each on its own: the first trace that fits
        assignment = [next((j for j, ok in enumerate(row) if ok), None) for row in ok_matrix]
    else:
        assignment = subsequence(ok_matrix)  # exact = in order with nothing left over

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

    wanted_type = exp.trace_type
    if not shown:
        return result(["no visible traces received"], "no visible traces received", None)
    candidates = [j for j, v in enumerate(row) if v.type_ok]
    if not candidates:
        types = ", ".join(sorted({trace_type(t) for _, t in shown}))
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
        ref = trace_ref(*shown[j])
        if j in owners:
            why = f"{ref} matches, but expect[{owners[j]}] already matched it"
            return result([why], f"only {ref} matches and expect[{owners[j]}] took it", index)
        why = f"{ref} matches, but out of order ({_order_context(i, j, assignment, wanted, shown)})"
        return result([why], f"{ref} matches but out of order", index)

    # Prefer the best score; among equals, a trace no other expectation took, then the earliest.
    j = max(candidates, key=lambda c: (row[c].score, c not in owners, -c))
    index, trace = shown[j]
    verdict = row[j]
    head = f"closest: {trace_ref(index, trace)}"
    if verdict.similarity is not None:
        score = format_score(verdict.similarity, verdict.threshold)
        head += f", similarity {score}"
        summary = f"closest was {score}"
    elif isinstance(exp.spec, TextMatch):  # a message matcher: show the message
        summary = f"closest was trace #{index} {summarize_trace(trace, 40)}"
    else:
        summary = f"closest was {trace_ref(index, trace)}"
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
    details = [f"found: {trace_ref(i, t)} {summarize_trace(t)}".rstrip() for i, t in found]
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
        summary=f"found {trace_ref(first_index, first)} {summarize_trace(first, 40)}".rstrip(),
    )


def _extra(turn: Turn, extra: list[tuple[int, Trace]]) -> ExpectationResult:
    details = tuple(f"extra: {trace_ref(i, t)} {summarize_trace(t)}".rstrip() for i, t in extra)
    index, first = extra[0]
    more = f" (+{len(extra) - 1} more)" if len(extra) > 1 else ""
    return ExpectationResult(
        ok=False,
        label="no other visible traces (mode exact)",
        where="expect",
        line=turn.location.line,
        details=details,
        trace_index=index,
        summary=f"got {trace_ref(index, first)} {summarize_trace(first, 40)}".rstrip() + more,
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
    return not deep_diff(expected, actual)


def _value_diff(expected: Any, actual: Any) -> list[str]:
    """Field-by-field differences of structured values (full equality, not subset)."""
    if not isinstance(expected, (dict, list)) or not isinstance(actual, (dict, list)):
        return []
    diff = deep_diff(expected, actual)
    lines: list[str] = []
    for level in (lvl for group in diff.values() for lvl in group):
        path = json_path("$", level.path(output_format="list"))
        lines.append(f"{path}: expected {shown_side(level.t1)}, got {shown_side(level.t2)}")
    return sorted(lines)
