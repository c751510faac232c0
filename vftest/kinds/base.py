"""What an expectation kind is: build from YAML, match one trace, describe in one line.

Every key that can appear in an `expect:` / `absent:` item (`text`, `choice`, `card`, a user's
own `price`...) is one `Kind`, registered in `vftest.kinds.registry`. The suite loader asks the
kind to build its spec from the YAML value, the matchers ask it to check a trace, the reports
ask it to describe itself. Nothing else needs to know the kind exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vftest.models import ButtonsMatch, CardMatch, TextMatch, Trace
from vftest.rendering import format_value, get
from vftest.textmatch import describe, match_text, quote

__all__ = ["BuildContext", "Check", "Kind", "text_check"]


@dataclass(frozen=True, slots=True)
class Check:
    """One field-level check inside a trace match.

    `score` is 0..1 (how close, for picking the closest trace); `similarity` is set by text
    checks that score (`similar`, `semantic`), with the `threshold` they needed.
    """

    ok: bool
    score: float
    details: tuple[str, ...] = ()
    similarity: float | None = None
    threshold: float | None = None


class BuildContext(Protocol):
    """What the suite loader offers a kind building its spec (suite defaults applied)."""

    def text(self, value: Any) -> TextMatch:
        """A text matcher (`"Hi"`, `{contains: ...}`, `{semantic: ...}`...)."""
        ...

    def buttons(self, value: Any) -> ButtonsMatch:
        """A button list matcher (`[A, B]` or `{buttons, match, count}`)."""
        ...

    def card(self, value: Any) -> CardMatch:
        """A card matcher (`{title, description, image, buttons}`)."""
        ...


class Kind:
    """One expectation kind. Subclass and override what differs from these defaults.

    Attributes:
        name: the YAML key (`text`, `price`); unique across built-ins and plugins.
        trace_type: the wire type it matches (`text`, `cardV2`); None if the value says it.
        schema: JSON Schema of the YAML value (plugins only: the built-ins' are in the
            shipped suite schema), so a bad value is a `path:line: problem` at load time.
        description: one line for the schema and the docs.
    """

    name: str = ""
    trace_type: str | None = None
    schema: Mapping[str, Any] = {}
    description: str = ""

    def build(self, value: Any, context: BuildContext) -> Any:
        """The spec this kind matches with, from the item's (already schema-valid) value."""
        return value

    def wire_type(self, value: Any) -> str | None:
        """The trace type an item with this value matches (None: any type)."""
        return self.trace_type

    def payload(self, value: Any, payload: Any) -> Any:
        """The partial payload the trace must contain (the item's `payload:` by default)."""
        return payload

    def present(self, spec: Any) -> bool:
        """False when the item means "no such trace" (`end: false`)."""
        return True

    def check(self, spec: Any, trace: Trace) -> list[Check]:
        """The field checks of one trace of the right type (empty: the type is enough)."""
        return []

    def describe(self, spec: Any, trace_type: str | None) -> str:
        """What the item wants, after the kind's name (`contains "order"`)."""
        return ""

    def label(self) -> str:
        """How the kind is named in a one-line description (`card`, `no-reply`)."""
        return self.name

    def phrase(self, spec: Any, trace_type: str | None, payload: Any) -> str:
        """The item in one line before its payload: the label and what it wants."""
        return " ".join(p for p in (self.label(), self.describe(spec, trace_type)) if p)


def text_check(field: str | None, m: TextMatch, value: Any) -> Check:
    """A text matcher on one field; `field` None is the trace's message (shown as a -/+ diff)."""
    name = field or "payload.message"
    if not isinstance(value, str):
        got = "nothing" if value is None else format_value(value)
        return Check(False, 0.0, (f"{name}: expected {describe(m)}, got {got}",))
    verdict = match_text(m, value)
    score = verdict.score if verdict.score is not None else float(verdict.ok)
    if verdict.ok:
        return Check(True, score)
    if field is None:
        return Check(False, score, verdict.details)
    return Check(False, score, (f"{field}: expected {describe(m)}, got {quote(value)}",))


def field_of(trace: Trace, *keys: str) -> Any:
    """`trace.payload[k1][k2]...` (None where missing)."""
    return get(trace.get("payload"), *keys)
