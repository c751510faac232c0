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
from dataclasses import dataclass, field, replace
from typing import Any

from vftest.models import Case
from vftest.transcript import Transcript

__all__ = [
    "COVERAGE_EXCLUDE_TYPES",
    "COVERAGE_TRACE_TYPES",
    "REVEALED_TYPES",
    "Observation",
    "hide_coverage_traces",
    "hits_from_transcripts",
    "observe",
]

COVERAGE_EXCLUDE_TYPES: tuple[str, ...] = ("debug",)
COVERAGE_TRACE_TYPES: tuple[str, ...] = ("block", "flow", "path")
# What the default filter (`block, debug, flow`) removes and the coverage request lets through.
REVEALED_TYPES: tuple[str, ...] = ("block", "flow")


Move = tuple[str, str | None, str]  # (step, label of the last `path` trace between, next step)
Press = tuple[str, str | None, str | None, tuple[str, ...]]  # (type, intent, label, offered by)


@dataclass(slots=True)
class Observation:
    """What some played cases went through: plain data, so it travels on xdist reports."""

    steps: set[str] = field(default_factory=set)
    moves: set[Move] = field(default_factory=set)
    presses: set[Press] = field(default_factory=set)

    def update(self, other: Observation) -> None:
        """Add what `other` saw."""
        self.steps |= other.steps
        self.moves |= other.moves
        self.presses |= other.presses

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and sorted, for reports and the JSON file."""
        return {
            "steps": sorted(self.steps),
            "moves": sorted([list(m) for m in self.moves], key=repr),
            "presses": sorted([[t, i, lab, list(o)] for t, i, lab, o in self.presses], key=repr),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Observation:
        """The inverse of `to_dict`."""
        return cls(
            set(data.get("steps", ())),
            {(a, b, c) for a, b, c in data.get("moves", ())},
            {(t, i, lab, tuple(o)) for t, i, lab, o in data.get("presses", ())},
        )


def observe(transcripts: Iterable[Transcript]) -> Observation:
    """Steps, moves between steps and button presses, from the runtime's own traces.

    A move is two `block` traces in a row, with the last `path` trace between them (the
    runtime names the line it takes: `choice:2`, `choice:else`, `jump`...). The runtime opens a
    turn with the block of the step that waited, so a user's answer is a move from it; should a
    runtime not repeat it, the move starts from the previous turn's last step instead. A press
    is a request that a button sends, with the steps the previous turn went through (the button
    must have been on screen).
    """
    seen = Observation()
    for transcript in transcripts:
        previous_blocks: tuple[str, ...] = ()
        waiting: str | None = None
        for turn in transcript.turns:
            request = turn.action if isinstance(turn.action, dict) else None
            if request is not None and previous_blocks:
                press = _press(request, previous_blocks)
                if press is not None:
                    seen.presses.add(press)
            blocks: list[str] = []
            label: str | None = None
            for trace in turn.traces:
                payload = trace.get("payload")
                payload = payload if isinstance(payload, dict) else {}
                if trace.get("type") == "path" and isinstance(payload.get("path"), str):
                    label = payload["path"]
                elif trace.get("type") == "block" and isinstance(payload.get("blockID"), str):
                    block = payload["blockID"]
                    before = blocks[-1] if blocks else waiting
                    if before is not None and not (not blocks and before == block):
                        seen.moves.add((before, label, block))
                    blocks.append(block)
                    label = None
            seen.steps.update(blocks)
            previous_blocks = tuple(dict.fromkeys(blocks))
            waiting = blocks[-1] if blocks else waiting
    return seen


def _press(request: dict[str, Any], offered: tuple[str, ...]) -> Press | None:
    kind = request.get("type")
    # typed text, launch and no-reply are not buttons; every other request may be one
    if not isinstance(kind, str) or kind in ("text", "launch", "no-reply", "event"):
        return None
    payload: dict[str, Any] = request["payload"] if isinstance(request.get("payload"), dict) else {}
    intent: dict[str, Any] = payload["intent"] if isinstance(payload.get("intent"), dict) else {}
    name = intent.get("name") if isinstance(intent.get("name"), str) else None
    label = payload.get("label") if isinstance(payload.get("label"), str) else None
    return (kind, name if kind == "intent" else None, label, offered)


def hits_from_transcripts(transcripts: Iterable[Transcript]) -> set[str]:
    """The ids of every step a `block` trace reports in the given cases."""
    return observe(transcripts).steps


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
