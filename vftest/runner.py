"""Play one case: a fresh user, state reset, turns in order, expectations and contract checked.

The conversation stops at the first failing turn (later turns depend on its state), but every
expectation of that turn is reported. Infrastructure faults end the case as an *error*; an
authentication fault also trips a breaker so the remaining cases do not hammer the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, TypeVar, cast

import httpx

from vftest.actions import ButtonNotFound, build_action
from vftest.capture import CaptureError, extract
from vftest.client import ClientSettings, Conversation, RequestGate, open_conversation
from vftest.contract import Contract, check_traces
from vftest.errors import (
    AuthError,
    ConfigError,
    InfrastructureError,
    NoAnswerError,
    VftestError,
)
from vftest.judging import judge_turn
from vftest.llm.services import LLMServices
from vftest.matchers import match_turn, match_variables
from vftest.models import (
    Case,
    CaseResult,
    ContractSettings,
    Exchange,
    ExpectationResult,
    Outcome,
    Suite,
    Trace,
    Turn,
    TurnResult,
    Violation,
)
from vftest.redact import redact
from vftest.semantic import match_by_meaning
from vftest.templating import TemplateError, render

__all__ = ["AuthBreaker", "CaseContext", "make_user_id", "new_run_id", "run_case"]

T = TypeVar("T")


def new_run_id() -> str:
    """A short id shared by every user id of one run (find a run's sessions in transcripts)."""
    return secrets.token_hex(3)


def make_user_id(run_id: str, case_name: str) -> str:
    """`vftest-<run>-<case-slug>-<random>`: unique per run and case, readable in transcripts."""
    slug = re.sub(r"[^a-z0-9]+", "-", case_name.casefold()).strip("-")[:40].rstrip("-")
    return f"vftest-{run_id}-{slug or 'case'}-{secrets.token_hex(3)}"


@dataclass
class AuthBreaker:
    """Per target: the first authentication failure, so later cases fail fast with it.

    It also makes the first case against a target reset its user's state before its turns: one
    round trip that proves the key and URL (a clear, early failure when they are wrong) while
    the other cases wait for it. Later cases skip the reset: their user ids are new and
    unguessable, so there is no state to clear (one request in six saved on a 5-turn case).
    """

    message: str | None = None
    kind: str = AuthError.kind  # what the cases not sent report: "auth", or "transport"
    access_checked: bool = False
    # A runtime that takes connections and never answers would cost every case its full
    # timeout: after this many cases in a row end without an answer, the rest are not sent.
    max_silent: int = 3
    silent: int = 0
    _first_contact: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def start(self, conversation: Conversation, variables: dict[str, Any]) -> bool:
        """Start `conversation`, checking access first if no case has done so yet.

        Returns False, without starting, when the check failed while this case waited.
        """
        if not self.access_checked:
            async with self._first_contact:
                if self.message is not None:
                    return False
                if not self.access_checked:
                    await conversation.start(variables, reset=True)
                    self.access_checked = True
                    return True
        await conversation.start(variables, reset=False)
        return True

    def record(self, error: VftestError | None, timeout: float) -> None:
        """Count a case that got no answer (`NoAnswerError`); any answer resets the count."""
        if not isinstance(error, NoAnswerError):
            self.silent = 0
            return
        self.silent += 1
        if self.max_silent and self.silent >= self.max_silent and self.message is None:
            self.kind = error.kind
            self.message = (
                f"{self.silent} cases in a row got no answer within {timeout:g}s; the runtime "
                "takes connections but does not answer, so the remaining cases are not sent "
                f"(last: {error})"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseContext:
    """Everything a case needs to run that is not in the suite file."""

    client: ClientSettings
    http: httpx.AsyncClient
    run_id: str
    contract: Contract | None
    # Its `on_violation` is the effective mode (the plugin resolves command line over suite).
    contract_settings: ContractSettings
    gate: RequestGate | None = None
    breaker: AuthBreaker = field(default_factory=AuthBreaker)
    reruns: int = 0  # infrastructure errors: replay the whole case from a fresh user
    reset_after: bool = False
    conversation_factory: Callable[..., Conversation] = open_conversation
    llm: LLMServices | None = None  # for `semantic:` matchers and `judge:`


async def run_case(case: Case, suite: Suite, context: CaseContext) -> CaseResult:
    """Run `case`, rerunning it from a fresh user after an infrastructure error if allowed."""
    attempts = 0
    while True:
        attempts += 1
        result = await _run_once(case, suite, context, attempts)
        if (
            result.outcome != "error"
            or attempts > context.reruns
            or context.breaker.message is not None
        ):
            return result


async def _run_once(case: Case, suite: Suite, context: CaseContext, attempt: int) -> CaseResult:
    user_id = make_user_id(context.run_id, case.name)
    started = time.perf_counter()
    turns: list[TurnResult] = []
    secrets_to_hide = [context.client.api_key] if context.client.api_key else []

    def finish(outcome: Outcome, error: str | None = None, kind: str | None = None) -> CaseResult:
        return CaseResult(
            case=case,
            suite=suite,
            user_id=user_id,
            outcome=outcome,
            turns=tuple(turns),
            error=redact(error, secrets_to_hide) if error else None,
            error_kind=kind,
            version=context.client.environment,
            api=context.client.api.value,
            duration=time.perf_counter() - started,
            contract_mode=context.contract_settings.on_violation,
            attempts=attempt,
            **_contract_gaps(turns, context),
        )

    if context.breaker.message is not None:
        return finish("error", f"not run: {context.breaker.message}", context.breaker.kind)

    conversation = context.conversation_factory(context.client, user_id, context.http, context.gate)
    try:
        variables = {**suite.variables, **case.variables}
        if not await context.breaker.start(conversation, variables):
            return finish("error", f"not run: {context.breaker.message}", context.breaker.kind)
        values = {name: _as_text(value) for name, value in variables.items()}
        outcome = await _play_turns(case, conversation, context, turns, values)
        context.breaker.record(None, context.client.timeout)
        if context.reset_after:
            await conversation.reset()
        return finish(outcome)
    except (AuthError, ConfigError) as error:
        # Every other case against this target would meet the same refusal: stop sending.
        context.breaker.message = str(error)
        return finish("error", str(error), getattr(error, "kind", "config"))
    except InfrastructureError as error:
        context.breaker.record(error, context.client.timeout)
        return finish("error", str(error), error.kind)
    except VftestError as error:
        # The runtime rejected what this case sent (a 4xx): not the agent's answer, an error.
        return finish("error", str(error), "request")
    finally:
        await _close_quietly(conversation.close)


async def _close_quietly(close: Callable[[], Awaitable[None]]) -> None:
    # The verdict is already made; a failed cleanup must not turn it into an error.
    with contextlib.suppress(InfrastructureError):
        await close()


async def _play_turns(
    case: Case,
    conversation: Conversation,
    context: CaseContext,
    turns: list[TurnResult],
    values: dict[str, str],
) -> Outcome:
    previous: list[Trace] = []
    # A baseline that records variables needs them after every turn.
    read_always = bool(case.baseline.variables) and case.baseline.enabled is not False
    judge = context.llm.judge if context.llm else None
    for turn in case.turns:
        result = await _play_turn(turn, conversation, context, previous, values, read_always)
        turns.append(result)
        if turn.judge is not None and result.ok and result.exchange is not None:
            verdict = await judge_turn(turn.judge, turns, judge, whole=False)
            turns[-1] = result = replace(result, expectations=(*result.expectations, verdict))
        if not result.ok or (
            result.violations and context.contract_settings.on_violation == "fail"
        ):
            return "failed"
        previous = result.exchange.traces if result.exchange else []
    if case.judge is not None and turns:
        verdict = await judge_turn(case.judge, turns, judge, whole=True)
        turns[-1] = replace(turns[-1], expectations=(*turns[-1].expectations, verdict))
        if not verdict.ok:
            return "failed"
    return "passed"


async def _play_turn(
    turn: Turn,
    conversation: Conversation,
    context: CaseContext,
    previous: list[Trace],
    values: dict[str, str],
    read_variables: bool = False,
) -> TurnResult:
    try:
        request = build_action(turn.action, previous, values)
    except (ButtonNotFound, TemplateError) as problem:
        return _unsent(turn, None, "action", str(problem))

    if context.contract is not None and context.contract_settings.on_violation != "off":
        action_violations = context.contract.validate_action(request)
        if action_violations:
            return _unsent(
                turn,
                request,
                "action",
                "the action violates the contract and was not sent",
                violations=tuple(action_violations),
            )

    exchange = await conversation.send(request, variables=turn.set_variables or None)
    turn = _with_values(turn, values)
    embedder = context.llm.embedder if context.llm else None
    expectations = list(await match_by_meaning(embedder, lambda: match_turn(turn, exchange.traces)))
    violations, warnings = _check_contract(exchange, context)

    variables: dict[str, Any] | None = None
    if read_variables or turn.expect_variables or any(capture.variable for capture in turn.capture):
        variables = await conversation.read_variables()
        expectations.extend(match_variables(turn, variables))
    expectations.extend(_capture(turn, exchange.traces, variables, values))
    return TurnResult(
        turn=turn,
        request=request,
        exchange=exchange,
        expectations=tuple(expectations),
        violations=violations,
        warnings=warnings,
        variables=variables,
    )


def _check_contract(
    exchange: Exchange, context: CaseContext
) -> tuple[tuple[Violation, ...], tuple[Violation, ...]]:
    """(violations, warnings) of the turn's traces (none when `on_violation` is off)."""
    if context.contract is None:
        return (), ()
    violations, warnings = check_traces(
        context.contract, _wire_traces(exchange), context.contract_settings, start=0
    )
    return tuple(violations), tuple(warnings)


def _contract_gaps(turns: list[TurnResult], context: CaseContext) -> dict[str, Any]:
    """The contract's name and the received trace types it does not cover, for the summary."""
    contract = context.contract
    if contract is None or context.contract_settings.on_violation == "off":
        return {}
    received = (trace for turn in turns if turn.exchange for trace in turn.exchange.traces)
    return {"contract": contract.name, "uncovered": dict(contract.uncovered(received))}


def _wire_traces(exchange: Exchange) -> list[Trace]:
    """The traces as the runtime sent them: assembled completions are swapped for their chunks."""
    if not exchange.completion_chunks:
        return exchange.traces
    kept = [trace for trace in exchange.traces if trace.get("type") != "completion"]
    return kept + list(exchange.completion_chunks)


def _capture(
    turn: Turn,
    traces: list[Trace],
    variables: dict[str, Any] | None,
    values: dict[str, str],
) -> list[ExpectationResult]:
    results = []
    for capture in turn.capture:
        where = f"capture.{capture.name}"
        try:
            values[capture.name] = extract(
                capture, traces, variables, hidden_types=turn.hidden_types
            )
        except CaptureError as problem:
            results.append(
                ExpectationResult(
                    ok=False,
                    label=f"capture {capture.name}",
                    where=where,
                    line=capture.location.line,
                    details=(problem.reason,),
                )
            )
    return results


def _unsent(
    turn: Turn,
    request: Any,
    where: str,
    problem: str,
    *,
    violations: tuple[Violation, ...] = (),
) -> TurnResult:
    failure = ExpectationResult(
        ok=False,
        label=f"{turn.action.kind} action could not be sent",
        where=where,
        line=turn.location.line,
        details=(problem,),
    )
    return TurnResult(
        turn=turn, request=request, exchange=None, expectations=(failure,), violations=violations
    )


def _with_values(turn: Turn, values: dict[str, str]) -> Turn:
    """The turn with `{{name}}` filled in throughout its expectations."""
    if not turn.templated_expectations:
        return turn  # most turns: skip walking the expectation tree (a hot path)
    try:
        return replace(
            turn,
            expect=_filled(turn.expect, values),
            absent=_filled(turn.absent, values),
            expect_variables=_filled(turn.expect_variables, values),
        )
    except TemplateError:
        # The loader checks every name; a capture that failed is already reported as such.
        return turn


def _filled(value: T, values: dict[str, str]) -> T:
    """Fill templates in strings of a frozen model tree; unchanged parts stay the same objects."""
    filled: Any
    if isinstance(value, str):
        filled = render(value, values) if "{{" in value else value
    elif isinstance(value, tuple):
        items = tuple(_filled(item, values) for item in value)
        filled = value if all(a is b for a, b in zip(items, value, strict=True)) else items
    elif isinstance(value, dict | list):
        filled = render(value, values)
    elif is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for spec in fields(value):
            current = getattr(value, spec.name)
            new = _filled(current, values)
            if new is not current:
                changes[spec.name] = new
        filled = replace(value, **changes) if changes else value
    else:
        filled = value
    return cast(T, filled)


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)
