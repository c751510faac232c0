"""The normalised record of one played case: what was sent, what came back, each verdict.

A `Transcript` is built once from a `CaseResult` (`Transcript.from_result`) and is what every
consumer reads: the terminal and file reports, baselines and the cross-environment diff, agent
coverage, the JSON results. It is compact on purpose: the wire details a failure report needs
only while the case is being reported (request bodies with state, raw completion chunks) are
dropped; every trace received is kept, with the types the suite hides, so `visible` traces are
derived rather than stored twice.

It round-trips through plain JSON (`to_dict` / `from_dict`) so pytest-xdist workers can send
it to the controller and reports can be merged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from vftest.models import CaseResult, ExpectationResult, Outcome, Trace, TurnResult, Violation

__all__ = ["Transcript", "TranscriptTurn"]

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class TranscriptTurn:
    """One turn as it happened: the action sent, the traces received, the verdicts."""

    index: int
    line: int  # the turn's first line in the suite file
    action: Any  # the action as sent (after templating and button resolution); None if unsent
    # Every trace received, hidden types included, as compact JSON: parsed trace dicts take
    # about five times the memory, and a long run keeps every transcript to the end.
    traces_json: str = "[]"
    hidden_types: tuple[str, ...] = ()
    verdicts: tuple[ExpectationResult, ...] = ()
    violations: tuple[Violation, ...] = ()
    warnings: tuple[Violation, ...] = ()
    variables: Any = None  # session variables read after the turn, when the suite needed them
    latency: float | None = None  # seconds from request to complete response; None if unsent
    status: int | None = None  # HTTP status of the interact call; None if unsent

    @property
    def sent(self) -> bool:
        """Whether the action reached the runtime."""
        return self.status is not None

    @property
    def ok(self) -> bool:
        """Every expectation of the turn held (contract violations are judged by the case)."""
        return all(verdict.ok for verdict in self.verdicts)

    @property
    def traces(self) -> list[Trace]:
        """Every trace received, hidden types included (parsed anew on each access)."""
        traces: list[Trace] = json.loads(self.traces_json)
        return traces

    @property
    def visible(self) -> tuple[Trace, ...]:
        """The traces a user would see: those whose type the suite does not hide."""
        hidden = self.hidden_types
        return tuple(trace for trace in self.traces if trace.get("type") not in hidden)

    @classmethod
    def from_result(cls, result: TurnResult) -> TranscriptTurn:
        """The compact record of a turn result."""
        exchange = result.exchange
        return cls(
            index=result.turn.index,
            line=result.turn.location.line,
            action=result.request,
            traces_json=_compact(exchange.traces) if exchange else "[]",
            hidden_types=result.turn.hidden_types,
            verdicts=result.expectations,
            violations=result.violations,
            warnings=result.warnings,
            variables=result.variables,
            latency=exchange.latency if exchange else None,
            status=exchange.status if exchange else None,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON (lists for tuples)."""
        return {
            "index": self.index,
            "line": self.line,
            "action": self.action,
            "traces": self.traces,
            "hidden_types": list(self.hidden_types),
            "verdicts": [asdict(verdict) for verdict in self.verdicts],
            "violations": [asdict(violation) for violation in self.violations],
            "warnings": [asdict(warning) for warning in self.warnings],
            "variables": self.variables,
            "latency": self.latency,
            "status": self.status,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TranscriptTurn:
        """The inverse of `to_dict`."""
        return cls(
            index=data["index"],
            line=data["line"],
            action=data["action"],
            traces_json=_compact(data["traces"]),
            hidden_types=tuple(data["hidden_types"]),
            verdicts=tuple(_verdict(item) for item in data["verdicts"]),
            violations=tuple(_violation(item) for item in data["violations"]),
            warnings=tuple(_violation(item) for item in data["warnings"]),
            variables=data["variables"],
            latency=data["latency"],
            status=data["status"],
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """One played case (one attempt that counted): identity, outcome and turns."""

    suite_path: str
    suite_name: str
    case_name: str
    line: int  # the case's first line in the suite file
    tags: tuple[str, ...]
    description: str
    xfail: str | None  # the suite's reason when the case is expected to fail
    user_id: str
    environment: str
    api: str  # "v1" | "v2" | "v4"
    outcome: Outcome
    turns: tuple[TranscriptTurn, ...]
    planned_turns: int  # turns the case has; more than len(turns) when it stopped early
    error: str | None = None  # infrastructure error, already redacted
    error_kind: str | None = None
    duration: float = 0.0  # seconds the case took to play (not the wait to report it)
    attempts: int = 1
    contract: str = ""  # the contract its traces were checked against
    uncovered: Mapping[str, int] = field(default_factory=dict)  # built-in types it does not cover
    # `repeat:` > 1: every play (outcome, user_id, message, duration) and the rate required;
    # the turns are those of one play (the first failure when the rate was missed).
    repetitions: tuple[Mapping[str, Any], ...] = ()
    pass_rate: float = 1.0

    @property
    def failing_turn(self) -> TranscriptTurn | None:
        """The turn that decided a failure: the first with a failed expectation, if any."""
        return next((turn for turn in self.turns if not turn.ok), None)

    @property
    def violation_count(self) -> int:
        """Contract violations seen in the case (grouped ones counted once each)."""
        return sum(len(turn.violations) for turn in self.turns)

    @classmethod
    def from_result(cls, result: CaseResult) -> Transcript:
        """Build the record every report, baseline and coverage reader uses."""
        case = result.case
        return cls(
            suite_path=result.suite.path,
            suite_name=result.suite.name,
            case_name=case.name,
            line=case.location.line,
            tags=case.tags,
            description=case.description,
            xfail=case.xfail,
            user_id=result.user_id,
            environment=result.version,
            api=result.api,
            outcome=result.outcome,
            turns=tuple(TranscriptTurn.from_result(turn) for turn in result.turns),
            planned_turns=len(case.turns),
            error=result.error,
            error_kind=result.error_kind,
            duration=result.duration,
            attempts=result.attempts,
            contract=result.contract,
            uncovered=dict(result.uncovered),
            repetitions=tuple(asdict(r) for r in result.repetitions),
            pass_rate=case.pass_rate,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON, stamped with the schema version."""
        return {
            "schema_version": SCHEMA_VERSION,
            "suite_path": self.suite_path,
            "suite_name": self.suite_name,
            "case_name": self.case_name,
            "line": self.line,
            "tags": list(self.tags),
            "description": self.description,
            "xfail": self.xfail,
            "user_id": self.user_id,
            "environment": self.environment,
            "api": self.api,
            "outcome": self.outcome,
            "turns": [turn.to_dict() for turn in self.turns],
            "planned_turns": self.planned_turns,
            "error": self.error,
            "error_kind": self.error_kind,
            "duration": self.duration,
            "attempts": self.attempts,
            "contract": self.contract,
            "uncovered": dict(self.uncovered),
            "repetitions": [dict(r) for r in self.repetitions],
            "pass_rate": self.pass_rate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Transcript:
        """The inverse of `to_dict`; refuses a record of another schema version."""
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"transcript schema version {version!r}, expected {SCHEMA_VERSION}")
        return cls(
            suite_path=data["suite_path"],
            suite_name=data["suite_name"],
            case_name=data["case_name"],
            line=data["line"],
            tags=tuple(data["tags"]),
            description=data["description"],
            xfail=data["xfail"],
            user_id=data["user_id"],
            environment=data["environment"],
            api=data["api"],
            outcome=data["outcome"],
            turns=tuple(TranscriptTurn.from_dict(turn) for turn in data["turns"]),
            planned_turns=data["planned_turns"],
            error=data["error"],
            error_kind=data["error_kind"],
            duration=data["duration"],
            attempts=data["attempts"],
            contract=data.get("contract", ""),
            uncovered=dict(data.get("uncovered", {})),
            repetitions=tuple(dict(r) for r in data.get("repetitions", ())),
            pass_rate=float(data.get("pass_rate", 1.0)),
        )


def _compact(traces: list[Trace]) -> str:
    # allow_nan: keep whatever the runtime sent (Python read NaN in), not fail on it.
    return json.dumps(traces, ensure_ascii=False, separators=(",", ":"))


def _verdict(data: Mapping[str, Any]) -> ExpectationResult:
    return ExpectationResult(**{**data, "details": tuple(data.get("details", ()))})


def _violation(data: Mapping[str, Any]) -> Violation:
    return Violation(**data)
