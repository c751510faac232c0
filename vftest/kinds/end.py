"""`end:` items: the conversation ended (`end: true`) or did not (`end: false`)."""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import BuildContext, Kind

__all__ = ["END", "EndKind"]


class EndKind(Kind):
    """An end trace, or its absence."""

    name = "end"
    trace_type = "end"
    description = "The conversation ended (true) or did not (false)."

    def build(self, value: Any, context: BuildContext) -> bool:
        """Whether an end trace must be there."""
        return bool(value)

    def present(self, spec: bool) -> bool:
        """`end: false` means no end trace (as if listed under `absent`)."""
        return spec


END = EndKind()
