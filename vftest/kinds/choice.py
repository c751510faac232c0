"""`choice:` items: the buttons of a choice trace, exactly, as a subset, or in order.

The button checks are shared with cards (vftest.kinds.card), whose buttons read the same way.
"""

from __future__ import annotations

from typing import Any

from vftest.assignment import bipartite, subsequence
from vftest.kinds.base import BuildContext, Check, Kind, field_of
from vftest.kinds.payload import payload_diff
from vftest.models import ButtonMatch, ButtonsMatch, Trace
from vftest.rendering import button_label, format_value, get, label_list
from vftest.textmatch import describe, match_text, quote

__all__ = ["CHOICE", "ChoiceKind", "buttons_check", "describe_button", "describe_buttons"]


def _button_check(bm: ButtonMatch, button: Any) -> Check:
    label = button_label(button)
    details: list[str] = []
    if bm.label is not None and (label is None or not match_text(bm.label, label).ok):
        details.append(f"label {quote(label) if label is not None else 'missing'}")
    details.extend(payload_diff(bm.request, get(button, "request"), "$.request"))
    return Check(not details, 0.0 if details else 1.0, tuple(details))


def describe_button(bm: ButtonMatch) -> str:
    """One expected button: its label matcher, plus the request it must send."""
    text = describe(bm.label) if bm.label is not None else "any button"
    if bm.request is not None:
        text += f" sending {format_value(bm.request, 40)}"
    return text


def describe_buttons(bm: ButtonsMatch) -> str:
    """The buttons wanted, in one line (`including [...]`, `(3 buttons)`)."""
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


def buttons_check(bm: ButtonsMatch, buttons: Any, prefix: str = "") -> Check:
    """Buttons against the matcher, per its mode; `prefix` names them inside a card."""
    actual = buttons if isinstance(buttons, list) else []
    labels = [button_label(b) or "?" for b in actual]
    got = f"{prefix}buttons: got " + label_list(labels, 200)
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
        assignment = bipartite(ok_matrix) if bm.mode == "subset" else subsequence(ok_matrix)
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
    return Check(not details, score, tuple(details))


class ChoiceKind(Kind):
    """A choice trace and its buttons."""

    name = "choice"
    trace_type = "choice"
    description = "A choice trace whose buttons match."

    def build(self, value: Any, context: BuildContext) -> ButtonsMatch:
        """The buttons matcher."""
        return context.buttons(value)

    def check(self, spec: ButtonsMatch | None, trace: Trace) -> list[Check]:
        """The trace's buttons against the matcher."""
        if spec is None:  # only a payload to contain
            return []
        return [buttons_check(spec, field_of(trace, "buttons"))]

    def describe(self, spec: ButtonsMatch | None, trace_type: str | None) -> str:
        """The buttons wanted, e.g. `including ["FAQ"]`."""
        if spec is None:
            return ""
        return describe_buttons(spec)


CHOICE = ChoiceKind()
