"""The run's results as data: the one input of the JSON, Markdown and HTML reports.

`case_entry` describes one case as pytest decided it (node id, outcome, the failure's first line
and full text) with its transcript; `build_results` wraps the entries with counts and run facts.
The shape is versioned (`RESULTS_SCHEMA_VERSION`) and published as JSON Schema in
`vftest/resources/results.schema.json`, so dashboards can rely on it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import vftest

__all__ = ["OUTCOMES", "RESULTS_SCHEMA_VERSION", "build_results", "case_entry"]

RESULTS_SCHEMA_VERSION = 1
OUTCOMES = ("passed", "failed", "error", "xfailed", "xpassed", "skipped", "not run", "rerun")


def case_entry(
    *,
    nodeid: str,
    outcome: str,
    message: str = "",
    failure: str = "",
    transcript: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One case: what pytest decided, why, and what was said (transcript dict or None)."""
    return {
        "nodeid": nodeid,
        "outcome": outcome,
        "message": message,
        "failure": failure,
        "transcript": dict(transcript) if transcript is not None else None,
    }


def build_results(
    entries: Iterable[Mapping[str, Any]], *, duration: float, started: float
) -> dict[str, Any]:
    """The whole run: counts by outcome, the environments and APIs used, every case."""
    cases = sorted(entries, key=lambda e: e["nodeid"])
    counts = Counter(e["outcome"] for e in cases)
    transcripts = [e["transcript"] for e in cases if e["transcript"]]
    return {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "vftest_version": vftest.__version__,
        "started": datetime.datetime.fromtimestamp(started, datetime.UTC).isoformat(),
        "duration": round(duration, 3),
        "counts": {outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        "environments": sorted({t["environment"] for t in transcripts}),
        "apis": sorted({t["api"] for t in transcripts}),
        "cases": cases,
    }
