"""ANSI colour for reports, applied only when the caller asks for it.

`should_color` is the one place deciding from the stream and environment (NO_COLOR, FORCE_COLOR,
TTY); renderers take a plain `color: bool` so their output is reproducible in tests.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

__all__ = [
    "bold",
    "dim",
    "green",
    "paint",
    "red",
    "should_color",
    "strip_ansi",
    "yellow",
]

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_RESET = "\x1b[0m"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _Stream(Protocol):
    def isatty(self) -> bool: ...


def should_color(stream: _Stream, env: Mapping[str, str]) -> bool:
    """Whether to colour output on `stream`.

    NO_COLOR (set and non-empty, no-color.org) wins, then FORCE_COLOR (set and non-empty,
    force-color.org); otherwise colour a TTY unless TERM is `dumb`. Same order as pytest.
    """
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed or fake streams
        return False
    return tty and env.get("TERM") != "dumb"


def paint(text: str, *styles: str, color: bool) -> str:
    """Wrap `text` in the named styles (`bold`, `dim`, `red`...) when `color` is true."""
    if not color or not styles or not text:
        return text
    codes = ";".join(_CODES[s] for s in styles)
    return f"\x1b[{codes}m{text}{_RESET}"


def red(text: str, color: bool) -> str:
    """Failures and expected-but-missing text."""
    return paint(text, "red", color=color)


def green(text: str, color: bool) -> str:
    """Passes and received text."""
    return paint(text, "green", color=color)


def yellow(text: str, color: bool) -> str:
    """Warnings and the marked source lines."""
    return paint(text, "yellow", color=color)


def bold(text: str, color: bool) -> str:
    """The verdict line."""
    return paint(text, "bold", color=color)


def dim(text: str, color: bool) -> str:
    """Context the reader can skip (hidden traces)."""
    return paint(text, "dim", color=color)


def strip_ansi(text: str) -> str:
    """Remove colour codes, e.g. to measure or compare coloured output."""
    return _ANSI.sub("", text)
