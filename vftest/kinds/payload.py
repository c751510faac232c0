"""Partial payloads: what a trace's payload (or a button's request) lacks to contain another.

One `path: expected X, got Y` line per difference; also the diff helpers variable matching uses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from vftest.rendering import format_value

if TYPE_CHECKING:
    from deepdiff import DeepDiff

__all__ = ["deep_diff", "json_path", "payload_diff", "shown_side"]


def json_path(root: str, parts: Iterable[Any]) -> str:
    """`$.payload.buttons[0]["odd key"]` from a root and deepdiff's path parts."""
    out = root
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def deep_diff(expected: Any, actual: Any) -> DeepDiff:
    """The deepdiff tree view of `expected` against `actual`, always descending."""
    # Imported here: deepdiff pulls in pydantic (~110 ms of start-up) and only payload and
    # structured-variable comparisons need it.
    from deepdiff import DeepDiff

    # threshold_to_diff_deeper=0: always descend, so a partial mapping sharing few keys with the
    # trace still reports the one field that differs instead of "the whole object changed".
    return DeepDiff(
        expected,
        actual,
        view="tree",
        ignore_numeric_type_changes=True,
        threshold_to_diff_deeper=0,
    )


def shown_side(value: Any) -> str:
    """A diff side for people: deepdiff's marker for a missing item reads "nothing"."""
    from deepdiff.helper import NotPresent

    return "nothing" if isinstance(value, NotPresent) else format_value(value)


def payload_diff(expected: Any, actual: Any, root: str = "$.payload") -> list[str]:
    """What `actual` lacks to contain `expected`, one `path: expected X, got Y` line each.

    Subset semantics: keys and list items only present in `actual` are ignored, so a suite can
    name just the fields it cares about. Lists compare position by position.
    """
    if expected is None:
        return []
    diff = deep_diff(expected, actual)
    lines: list[str] = []
    for report_type in ("values_changed", "type_changes", "dictionary_item_removed",
                        "iterable_item_removed"):  # fmt: skip
        for level in diff.get(report_type, ()):
            path = json_path(root, level.path(output_format="list"))
            lines.append(f"{path}: expected {format_value(level.t1)}, got {shown_side(level.t2)}")
    return sorted(lines)
