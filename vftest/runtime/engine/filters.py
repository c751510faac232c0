"""The response filter: drop hidden trace types and strip SSML from speak messages.

Default hidden types are `block`, `debug` and `flow`; a caller-supplied list replaces the
default entirely (so `[]` shows everything), as general-runtime's filter does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vftest.runtime.engine.outputs import sanitize_ssml

__all__ = ["DEFAULT_EXCLUDED_TYPES", "filter_traces"]

DEFAULT_EXCLUDED_TYPES: tuple[str, ...] = ("block", "debug", "flow")


def filter_traces(
    traces: Sequence[dict[str, Any]],
    *,
    exclude_types: Sequence[str] | None,
    strip_ssml: bool = True,
) -> list[dict[str, Any]]:
    """The traces a client receives (new dicts; the input is not modified)."""
    excluded = set(DEFAULT_EXCLUDED_TYPES if exclude_types is None else exclude_types)
    kept: list[dict[str, Any]] = []
    for trace in traces:
        if trace.get("type") in excluded:
            continue
        payload = trace.get("payload")
        if (
            strip_ssml
            and trace.get("type") == "speak"
            and isinstance(payload, dict)
            and payload.get("type") == "message"
            and isinstance(payload.get("message"), str)
        ):
            trace = {**trace, "payload": {**payload, "message": sanitize_ssml(payload["message"])}}
        kept.append(trace)
    return kept
