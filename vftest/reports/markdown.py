"""A short Markdown summary of a run, for a pull-request comment or a GitHub step summary.

### vftest: 2 failed, 37 passed
development · v1 · 40 cases in 2.1 s

| | case | first problem |
|---|---|---|
| ❌ | `suites/orders.vftest.yaml::x` | turn 3 of 4: expected text ... |
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["render_markdown"]

_ICONS = {"failed": "❌", "error": "⚠️", "xpassed": "❗"}
MAX_LISTED = 50


def render_markdown(results: Mapping[str, Any]) -> str:
    """The summary: a title with the counts, run facts, and a table of what went wrong."""
    counts = results["counts"]
    shown = [
        f"{counts[key]} {key if key != 'error' else 'errors'}"
        for key in ("failed", "error", "xpassed", "passed", "xfailed", "skipped")
        if counts.get(key)
    ]
    bad = [c for c in results["cases"] if c["outcome"] in _ICONS]
    title = "vftest: " + (", ".join(shown) or "no cases")
    facts = " · ".join(
        part
        for part in (
            ", ".join(results["environments"]),
            ", ".join(results["apis"]),
            f"{len(results['cases'])} cases in {results['duration']:.1f} s",
        )
        if part
    )
    lines = [f"### {'✅ ' if not bad else ''}{title}", "", facts, ""]
    if bad:
        lines += ["| | case | first problem |", "|---|---|---|"]
        for case in bad[:MAX_LISTED]:
            message = _cell(case["message"] or case["outcome"])
            lines.append(f"| {_ICONS[case['outcome']]} | `{_cell(case['nodeid'])}` | {message} |")
        if len(bad) > MAX_LISTED:
            lines.append(f"| | … and {len(bad) - MAX_LISTED} more | |")
        lines.append("")
    return "\n".join(lines)


def _cell(text: str) -> str:
    # A table cell is one line; a pipe would end it.
    flat = " ".join(text.split()).replace("|", "\\|").replace("`", "'")
    return flat if len(flat) <= 200 else flat[:199] + "…"
