"""Frozen data models shared by every part of vftest.

Suites are parsed into `Suite -> Case -> Turn (Action + expectations)` after JSON-Schema
validation (see `suite.py`); running a case produces `CaseResult -> TurnResult -> Exchange`.
Traces stay plain JSON dicts (`Trace`): they are the runtime's data, not ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "Action",
    "ActionKind",
    "ApiGeneration",
    "ButtonMatch",
    "ButtonsMatch",
    "Capture",
    "CardMatch",
    "CarouselMatch",
    "Case",
    "CaseResult",
    "ContractSettings",
    "Defaults",
    "Exchange",
    "ExpectationResult",
    "Location",
    "Outcome",
    "SequenceMode",
    "Suite",
    "Target",
    "TextMatch",
    "TextOp",
    "Trace",
    "TraceExpectation",
    "Turn",
    "TurnResult",
    "ValueMatch",
    "VariableExpectation",
    "Violation",
]

Trace = dict[str, Any]
"""One trace exactly as the runtime sent it (`{"type": ..., "payload": ...}`)."""

JSON = Any
"""A JSON value as loaded from YAML or a response body."""


class ApiGeneration(StrEnum):
    """Which generation of the Conversations API a suite talks to."""

    V1 = "v1"
    V2 = "v2"
    V4 = "v4"


class SequenceMode(StrEnum):
    """How a turn's expected traces are laid against the received ones."""

    EXACT = "exact"  # the visible traces, one to one, in order
    IN_ORDER = "in_order"  # expected traces are a subsequence of the visible ones (default)
    UNORDERED = "unordered"  # each expected trace matches a distinct visible trace
    ANY = "any"  # each expected trace matches some visible trace (several may share one)


DEFAULT_HIDDEN_TYPES: tuple[str, ...] = ("path", "debug", "flow", "block", "log")


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a suite file: path as given and 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


# --------------------------------------------------------------------------- suite settings


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Where a suite's conversations run.

    `project` (a local .vfr, resolved to an absolute path) selects the embedded local runtime
    when no `url` is given; `url` points at a hosted or self-run runtime.
    """

    project: str | None = None
    # One agent file per environment (`project: {development: a.vfr, production: b.vfr}`),
    # absolute paths; empty when `project` is one file.
    projects: Mapping[str, str] = field(default_factory=dict)
    url: str | None = None
    api: ApiGeneration = ApiGeneration.V1
    stream: bool = False
    environment: str = "development"
    project_id: str | None = None
    api_key_env: str = "VOICEFLOW_API_KEY"
    explicit: frozenset[str] = frozenset()  # keys the suite set (the rest are defaults)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractSettings:
    """How traces and actions are checked against the OpenAPI contract."""

    spec: str = "auto"  # "auto" | "v4" | "dm-1.1" | path to a user's OpenAPI file
    on_violation: Literal["fail", "warn", "off"] = "fail"
    unknown_traces: Literal["allow", "warn", "fail"] = "warn"
    custom_traces: tuple[str, ...] = ()
    explicit: frozenset[str] = frozenset()  # keys the suite set (the rest are defaults)


@dataclass(frozen=True, slots=True, kw_only=True)
class Defaults:
    """Suite-wide defaults for matching; a turn or expectation may override them."""

    mode: SequenceMode = SequenceMode.IN_ORDER
    hidden_types: tuple[str, ...] = DEFAULT_HIDDEN_TYPES
    threshold: float = 0.85
    scorer: str = "ratio"
    ignore_case: bool = False
    timeout: float = 30.0


# --------------------------------------------------------------------------- matchers (data)


class TextOp(StrEnum):
    """How a text matcher compares."""

    EQUALS = "equals"  # whitespace-normalised equality
    CONTAINS = "contains"
    REGEX = "regex"  # re.search
    SIMILAR = "similar"  # fuzzy score >= threshold
    SEMANTIC = "semantic"  # embedding cosine similarity >= threshold (vftest.semantic)
    ANY_OF = "any_of"  # any alternative matches


@dataclass(frozen=True, slots=True, kw_only=True)
class TextMatch:
    """A matcher for one piece of text (message, label, title, image URL...)."""

    op: TextOp
    value: str = ""
    alternatives: tuple[TextMatch, ...] = ()
    threshold: float = 0.85
    scorer: str = "ratio"
    ignore_case: bool = False
    negate: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueMatch:
    """A matcher for a session variable's value."""

    op: Literal["equals", "present", "text"]
    value: JSON = None  # for "equals": the expected value; for "present": True/False
    text: TextMatch | None = None  # for "text": applied to str(value)
    negate: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonMatch:
    """One expected button: its label and/or (a partial structure of) the request it sends."""

    label: TextMatch | None = None
    request: JSON = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonsMatch:
    """Expected buttons of a choice, card or carousel card."""

    buttons: tuple[ButtonMatch, ...] = ()
    mode: Literal["exact", "subset", "in_order"] = "exact"
    count: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CardMatch:
    """Expected fields of a cardV2 trace or one carousel card (all optional)."""

    title: TextMatch | None = None
    description: TextMatch | None = None
    image: TextMatch | None = None
    buttons: ButtonsMatch | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CarouselMatch:
    """Expected carousel: layout, number of cards and the cards (in order)."""

    layout: str | None = None
    count: int | None = None
    cards: tuple[CardMatch, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceExpectation:
    """One expected (or, under `absent`, forbidden) trace.

    `trace_type` is the wire type it matches (`text`, `cardV2`, or a custom action's name);
    every other field is optional and narrows the match.
    """

    kind: str  # the item's key: a kind of vftest.kinds (built in or added by a plugin)
    trace_type: str | None  # None: any type (kind "trace" without a type)
    location: Location
    spec: Any = None  # what the kind built from the item's value (a TextMatch, ButtonsMatch...)
    payload: JSON = None  # partial structure the payload must contain (deepdiff)
    present: bool = True  # `end: false` means "no end trace" (same as listing it in absent)


@dataclass(frozen=True, slots=True, kw_only=True)
class VariableExpectation:
    """A session variable to check after a turn."""

    name: str
    match: ValueMatch
    location: Location


@dataclass(frozen=True, slots=True, kw_only=True)
class Capture:
    """A value saved after a turn, for `{{name}}` in later turns of the same case.

    From a variable (`variable`), or from the first visible trace of `trace_type` (any type when
    None) through a JSONPath (`path`, default `$.payload.message`) and/or a regex group.
    """

    name: str
    location: Location
    variable: str | None = None
    trace_type: str | None = None
    path: str | None = None
    regex: str | None = None
    group: int | str = 1


ActionKind = Literal["launch", "text", "button", "intent", "event", "no_reply", "raw"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """The user's side of a turn, before templating and button resolution."""

    kind: ActionKind
    text: str | None = None  # text
    label: str | None = None  # button: label to find in the previous turn's buttons
    index: int | None = None  # button: position, when labels repeat
    intent: str | None = None  # intent name
    entities: dict[str, str] = field(default_factory=dict)
    confidence: float | None = None
    event: str | None = None  # event name
    payload: JSON = None  # launch payload, or raw action payload
    raw: JSON = None  # raw `action:` sent as-is (after templating)


@dataclass(frozen=True, slots=True, kw_only=True)
class Judgement:
    """`judge:` on a turn (its last reply) or a case (the whole conversation): an LLM's verdict."""

    rubric: str
    line: int
    min_score: float | None = None  # also require the judge's score to reach this


@dataclass(frozen=True, slots=True, kw_only=True)
class Turn:
    """One user action and what must come back."""

    index: int
    action: Action
    location: Location  # the turn's first line
    end_line: int  # last line of the turn in the file (for the source excerpt)
    set_variables: dict[str, JSON] = field(default_factory=dict)
    expect: tuple[TraceExpectation, ...] = ()
    mode: SequenceMode = SequenceMode.IN_ORDER
    absent: tuple[TraceExpectation, ...] = ()
    expect_variables: tuple[VariableExpectation, ...] = ()
    capture: tuple[Capture, ...] = ()
    hidden_types: tuple[str, ...] = DEFAULT_HIDDEN_TYPES
    # Whether expect / absent / expect_variables hold `{{name}}` to fill in at run time.
    templated_expectations: bool = False
    judge: Judgement | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mask:
    """A volatile value kept out of baselines: a JSONPath into a turn record, optional regex."""

    path: str
    regex: str | None = None
    replace: str = "<masked>"


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineSettings:
    """How a case is compared with its recorded baseline (docs/baselines.md)."""

    enabled: bool | None = None  # None: not said; `--vftest-baseline` decides
    threshold: float = 1.0  # texts: lowest similarity still equal (1.0: exact)
    scorer: str = "ratio"
    masks: tuple[Mask, ...] = ()
    variables: tuple[str, ...] = ()  # session variables recorded after each turn


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One conversation: a fresh user plays its turns in order."""

    name: str
    location: Location
    turns: tuple[Turn, ...]
    description: str = ""
    tags: tuple[str, ...] = ()
    variables: dict[str, JSON] = field(default_factory=dict)
    skip: str | None = None
    xfail: str | None = None
    environments: tuple[str, ...] = ()  # empty: every environment
    baseline: BaselineSettings = field(default_factory=BaselineSettings)  # suite's merged in
    repeat: int = 1  # play the case this many times, each from a fresh user
    pass_rate: float = 1.0  # share of the repetitions that must pass
    judge: Judgement | None = None  # over the whole conversation, after the last turn


@dataclass(frozen=True, slots=True, kw_only=True)
class Suite:
    """One `*.vftest.yaml` file."""

    path: str
    name: str
    cases: tuple[Case, ...]
    target: Target = field(default_factory=Target)
    contract: ContractSettings = field(default_factory=ContractSettings)
    defaults: Defaults = field(default_factory=Defaults)
    variables: dict[str, JSON] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()  # the suite's matrix: each case runs once per entry
    lines: tuple[str, ...] = ()  # the file's text, for source excerpts in failures
    # Absolute path of the file; `path` is only how it is shown (relative to pytest's rootdir).
    # Files a run writes next to the suite (baselines) go relative to this one.
    file: str = ""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One interact call as it happened on the wire (API key never stored)."""

    method: str
    url: str
    request_body: JSON
    status: int
    traces: list[Trace]
    latency: float  # seconds, request sent -> response complete
    first_trace: float | None = None  # seconds to the first trace (streaming only)
    completion_chunks: tuple[Trace, ...] = ()  # raw completion traces, kept when assembled
    state: JSON = None  # session state when the API returned it (verbose / state=true)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectationResult:
    """The verdict on one expectation (trace, absent, variable, capture)."""

    ok: bool
    label: str  # e.g. 'text ~ "Your order has shipped" (similarity >= 0.85)'
    where: str  # e.g. "expect[0]", "absent[1]", "variables.order_id"
    line: int  # 1-based line in the suite file
    details: tuple[str, ...] = ()  # closest candidate, score, -/+ diff lines
    trace_index: int | None = None  # the trace that matched (or was closest)
    summary: str = ""  # short reason for a report's first line, e.g. "closest was 0.62"


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    """A trace or action that does not fit the contract."""

    message: str
    subject: str  # "trace #2 (choice)" or "action"
    json_path: str  # "$.payload.buttons[0]"
    keyword: str  # schema keyword that failed ("required", "type"...)
    schema_path: str  # "#/components/schemas/ChoiceTrace/properties/payload"
    value: str  # the offending value, JSON, truncated
    schema: str = ""  # the failing sub-schema, JSON, truncated
    count: int = 1  # identical violations grouped


Outcome = Literal["passed", "failed", "error", "skipped"]


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnResult:
    """What one turn sent, received and how each expectation fared."""

    turn: Turn
    request: JSON  # the action as sent, after templating and button resolution
    exchange: Exchange | None
    expectations: tuple[ExpectationResult, ...] = ()
    violations: tuple[Violation, ...] = ()
    # Contract notices that never fail a case: trace types the contract does not know and the
    # suite did not declare, under `unknown_traces: warn`.
    warnings: tuple[Violation, ...] = ()
    variables: JSON = None  # session variables read after the turn (when needed)

    @property
    def ok(self) -> bool:
        """True when every expectation of the turn held."""
        return all(result.ok for result in self.expectations)


@dataclass(frozen=True, slots=True, kw_only=True)
class Repetition:
    """One play of a case played several times (`repeat:`)."""

    outcome: Outcome
    user_id: str
    message: str = ""  # the first line of its failure or error ("" when it passed)
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseResult:
    """The outcome of one case, with everything a failure report needs."""

    case: Case
    suite: Suite
    user_id: str
    outcome: Outcome
    turns: tuple[TurnResult, ...] = ()
    error: str | None = None  # infrastructure error, already redacted
    error_kind: str | None = None
    version: str = ""  # the environment (version alias) the case ran against
    api: str = ""  # the API generation it talked ("v1" | "v2" | "v4")
    duration: float = 0.0
    contract_mode: Literal["fail", "warn", "off"] = "fail"
    attempts: int = 1  # > 1 when infrastructure errors made the case rerun from a fresh user
    # Every play of a case with `repeat:` > 1; the rest of the result is one of them (the
    # first failure when the pass rate was missed, else the first pass).
    repetitions: tuple[Repetition, ...] = ()
    contract: str = ""  # the contract the traces were checked against ("" when none)
    # Traces, by type, of runtime built-ins that contract does not cover (not checked).
    uncovered: Mapping[str, int] = field(default_factory=dict)

    @property
    def violations(self) -> int:
        """Number of contract violations seen in the case (grouped ones counted once each)."""
        return sum(len(turn.violations) for turn in self.turns)
