"""`{{name}}` templates in suite values: find the names a value uses and substitute them.

Only string *values* are templated, never mapping keys (keys name variables and fields).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from vftest.errors import VftestError

__all__ = ["TEMPLATE", "TemplateError", "names_in", "render"]

JSON = Any

TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""One `{{name}}` (whitespace allowed inside the braces); group 1 is the name."""


class TemplateError(VftestError):
    """A template names a value that was never captured nor set."""

    def __init__(self, name: str, known: Mapping[str, str]) -> None:
        self.name = name
        available = ", ".join(sorted(known)) or "none"
        super().__init__(f"'{{{{{name}}}}}' has no value (known names: {available})")


def names_in(value: JSON) -> set[str]:
    """Every name used as `{{name}}` in any string nested in `value`."""
    if isinstance(value, str):
        return set(TEMPLATE.findall(value))
    if isinstance(value, Mapping):
        return {name for item in value.values() for name in names_in(item)}
    if isinstance(value, list | tuple):
        return {name for item in value for name in names_in(item)}
    return set()


def render(value: JSON, values: Mapping[str, str]) -> JSON:
    """A copy of `value` with every `{{name}}` in its strings replaced by `values[name]`.

    Raises:
        TemplateError: a template names something `values` does not hold.
    """
    if isinstance(value, str):
        return TEMPLATE.sub(lambda match: _lookup(match.group(1), values), value)
    if isinstance(value, Mapping):
        return {key: render(item, values) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render(item, values) for item in value]
    return value


def _lookup(name: str, values: Mapping[str, str]) -> str:
    try:
        return str(values[name])
    except KeyError:
        raise TemplateError(name, values) from None
