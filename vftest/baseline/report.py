"""Baseline differences as text: the first diverging turn first, one line per difference.

turn 3 of 4: baseline differs: text changed, similarity 0.72 < 0.90 (and 2 more differences)
suites/orders.vftest.yaml:17: case 'x', baseline suites/__baselines__/orders.development.yaml

turn 3 text "12345":
text changed, similarity 0.72 < 0.90
- Order 12345 has shipped.
+ Order 12345 is delayed.
button 'FAQ' removed

update: pytest "suites/orders.vftest.yaml::x" --vftest-update-baselines
"""

from __future__ import annotations

from collections.abc import Sequence

from vftest.baseline.compare import Difference, describe_user
from vftest.baseline.record import TurnRecord
from vftest.report import shell_quote

__all__ = ["render_differences", "render_missing", "update_command"]

INDENT = "  "


def update_command(nodeid: str) -> str:
    """The command that rewrites this case's baseline."""
    return f"pytest {shell_quote(nodeid)} --vftest-update-baselines"


def render_differences(
    differences: Sequence[Difference],
    actual: Sequence[TurnRecord],
    *,
    turns: int,
    where: str,
    baseline_file: str,
    nodeid: str,
) -> str:
    """The failure text of a case whose conversation no longer matches its baseline."""
    first = differences[0]
    more = len(differences) - 1
    tail = f" (and {more} more difference{'s' if more != 1 else ''})" if more else ""
    lines = [
        f"turn {first.turn + 1} of {turns}: baseline differs: {first.message}{tail}",
        f"{where}, baseline {baseline_file}",
    ]
    by_turn: dict[int, list[Difference]] = {}
    for difference in differences:
        by_turn.setdefault(difference.turn, []).append(difference)
    for turn, found in by_turn.items():
        user = actual[turn]["user"] if turn < len(actual) else None
        heading = (
            f"turn {turn + 1} {describe_user(user)}" if user is not None else f"turn {turn + 1}"
        )
        lines += ["", f"{INDENT}{heading}:"]
        for difference in found:
            lines.append(f"{INDENT * 2}{difference.message}")
            lines += [f"{INDENT * 2}     {line}" for line in difference.detail]
    lines += ["", f"{INDENT}update: {update_command(nodeid)}"]
    return "\n".join(lines)


def render_missing(*, where: str, baseline_file: str, nodeid: str) -> str:
    """The failure text of a case under a baseline that has none yet."""
    return "\n".join(
        [
            f"no baseline recorded for this case in {baseline_file}",
            where,
            "",
            f"{INDENT}record it: {update_command(nodeid)}",
        ]
    )
