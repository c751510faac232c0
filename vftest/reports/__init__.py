"""Reports of a run for people and tools: transcripts as text, JSON results, Markdown, HTML.

Every format reads the same data: one entry per case (its pytest node id and outcome, the
failure's first line, and its `Transcript` as a dict), built in `results.py`. Adding a format is
one module with a `render_*` function plus its option in the plugin (`plugin/.../reports.py`).
"""

from __future__ import annotations

from vftest.reports.html import render_html
from vftest.reports.markdown import render_markdown
from vftest.reports.results import RESULTS_SCHEMA_VERSION, build_results, case_entry
from vftest.reports.text import render_transcript

__all__ = [
    "RESULTS_SCHEMA_VERSION",
    "build_results",
    "case_entry",
    "render_html",
    "render_markdown",
    "render_transcript",
]
