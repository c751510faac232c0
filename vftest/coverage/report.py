"""Coverage figures: steps per diagram, paths, intents and buttons; table and JSON forms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vftest.coverage.agent import Agent, Step
from vftest.coverage.collect import Observation
from vftest.coverage.ports import Button, Path

__all__ = ["CoverageReport", "DiagramCoverage", "PartCoverage"]


def _percent(hit: int, total: int) -> float:
    # An agent without steps is fully covered, as coverage.py treats an empty file.
    return 100.0 if total == 0 else 100.0 * hit / total


@dataclass(frozen=True, slots=True)
class DiagramCoverage:
    """One diagram's (or component's) steps, hit and missed."""

    name: str
    total: int
    missed: tuple[Step, ...]
    steps: tuple[Step, ...] = ()  # every step, in file order (the HTML report draws them)

    @property
    def hit(self) -> int:
        """Steps reached."""
        return self.total - len(self.missed)

    @property
    def percent(self) -> float:
        """Steps reached, in percent of the steps."""
        return _percent(self.hit, self.total)


@dataclass(frozen=True, slots=True)
class PartCoverage:
    """Paths, intents or buttons: how many there are and which ones nothing reached."""

    name: str  # "paths", "intents", "buttons"
    total: int
    missed: tuple[dict[str, str], ...]  # JSON-ready, each with a `shown` line for the table

    @property
    def hit(self) -> int:
        """Items reached."""
        return self.total - len(self.missed)

    @property
    def percent(self) -> float:
        """Items reached, in percent."""
        return _percent(self.hit, self.total)

    def to_dict(self) -> dict[str, Any]:
        """The JSON file's entry."""
        return {
            "total": self.total,
            "hit": self.hit,
            "percent": round(self.percent, 2),
            "missed": [{k: v for k, v in m.items() if k != "shown"} for m in self.missed],
        }


def _path_taken(path: Path, seen: Observation) -> bool:
    # a runtime that sends no `path` trace (label None) still shows the move between the steps
    return any(
        start == path.node_id
        and end == path.target
        and (label is None or path.trace in (None, label))
        for start, label, end in seen.moves
    )


def _pressed(button: Button, seen: Observation) -> bool:
    # An intent button and a typed intent send the same request but for the label: without
    # it, the user typed. A `path-...` request only ever comes from a button.
    return any(
        button.node_id in offered
        and kind == button.request_type
        and (button.intent is None or intent == button.intent)
        and (
            label == button.label
            or "{" in button.label  # a templated label cannot be compared
            or (label is None and button.intent is None)
        )
        for kind, intent, label, offered in seen.presses
    )


def _matched_intents(agent: Agent, seen: Observation) -> set[str]:
    matched = {line.intent for line in agent.lines if line.intent and _path_taken(line, seen)}
    for _start, label, end in seen.moves:
        if label in ("jump", "push"):
            matched.update(intent for intent, target in agent.commands if target == end)
    return matched


def _parts(agent: Agent, seen: Observation) -> tuple[PartCoverage, ...]:
    paths = tuple(
        {"step": p.node_id, "diagram": p.diagram, "path": p.name, "target": p.target,
         "shown": f"{p.diagram} {p.node_id} -> {p.target}: {p.name}"}
        for p in agent.paths if not _path_taken(p, seen)
    )  # fmt: skip
    matched = _matched_intents(agent, seen)
    intents = tuple({"intent": i, "shown": i} for i in agent.intents if i not in matched)
    buttons = tuple(
        {"step": b.node_id, "diagram": b.diagram, "label": b.label,
         "shown": f"{b.diagram} {b.node_id}: '{b.label}'"}
        for b in agent.buttons if not _pressed(b, seen)
    )  # fmt: skip
    return (
        PartCoverage("paths", len(agent.paths), paths),
        PartCoverage("intents", len(agent.intents), intents),
        PartCoverage("buttons", len(agent.buttons), buttons),
    )


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """The agent's steps, paths, intents and buttons against what the cases went through."""

    agent: str
    diagrams: tuple[DiagramCoverage, ...]
    parts: tuple[PartCoverage, ...] = ()

    @classmethod
    def of(cls, name: str, agent: Agent, seen: Observation) -> CoverageReport:
        """Everything coverage counts, for the agent shown as `name`."""
        steps = cls.build(name, agent.steps, seen.steps)
        return cls(name, steps.diagrams, _parts(agent, seen))

    @classmethod
    def build(cls, agent: str, steps: Sequence[Step], hits: Iterable[str]) -> CoverageReport:
        """Group `steps` by diagram (file order) and mark those not in `hits` as missed."""
        hit = set(hits)
        names: list[str] = []
        by_name: dict[str, list[Step]] = {}
        for step in steps:
            if step.diagram not in by_name:
                names.append(step.diagram)
                by_name[step.diagram] = []
            by_name[step.diagram].append(step)
        diagrams = tuple(
            DiagramCoverage(
                name,
                len(by_name[name]),
                tuple(step for step in by_name[name] if step.node_id not in hit),
                tuple(by_name[name]),
            )
            for name in names
        )
        return cls(agent, diagrams)

    @property
    def total(self) -> int:
        """Steps of the agent."""
        return sum(d.total for d in self.diagrams)

    @property
    def hit(self) -> int:
        """Steps reached."""
        return sum(d.hit for d in self.diagrams)

    @property
    def percent(self) -> float:
        """Steps reached, in percent of the steps."""
        return _percent(self.hit, self.total)

    def table(self) -> list[str]:
        """Rows like pytest-cov's `term-missing`: per diagram, TOTAL, then the missed steps.

        Each missed step shows its type and the first words on its card, so a designer finds it.
        """
        width = max([len("TOTAL"), len("Diagram"), *(len(d.name) for d in self.diagrams)])
        head = f"{'Diagram':<{width}}  {'Steps':>5}  {'Miss':>5}  {'Cover':>6}  Missing"
        rows = [f"agent: {self.agent}", head, "-" * len(head)]
        for d in self.diagrams:
            missing = ", ".join(s.node_id for s in d.missed)
            cover = f"{d.percent:>5.1f}%"
            row = f"{d.name:<{width}}  {d.total:>5}  {len(d.missed):>5}  {cover}  {missing}"
            rows.append(row.rstrip())
        rows.append("-" * len(head))
        missed = self.total - self.hit
        rows.append(f"{'TOTAL':<{width}}  {self.total:>5}  {missed:>5}  {self.percent:>5.1f}%")
        for part in self.parts:
            cover = f"{part.percent:>5.1f}%"
            name = part.name.capitalize()
            rows.append(f"{name:<{width}}  {part.total:>5}  {len(part.missed):>5}  {cover}")
        details = [s for d in self.diagrams for s in d.missed]
        if details:
            rows.append("missed steps:")
            rows.extend(
                f"  {s.diagram} {s.node_id} ({s.type})" + (f": {s.snippet}" if s.snippet else "")
                for s in details
            )
        for part in self.parts:
            if part.missed:
                rows.append(f"missed {part.name}:")
                rows.extend(f"  {m['shown']}" for m in part.missed)
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON file's content."""
        return {
            "agent": self.agent,
            "steps": {"total": self.total, "hit": self.hit, "percent": round(self.percent, 2)},
            "diagrams": [
                {
                    "name": d.name,
                    "total": d.total,
                    "hit": d.hit,
                    "percent": round(d.percent, 2),
                    "missed": [
                        {"id": s.node_id, "type": s.type, "snippet": s.snippet} for s in d.missed
                    ],
                    "steps": [
                        {
                            "id": s.node_id,
                            "type": s.type,
                            "snippet": s.snippet,
                            "hit": s not in d.missed,
                        }
                        for s in d.steps
                    ],
                }
                for d in self.diagrams
            ],
            **{part.name: part.to_dict() for part in self.parts},
        }
