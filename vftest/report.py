"""Failure reports: a `CaseResult` rendered as text a person can act on (pure; golden-tested).

Layout follows STYLE.md §3: verdict first, then the user's input, every expectation of the
failing turn, contract violations, the traces received, the YAML source, earlier turns, rerun.
"""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from vftest import terminal
from vftest.models import CaseResult, ExpectationResult, Trace, TurnResult, Violation
from vftest.rendering import format_value, summarize_trace
from vftest.textmatch import one_line, quote

__all__ = [
    "render_contract_gaps",
    "render_failure",
    "render_summary",
    "render_verdict",
    "render_warnings",
    "shell_quote",
]

INDENT = "  "
DETAIL = " " * 9  # lines under a `FAIL expect[0]` entry line up past the status column
MAX_TRACES = 30  # received traces listed before "... and N more"
MAX_SOURCE = 20  # YAML lines shown for the failing turn
MAX_DETAIL = 200  # characters of one detail line
MAX_MESSAGE = 300  # characters of a contract violation message (cut between words)
TYPE_WIDTH = 7  # `#1 text    "..."`: type column wide enough for speak/choice/cardV2


# --------------------------------------------------------------------------- entry points


def render_failure(result: CaseResult, *, color: bool = False, nodeid: str | None = None) -> str:
    """The full report of a failed (or errored) case; its first line is the verdict.

    `nodeid` is the pytest node id the rerun command selects (default `suite::case`; a case of
    an environment matrix is `suite::case[environment]`).
    """
    rerun = nodeid or f"{result.suite.path}::{result.case.name}"
    if result.outcome == "error":
        return _render_error(result, color, rerun)
    if result.repetitions:
        return _render_repeated(result, color, rerun)
    position = _failing_position(result)
    lines = [terminal.paint(render_verdict(result), "bold", "red", color=color)]
    if position is None:
        lines.append(_case_line(result, result.case.location.line))
        lines.extend(["", *_footer(result, result.turns, rerun)])
        return "\n".join(lines)

    turn_result = result.turns[position]
    failing = [r for r in turn_result.expectations if not r.ok]
    anchor = failing[0].line if failing else turn_result.turn.location.line
    lines.append(_case_line(result, anchor))
    if result.case.description:
        lines.append(f"{INDENT}{one_line(result.case.description, 100)}")
    lines += ["", f"{INDENT}user> {_describe_action(turn_result)}", ""]
    lines += _expectation_lines(turn_result.expectations, color)
    if turn_result.violations:
        lines += _violation_lines(turn_result.violations, result.contract_mode, color)
    lines += ["", *_received_lines(turn_result, color)]
    source = _source_lines(result, turn_result, {r.line for r in failing}, color)
    if source:
        lines += ["", *source]
    lines += ["", *_footer(result, result.turns[:position], rerun)]
    return "\n".join(lines)


def render_verdict(result: CaseResult) -> str:
    """The first line of a failure (pytest's short summary and JUnit's message)."""
    if result.repetitions and result.outcome == "failed":
        from vftest.repeat import summary_line

        return summary_line(result.repetitions, result.case.pass_rate)
    return _single_verdict(result)


def _single_verdict(result: CaseResult) -> str:
    """The first line of a report: what went wrong, at which turn, and the closest thing seen."""
    if result.outcome == "error":
        kind = f" ({result.error_kind})" if result.error_kind else ""
        message = one_line(result.error or "unknown error", 300)
        return f"infrastructure error{kind}: {message} — not a failure of the agent"
    position = _failing_position(result)
    if position is None:
        return f"case '{result.case.name}' failed"
    turn_result = result.turns[position]
    prefix = f"turn {position + 1} of {len(result.case.turns)}: "
    failing = [r for r in turn_result.expectations if not r.ok]
    blocking = list(turn_result.violations) if result.contract_mode == "fail" else []
    others = len(failing) + sum(v.count for v in blocking) - 1
    more = f" (and {others} more failure{'s' if others != 1 else ''})" if others > 0 else ""
    if failing:
        first = failing[0]
        subject = "variable " if first.where.startswith("variables.") else ""
        reason = f", {first.summary}" if first.summary else ""
        return f"{prefix}expected {subject}{first.label}{reason}{more}"
    if blocking:
        v = blocking[0]
        at = f" at {v.json_path}" if v.json_path else ""
        message = one_line(v.message, MAX_MESSAGE, words=True)
        return f"{prefix}{v.subject} violates the contract: {message}{at}{more}"
    return f"{prefix}failed"


def render_warnings(result: CaseResult, *, color: bool = False) -> str | None:
    """What the contract noted without failing the case, or None when there is nothing.

    Violations of a case that passed (warn mode), and on any case the trace types the contract
    does not know and the suite did not declare (`unknown_traces: warn`).
    """
    notes: list[tuple[int, TurnResult, Violation]] = []
    for number, turn_result in enumerate(result.turns, start=1):
        if result.outcome == "passed":
            notes += [(number, turn_result, v) for v in turn_result.violations]
        notes += [(number, turn_result, v) for v in turn_result.warnings]
    if not notes:
        return None
    total = sum(v.count for _, _, v in notes)
    noun = "contract warning" if total == 1 else "contract warnings"
    head = f"{_case_line(result, result.case.location.line)}: {total} {noun}"
    lines = [terminal.yellow(head, color)]
    for number, turn_result, v in notes:
        at = f" at {v.json_path}" if v.json_path else ""
        times = f" ({v.count} violations)" if v.count > 1 else ""
        lines.append(
            f"{INDENT}turn {number} {_describe_action(turn_result)}: "
            f"{v.subject} {one_line(v.message, MAX_MESSAGE, words=True)}{at}{times}"
        )
    return "\n".join(lines)


def render_summary(counts: Mapping[str, int]) -> str:
    """The run's last line, e.g. `vftest: 12 cases, 11 passed, 1 failed, 0 errors`.

    `counts` keys: passed, failed, errors (or error), skipped, xfailed, xpassed, violations and
    optionally cases (otherwise the sum of the outcomes).
    """
    passed, failed = counts.get("passed", 0), counts.get("failed", 0)
    errors = counts.get("errors", counts.get("error", 0))
    optional = [(key, counts.get(key, 0)) for key in ("skipped", "xfailed", "xpassed")]
    total = counts.get("cases", passed + failed + errors + sum(n for _, n in optional))
    parts = [
        _plural(total, "case"),
        f"{passed} passed",
        f"{failed} failed",
        _plural(errors, "error"),
    ]
    parts += [f"{n} {key}" for key, n in optional if n]
    line = "vftest: " + ", ".join(parts)
    violations = counts.get("violations", 0)
    if violations:
        line += f" ({_plural(violations, 'contract violation')})"
    return line


def render_contract_gaps(gaps: Iterable[tuple[str, Mapping[str, int]]]) -> list[str]:
    """Lines naming the trace types a contract did not cover in this run (not checked).

    `gaps` holds, per played case, its contract's name and the uncovered types it received
    (e.g. `("dm-1.1", {"cardV2": 2})`). One line per contract, types by name with counts:
    `vftest: contract dm-1.1 does not cover cardV2 (12 traces), carousel (3 traces): not checked`.
    """
    totals: dict[str, Counter[str]] = {}
    for contract, uncovered in gaps:
        if uncovered:
            totals.setdefault(contract, Counter()).update(uncovered)
    return [
        f"vftest: contract {contract} does not cover "
        + ", ".join(f"{kind} ({_plural(n, 'trace')})" for kind, n in sorted(counts.items()))
        + ": not checked (pin a contract that does, or see docs/contract.md)"
        for contract, counts in sorted(totals.items())
    ]


# --------------------------------------------------------------------------- sections


def _failing_position(result: CaseResult) -> int | None:
    """The turn that failed: the first with a failed expectation or a blocking violation."""
    for position, turn_result in enumerate(result.turns):
        if not turn_result.ok or (result.contract_mode == "fail" and turn_result.violations):
            return position
    return len(result.turns) - 1 if result.turns else None


def _case_line(result: CaseResult, line: int) -> str:
    return f"{result.suite.path}:{line}: case '{result.case.name}'"


def _describe_action(turn_result: TurnResult) -> str:
    """The user's side of a turn as sent (after templating), e.g. `text "where is my order?"`."""
    action = turn_result.turn.action
    request = turn_result.request if isinstance(turn_result.request, dict) else {}
    payload = request.get("payload")
    if action.kind == "text":
        text = payload if isinstance(payload, str) else action.text or ""
        return f"text {quote(text)}"
    if action.kind == "button":
        if action.label is not None:
            return f"button {quote(action.label)}"
        return f"button #{action.index}" if action.index is not None else "button"
    if action.kind == "intent":
        entities = f" {format_value(action.entities, 60)}" if action.entities else ""
        return f"intent {action.intent}{entities}"
    if action.kind == "event":
        return f"event {action.event}"
    if action.kind == "no_reply":
        return "no-reply"
    if action.kind == "raw":
        return f"action {format_value(request or action.raw, 80)}"
    return action.kind


def _expectation_lines(results: Sequence[ExpectationResult], color: bool) -> list[str]:
    lines: list[str] = []
    for r in results:
        status = terminal.green("ok  ", color) if r.ok else terminal.red("FAIL", color)
        suffix = f"  (trace #{r.trace_index})" if r.ok and r.trace_index is not None else ""
        lines.append(f"{INDENT}{status} {r.where.ljust(9)}  {r.label}{suffix}")
        lines.extend(f"{DETAIL}{_paint_detail(d, color)}" for d in r.details)
    return lines


def _paint_detail(line: str, color: bool) -> str:
    line = one_line(line, MAX_DETAIL)
    if line.startswith("- "):
        return terminal.red(line, color)
    if line.startswith("+ "):
        return terminal.green(line, color)
    if line.startswith("? "):
        return terminal.dim(line, color)
    return line


def _violation_lines(violations: Sequence[Violation], mode: str, color: bool) -> list[str]:
    total = sum(v.count for v in violations)
    status = terminal.red("FAIL", color) if mode == "fail" else terminal.yellow("warn", color)
    noun = "violation" if total == 1 else "violations"
    lines = [f"{INDENT}{status} {'contract'.ljust(9)}  {total} {noun}"]
    for v in violations:
        times = f"  ({v.count} violations)" if v.count > 1 else ""
        lines.append(f"{DETAIL}{v.subject}: {one_line(v.message, MAX_MESSAGE, words=True)}{times}")
        if v.json_path:
            lines.append(f"{DETAIL}  at      {v.json_path}")
        keyword = f" ({v.keyword})" if v.keyword else ""
        if v.schema_path:
            lines.append(f"{DETAIL}  schema  {v.schema_path}{keyword}")
        if v.schema:
            lines.append(f"{DETAIL}          {one_line(v.schema, 120)}")
        if v.value:
            lines.append(f"{DETAIL}  value   {one_line(v.value, 120)}")
    return lines


def _received_lines(turn_result: TurnResult, color: bool) -> list[str]:
    exchange = turn_result.exchange
    if exchange is None:
        return [f"{INDENT}received nothing"]
    traces: list[Trace] = exchange.traces
    hidden = set(turn_result.turn.hidden_types)
    count = len(traces)
    lines = [f"{INDENT}received {_plural(count, 'trace')}" + (":" if traces else "")]
    for index, trace in enumerate(traces[:MAX_TRACES]):
        kind = str(trace.get("type", "?"))
        gist = summarize_trace(trace)
        if kind in hidden:
            lines.append(
                terminal.dim(f"{INDENT * 2}#{index} {_column(kind)}(hidden) {gist}", color)
            )
        else:
            lines.append(f"{INDENT * 2}#{index} {_column(kind)}{gist}".rstrip())
    if count > MAX_TRACES:
        lines.append(f"{INDENT * 2}... and {count - MAX_TRACES} more")
    return [line.rstrip() for line in lines]


def _column(kind: str) -> str:
    return kind.ljust(TYPE_WIDTH) + " "


def _source_lines(
    result: CaseResult, turn_result: TurnResult, marked: set[int], color: bool
) -> list[str]:
    source = result.suite.lines
    turn = turn_result.turn
    first, last = turn.location.line, min(turn.end_line, len(source))
    if not source or first < 1 or first > last:
        return []
    numbers = list(range(first, last + 1))
    if len(numbers) > MAX_SOURCE:
        # Keep the turn's first lines and the neighbourhood of each marked line.
        keep = set(numbers[:3]) | {n + d for n in marked for d in (-2, -1, 0, 1, 2)}
        numbers = [n for n in numbers if n in keep][:MAX_SOURCE]
    width = max(3, len(str(last)))
    lines = [f"{INDENT}source {result.suite.path}:{first}-{last}"]
    previous = None
    for n in numbers:
        if previous is not None and n != previous + 1:
            lines.append(f"{INDENT}  {'…'.rjust(width)} |")
        text = source[n - 1].rstrip()
        row = f"{INDENT}{'>' if n in marked else ' '} {str(n).rjust(width)} | {text}".rstrip()
        lines.append(terminal.yellow(row, color) if n in marked else row)
        previous = n
    return lines


def _render_repeated(result: CaseResult, color: bool, rerun: str) -> str:
    """A case whose pass rate was missed: every repetition, then the first failing one."""
    from vftest.repeat import summary_line

    lines = [
        terminal.paint(
            summary_line(result.repetitions, result.case.pass_rate), "bold", "red", color=color
        )
    ]
    lines.append(_case_line(result, result.case.location.line))
    lines.append("")
    for number, repetition in enumerate(result.repetitions, start=1):
        what = repetition.message or "ok"
        lines.append(
            f"{INDENT}#{number:<3} {repetition.outcome:<7} {one_line(what, 120, words=True)}"
        )
    lines += ["", f"{INDENT}the first failing repetition ({result.user_id}):", ""]
    single = render_failure(replace(result, repetitions=()), color=color, nodeid=rerun)
    lines += [f"{INDENT}{line}" if line else "" for line in single.splitlines()]
    return "\n".join(lines)


def _footer(result: CaseResult, earlier: Sequence[TurnResult], rerun: str) -> list[str]:
    lines: list[str] = []
    if earlier:
        lines.append(f"{INDENT}earlier turns:")
        for number, turn_result in enumerate(earlier, start=1):
            lines.append(f"{INDENT * 2}#{number} {_turn_summary(turn_result)}")
    session = f"{INDENT}session: user_id={result.user_id}"
    if result.version:
        session += f"  version={result.version}"
    lines.append(session)
    lines.append(f"{INDENT}rerun:   pytest {shell_quote(rerun)} -vv")
    return lines


def _turn_summary(turn_result: TurnResult) -> str:
    status = "ok" if turn_result.ok else "FAIL"
    received = len(turn_result.exchange.traces) if turn_result.exchange is not None else 0
    notes = [_plural(received, "trace")]
    warnings = sum(v.count for v in turn_result.violations)
    if warnings:
        notes.append(_plural(warnings, "contract warning"))
    return f"{_describe_action(turn_result)} {status} ({', '.join(notes)})"


def _render_error(result: CaseResult, color: bool, rerun: str) -> str:
    total = len(result.case.turns)
    done = list(result.turns)
    # The runner records a turn whose request never got an answer with no exchange; otherwise
    # the error struck before the next turn's result was recorded.
    if done and done[-1].exchange is None:
        at, earlier = len(done) - 1, done[:-1]
        action = _describe_action(done[-1])
    else:
        at, earlier = len(done), done
        action = ""
        if at < total:
            action = _describe_action(
                TurnResult(turn=result.case.turns[at], request=None, exchange=None)
            )
    at = min(at, max(total - 1, 0))
    line = result.case.turns[at].location.line if result.case.turns else result.case.location.line
    lines = [
        terminal.paint(render_verdict(result), "bold", "red", color=color),
        _case_line(result, line),
    ]
    lines.append("")
    where = f"{INDENT}at turn {at + 1} of {total}"
    lines.append(f"{where}: user> {action}" if action else where)
    lines += ["", *_footer(result, earlier, rerun)]
    return "\n".join(lines)


# --------------------------------------------------------------------------- small helpers


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def shell_quote(text: str) -> str:
    """`text` as one shell word, in double quotes when that is safe (they read best)."""
    # Double quotes read best and match pytest's own docs; fall back when they would not be safe.
    if any(c in text for c in '"$`\\!'):
        return shlex.quote(text)
    return f'"{text}"'
