"""Reading JSON from a runtime without trusting its shape: bounded nesting, one clear error.

A body nested hundreds of levels deep parses (or overflows the parser's recursion) and then
breaks every recursive reader after it (contract checks, matchers, reports) with a long
RecursionError traceback per case. No Voiceflow trace nests more than a few levels, so anything
past `MAX_DEPTH` is refused where it enters, as malformed.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_DEPTH", "deeper_than", "loads"]

MAX_DEPTH = 64


def loads(text: str | bytes) -> Any:
    """`json.loads`, refusing documents nested deeper than `MAX_DEPTH`.

    Raises:
        ValueError: not JSON, or nested too deeply (the message says which).
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    if deeper_than(value, MAX_DEPTH):
        raise ValueError(f"JSON nested deeper than {MAX_DEPTH} levels")
    return value


def deeper_than(value: Any, limit: int) -> bool:
    """Whether objects/arrays in `value` nest more than `limit` levels deep."""
    # Iterative, so checking cannot overflow the stack it protects.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
