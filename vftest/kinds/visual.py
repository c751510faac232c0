"""`visual:` items: an image step's trace, optionally its image URL."""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import BuildContext, Check, Kind, field_of, text_check
from vftest.models import TextMatch, Trace
from vftest.textmatch import describe

__all__ = ["VISUAL", "VisualKind"]


class VisualKind(Kind):
    """A visual trace."""

    name = "visual"
    trace_type = "visual"
    description = "A visual (image) trace, optionally with a matching image URL."

    def build(self, value: Any, context: BuildContext) -> TextMatch | None:
        """The image URL's matcher, if the item names one."""
        return context.text(value["image"]) if "image" in value else None

    def check(self, spec: TextMatch | None, trace: Trace) -> list[Check]:
        """The image URL, when asked for."""
        return [] if spec is None else [text_check("image", spec, field_of(trace, "image"))]

    def describe(self, spec: TextMatch | None, trace_type: str | None) -> str:
        """`image ...` when asked for."""
        return "" if spec is None else f"image {describe(spec)}"


VISUAL = VisualKind()
