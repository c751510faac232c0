"""`text:`, `speak:` and `completion:` items: a text matcher on the trace's message.

`completion` matches the assembled text of a streamed completion (vftest.sse joins the chunks).
"""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import BuildContext, Check, Kind, field_of, text_check
from vftest.models import TextMatch, TextOp, Trace
from vftest.textmatch import describe

__all__ = ["COMPLETION", "SPEAK", "TEXT", "TextKind"]


class TextKind(Kind):
    """A message trace whose text a text matcher checks."""

    def __init__(self, name: str, description: str) -> None:
        self.name = name
        self.trace_type = name
        self.description = description

    def build(self, value: Any, context: BuildContext) -> TextMatch:
        """The text matcher."""
        return context.text(value)

    def check(self, spec: TextMatch | None, trace: Trace) -> list[Check]:
        """The message against the matcher; scored matchers report their similarity."""
        if spec is None:  # only a payload to contain
            return []
        check = text_check(None, spec, field_of(trace, "message"))
        if spec.op in (TextOp.SIMILAR, TextOp.SEMANTIC) and not spec.negate:
            return [Check(check.ok, check.score, check.details, check.score, spec.threshold)]
        return [check]

    def describe(self, spec: TextMatch | None, trace_type: str | None) -> str:
        """The matcher, e.g. `contains "order"`."""
        if spec is None:
            return ""
        return describe(spec)


TEXT = TextKind("text", "A text trace whose message matches.")
SPEAK = TextKind("speak", "A speak trace (voice) whose message matches.")
COMPLETION = TextKind("completion", "A streamed completion whose assembled text matches.")
