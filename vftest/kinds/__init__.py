"""Expectation kinds: one module per kind behind one protocol (`Kind`), one registry.

Built-ins: text, speak, completion, choice, card, carousel, visual, end, no_reply, custom,
trace. Add your own with `register(kind)`, the `vftest.matchers` entry point group, or the
`pytest_vftest_matchers` hook (docs/matchers.md).
"""

from vftest.kinds.base import BuildContext, Check, Kind, text_check
from vftest.kinds.registry import (
    BUILT_IN,
    ENTRY_POINT_GROUP,
    add_all,
    added_kinds,
    kind_named,
    register,
    unregister,
)

__all__ = [
    "BUILT_IN",
    "ENTRY_POINT_GROUP",
    "BuildContext",
    "Check",
    "Kind",
    "add_all",
    "added_kinds",
    "kind_named",
    "register",
    "text_check",
    "unregister",
]
