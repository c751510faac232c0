"""The registry of expectation kinds: the built-ins, then those plugins add.

A plugin adds kinds through the `vftest.matchers` entry point group (each entry point loads a
`Kind` instance or a list of them) or, inside pytest, the `pytest_vftest_matchers` hook. A kind's
`schema` joins the suite schema, so a bad value in a suite is reported at load time with its
`path:line`, like the built-ins'.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

from vftest.errors import ConfigError
from vftest.kinds.base import Kind
from vftest.kinds.card import CARD
from vftest.kinds.carousel import CAROUSEL
from vftest.kinds.choice import CHOICE
from vftest.kinds.custom import CUSTOM, TRACE
from vftest.kinds.end import END
from vftest.kinds.no_reply import NO_REPLY
from vftest.kinds.text import COMPLETION, SPEAK, TEXT
from vftest.kinds.visual import VISUAL

__all__ = [
    "BUILT_IN",
    "ENTRY_POINT_GROUP",
    "add_all",
    "added_kinds",
    "fingerprint",
    "kind_named",
    "register",
    "unregister",
]

ENTRY_POINT_GROUP = "vftest.matchers"
BUILT_IN: tuple[Kind, ...] = (TEXT, SPEAK, COMPLETION, CHOICE, CARD, CAROUSEL, VISUAL, END,
                              NO_REPLY, CUSTOM, TRACE)  # fmt: skip
# keys an expectation item has besides its kind
RESERVED = frozenset({"payload"})

_kinds: dict[str, Kind] = {kind.name: kind for kind in BUILT_IN}
_added: dict[str, Kind] = {}
_entry_points_loaded = False


def register(kind: Kind) -> None:
    """Add a kind; its name must be new (`ConfigError` otherwise)."""
    name = getattr(kind, "name", "")
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"matcher kind {kind!r}: `name` must be an identifier, got {name!r}")
    if name in RESERVED or (name in _kinds and _kinds[name] is not kind):
        raise ConfigError(f"matcher kind {name!r} already exists; give yours another name")
    if not isinstance(getattr(kind, "schema", None), dict) or not kind.schema:
        raise ConfigError(f"matcher kind {name!r}: give it a JSON Schema of its value (`schema`)")
    _kinds[name] = kind
    _added[name] = kind
    _changed()


def unregister(name: str) -> None:
    """Remove an added kind (tests; built-ins stay)."""
    if _added.pop(name, None) is not None:
        del _kinds[name]
        _changed()


def kind_named(name: str) -> Kind:
    """The kind of an expectation item's key."""
    _load_entry_points()
    return _kinds[name]


def added_kinds() -> tuple[Kind, ...]:
    """The kinds plugins added, in the order they came."""
    _load_entry_points()
    return tuple(_added.values())


def fingerprint() -> str:
    """Changes whenever the added kinds (or their schemas) do: part of the suite cache key."""
    kinds = added_kinds()
    if not kinds:
        return ""
    text = json.dumps([[k.name, k.schema] for k in kinds], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def add_all(kinds: Iterable[Any]) -> None:
    """Register what a hook or entry point gave: a kind or an iterable of kinds."""
    for kind in kinds:
        if isinstance(kind, Kind):
            if _kinds.get(kind.name) is not kind:
                register(kind)
        elif isinstance(kind, Iterable) and not isinstance(kind, (str, bytes)):
            add_all(kind)
        else:
            raise ConfigError(f"not a vftest matcher kind: {kind!r} (subclass vftest.kinds.Kind)")


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
        except Exception as error:  # a broken plugin must say which one it is
            raise ConfigError(f"matcher plugin {point.value!r} failed to load: {error}") from error
        add_all([loaded])


def _changed() -> None:
    # The suite schema (and its compiled validators) include the added kinds.
    from vftest import suite

    suite.schema_changed()
