"""A played case as a short chat transcript, for JUnit `<system-out>` and `pytest -vv`.

case 'order by button' (suites/orders.vftest.yaml:6), user vftest-..., development, v1
turn 1  > launch
< text "Hi Ada! Welcome to Acme Support."
< buttons ["Order status", "FAQ"]
turn 2  > button "Order status"
< text "What is your order number?"
FAIL  expect[0]  text "What is the number?"
"""

from __future__ import annotations

from vftest.baseline.compare import describe_item, describe_user
from vftest.baseline.record import record_turn
from vftest.models import BaselineSettings
from vftest.transcript import Transcript

__all__ = ["render_transcript"]

_PLAIN = BaselineSettings()


def render_transcript(transcript: Transcript) -> str:
    """The conversation as it happened, each failed expectation under its turn."""
    head = (
        f"case {transcript.case_name!r} ({transcript.suite_path}:{transcript.line}), "
        f"user {transcript.user_id}, {transcript.environment}, {transcript.api}"
    )
    lines = [head]
    if transcript.repetitions:
        passed = sum(1 for r in transcript.repetitions if r["outcome"] == "passed")
        lines.append(
            f"{passed} of {len(transcript.repetitions)} repetitions passed "
            f"(required {transcript.pass_rate:.2f}); the turns below are one of them"
        )
    for turn in transcript.turns:
        record = record_turn(turn, _PLAIN, user_id="")
        lines.append(f"turn {turn.index + 1:<3} > {describe_user(record['user'])}")
        lines += [f"          < {describe_item(item)}" for item in record["agent"]]
        if not turn.sent:
            lines.append("          (not sent)")
        for verdict in turn.verdicts:
            if not verdict.ok:
                lines.append(f"    FAIL  {verdict.where}  {verdict.label}")
        for violation in turn.violations:
            lines.append(f"    CONTRACT  {violation.subject}: {violation.message}")
    if transcript.error:
        lines.append(f"error: {transcript.error.splitlines()[0]}")
    if len(transcript.turns) < transcript.planned_turns:
        lines.append(f"({transcript.planned_turns - len(transcript.turns)} more turns not played)")
    return "\n".join(lines)
