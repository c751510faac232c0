"""Captures: values saved after a turn (from a variable or a trace) for `{{name}}` later on.

Pure: `extract()` reads the traces and variables it is given and raises `CaptureError` with a
located, plain-words message when nothing matched.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.parser import parse as parse_jsonpath

from vftest.errors import VftestError
from vftest.models import DEFAULT_HIDDEN_TYPES, Capture, Trace

__all__ = ["DEFAULT_PATH", "CaptureError", "compile_jsonpath", "extract", "jsonpath_problem"]

DEFAULT_PATH = "$.payload.message"
MAX_SHOWN = 60  # characters of a value quoted in an error


class CaptureError(VftestError):
    """A capture found nothing to save: no such trace, JSONPath or regex match, or variable."""

    def __init__(self, where: str, reason: str) -> None:
        self.reason = reason  # without the location, for reports that show it already
        super().__init__(f"{where}: {reason}")


def _text(value: Any) -> str:
    # Strings as they are; numbers and structures as compact JSON so they template predictably.
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _shown(value: str) -> str:
    if len(value) > MAX_SHOWN:
        value = value[: MAX_SHOWN - 1] + "…"
    return json.dumps(value, ensure_ascii=False)


@lru_cache(maxsize=128)
def compile_jsonpath(path: str) -> JSONPath:
    """The parsed JSONPath (cached: the same paths are used by every case)."""
    return parse_jsonpath(path)


def jsonpath_problem(path: str) -> str | None:
    """Why `path` is not a usable JSONPath, or None when it compiles."""
    try:
        compile_jsonpath(path)
    except (JSONPathError, Exception) as error:  # the parser raises plain Exceptions too
        return f"JSONPath {path!r} does not compile: {error}"
    return None


def extract(
    capture: Capture,
    traces: Sequence[Trace],
    variables: Mapping[str, Any] | None,
    *,
    hidden_types: Iterable[str] = DEFAULT_HIDDEN_TYPES,
) -> str:
    """The value `capture` saves from one turn's traces and session variables.

    From a trace: the first trace of `capture.trace_type` (any visible trace when None) where the
    JSONPath finds a value and the regex, if any, matches. `hidden_types` only applies when no
    type is named, so `trace: path` can still capture from a hidden trace.

    Raises:
        CaptureError: nothing matched; the message says which step came up empty.
    """
    where = f"{capture.location}: capture '{capture.name}'"
    if capture.variable is not None:
        if variables is None or capture.variable not in variables:
            raise CaptureError(where, f"variable '{capture.variable}' is not set")
        value = variables[capture.variable]
        if value is None:
            raise CaptureError(where, f"variable '{capture.variable}' is null")
        return _apply_regex(where, capture, [_text(value)])

    if capture.trace_type is not None:
        candidates = [t for t in traces if t.get("type") == capture.trace_type]
        kind = capture.trace_type
    else:
        hidden = set(hidden_types)
        candidates = [t for t in traces if t.get("type") not in hidden]
        kind = "visible"
    if not candidates:
        types = sorted({str(t.get("type")) for t in traces})
        got = f" (received: {', '.join(types)})" if types else " (received no traces)"
        raise CaptureError(where, f"no {kind} trace{got}")

    path = capture.path or DEFAULT_PATH
    try:
        expression = compile_jsonpath(path)
    except JSONPathError as exc:
        raise CaptureError(where, f"invalid JSONPath {path}: {exc}") from None
    values = [_text(found.value) for t in candidates for found in expression.find(t)[:1]]
    if not values:
        noun = "trace" if len(candidates) == 1 else "traces"
        raise CaptureError(where, f"{path} found nothing in {len(candidates)} {kind} {noun}")
    return _apply_regex(where, capture, values)


def _apply_regex(where: str, capture: Capture, values: list[str]) -> str:
    """The first value the regex matches (its group), or the first value when there is none."""
    if capture.regex is None:
        return values[0]
    try:
        pattern = re.compile(capture.regex)
    except re.error as exc:
        raise CaptureError(where, f"invalid regex /{capture.regex}/: {exc}") from None
    for value in values:
        match = pattern.search(value)
        if match is None:
            continue
        try:
            group = match.group(capture.group)
        except IndexError as exc:  # re raises it for unknown group numbers and names alike
            raise CaptureError(
                where, f"regex /{capture.regex}/ has no group {capture.group!s}"
            ) from exc
        if group is None:
            raise CaptureError(
                where,
                f"group {capture.group!s} of /{capture.regex}/ took part in no match "
                f"in {_shown(value)}",
            )
        return group
    tried = ", ".join(_shown(v) for v in values[:3])
    more = f" and {len(values) - 3} more" if len(values) > 3 else ""
    raise CaptureError(where, f"regex /{capture.regex}/ did not match {tried}{more}")
