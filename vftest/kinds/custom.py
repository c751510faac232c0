"""`custom:` items (a custom action's trace, by name) and `trace:` items (any trace type)."""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import Kind
from vftest.textmatch import quote

__all__ = ["CUSTOM", "TRACE", "CustomKind", "TraceKind"]


class CustomKind(Kind):
    """A custom action's trace: its type is the action's name."""

    name = "custom"
    description = "A custom action's trace, by name, optionally with a payload to contain."

    def wire_type(self, value: Any) -> str | None:
        """The action's name."""
        return str(value["name"])

    def payload(self, value: Any, payload: Any) -> Any:
        """`{name, payload}`: the payload inside wins over the item's."""
        return value.get("payload", payload)

    def describe(self, spec: Any, trace_type: str | None) -> str:
        """The quoted name."""
        return quote(trace_type) if trace_type is not None else ""


class TraceKind(Kind):
    """Any trace, of a given type or of any type."""

    name = "trace"
    description = "Any trace, of `type` when given, optionally with a payload to contain."

    def wire_type(self, value: Any) -> str | None:
        """The type asked for, or None (any)."""
        found = value.get("type")
        return str(found) if found is not None else None

    def payload(self, value: Any, payload: Any) -> Any:
        """`{type, payload}`: the payload inside wins over the item's."""
        return value.get("payload", payload)

    def describe(self, spec: Any, trace_type: str | None) -> str:
        """`type X`."""
        return f"type {trace_type}" if trace_type is not None else ""

    def phrase(self, spec: Any, trace_type: str | None, payload: Any) -> str:
        """`any trace` when nothing narrows it."""
        if trace_type is None and payload is None:
            return "any trace"
        return super().phrase(spec, trace_type, payload)


CUSTOM = CustomKind()
TRACE = TraceKind()
