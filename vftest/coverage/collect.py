"""Observe which steps a played case went through, from the runtime's own traces.

Both the local runtime and a hosted general-runtime emit a `block` trace for each step they run,
but filter it out unless the request's `config.excludeTypes` says otherwise. With coverage on,
vftest sends `COVERAGE_EXCLUDE_TYPES` (replacing the default `block, debug, flow`) and hides
the types that request adds (`REVEALED_TYPES`: `block`, `flow`) from matching, so expectations
behave exactly as without coverage (`path` traces arrive either way and stay as the suite says).

This one path serves the in-process runtime, a separate `vftest serve` and a hosted runtime
alike, so the three cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from vftest.models import Case
from vftest.transcript import Transcript

__all__ = [
    "COVERAGE_EXCLUDE_TYPES",
    "COVERAGE_TRACE_TYPES",
    "REVEALED_TYPES",
    "hide_coverage_traces",
    "hits_from_transcripts",
]

COVERAGE_EXCLUDE_TYPES: tuple[str, ...] = ("debug",)
COVERAGE_TRACE_TYPES: tuple[str, ...] = ("block", "flow", "path")
# What the default filter (`block, debug, flow`) removes and the coverage request lets through.
REVEALED_TYPES: tuple[str, ...] = ("block", "flow")


def hits_from_transcripts(transcripts: Iterable[Transcript]) -> set[str]:
    """The ids of every step a `block` trace reports in the given cases."""
    hits: set[str] = set()
    for transcript in transcripts:
        for turn in transcript.turns:
            for trace in turn.traces:
                if trace.get("type") != "block":
                    continue
                payload = trace.get("payload")
                block_id = payload.get("blockID") if isinstance(payload, dict) else None
                if isinstance(block_id, str):
                    hits.add(block_id)
    return hits


def hide_coverage_traces(case: Case) -> Case:
    """The case with the coverage trace types hidden from matching in every turn.

    Without coverage `block` and `flow` traces never arrive, so a suite that shows them (custom
    `hidden_types`) must not start seeing them because coverage asked for them.
    """
    turns = tuple(
        replace(turn, hidden_types=(*turn.hidden_types, *missing))
        if (missing := [t for t in REVEALED_TYPES if t not in turn.hidden_types])
        else turn
        for turn in case.turns
    )
    return replace(case, turns=turns)
