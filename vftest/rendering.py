"""Traces and values in a few readable words, for failure reports and transcripts.

Rendering only: nothing here decides whether a trace matches (that is vftest.kinds and
vftest.matchers), so reports can show traces without importing matching code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from vftest.models import Trace
from vftest.textmatch import one_line, quote

__all__ = [
    "MAX_VALUE",
    "button_label",
    "format_value",
    "get",
    "label_list",
    "summarize_trace",
    "trace_ref",
    "trace_type",
]

MAX_VALUE = 80  # characters of a JSON value quoted in a detail line


def trace_type(trace: Trace) -> str:
    """The trace's `type`, or `?`."""
    value = trace.get("type")
    return value if isinstance(value, str) else "?"


def get(obj: Any, *keys: str) -> Any:
    """`obj[k1][k2]...`, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def format_value(value: Any, limit: int = MAX_VALUE) -> str:
    """A JSON value in compact JSON, truncated: never a Python repr."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    except (TypeError, ValueError):  # circular structures; not expected from JSON data
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def button_label(button: Any) -> str | None:
    """A button's visible label."""
    # Voiceflow puts the visible label in `name`; older traces only have request.payload.label.
    label = get(button, "name")
    if isinstance(label, str):
        return label
    label = get(button, "request", "payload", "label")
    return label if isinstance(label, str) else None


def summarize_trace(trace: Trace, limit: int = 60) -> str:
    """The gist of a trace in one short line: its message, labels, title or payload."""
    kind, payload = trace_type(trace), trace.get("payload")
    message = get(payload, "message")
    if kind in ("text", "speak", "completion") and isinstance(message, str):
        return quote(message, limit)
    if kind == "choice":
        labels = [button_label(b) or "?" for b in get(payload, "buttons") or []]
        return label_list(labels, limit)
    if kind == "cardV2":
        title = get(payload, "title")
        return quote(title, limit) if isinstance(title, str) else format_value(payload, limit)
    if kind == "carousel":
        cards = get(payload, "cards")
        if isinstance(cards, list):
            titles = [str(get(c, "title") or "?") for c in cards]
            noun = "card" if len(cards) == 1 else "cards"
            return f"{len(cards)} {noun}: " + label_list(titles, limit)
    if kind == "visual" and isinstance(get(payload, "image"), str):
        return one_line(str(get(payload, "image")), limit)
    if kind == "end" and payload is None:
        return ""
    if kind == "no-reply" and get(payload, "timeout") is not None:
        return f"timeout {format_value(get(payload, 'timeout'))}"
    return "" if payload is None else format_value(payload, limit)


def label_list(labels: Sequence[str], limit: int) -> str:
    """`["A", "B"]`, cut to `limit` characters."""
    text = "[" + ", ".join(quote(label, 30) for label in labels) + "]"
    return text if len(text) <= limit else text[: limit - 2] + "…]"


def trace_ref(index: int, trace: Trace) -> str:
    """`trace #2 (choice)`."""
    return f"trace #{index} ({trace_type(trace)})"
