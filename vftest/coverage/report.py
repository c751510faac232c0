"""Coverage figures: per diagram hit/total, the missed steps, the TOTAL, table and JSON forms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from vftest.coverage.agent import Step

__all__ = ["CoverageReport", "DiagramCoverage"]


def _percent(hit: int, total: int) -> float:
    # An agent without steps is fully covered, as coverage.py treats an empty file.
    return 100.0 if total == 0 else 100.0 * hit / total


@dataclass(frozen=True, slots=True)
class DiagramCoverage:
    """One diagram's (or component's) steps, hit and missed."""

    name: str
    total: int
    missed: tuple[Step, ...]

    @property
    def hit(self) -> int:
        """Steps reached."""
        return self.total - len(self.missed)

    @property
    def percent(self) -> float:
        """Steps reached, in percent of the steps."""
        return _percent(self.hit, self.total)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """The agent's steps against the steps the cases went through."""

    agent: str
    diagrams: tuple[DiagramCoverage, ...]

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
        details = [s for d in self.diagrams for s in d.missed]
        if details:
            rows.append("missed steps:")
            rows.extend(
                f"  {s.diagram} {s.node_id} ({s.type})" + (f": {s.snippet}" if s.snippet else "")
                for s in details
            )
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
                }
                for d in self.diagrams
            ],
        }
