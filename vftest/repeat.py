"""Play a case several times and judge it by its pass rate (agents whose answers vary).

Each repetition is a full play from a fresh user (`run_case`), all of them concurrently; the
request gate still paces every request. The case passes when passes / N >= `pass_rate`. Any
repetition that could not run (an infrastructure error) makes the whole case an error: a
runtime fault is never counted as a pass or a failure of the agent.

`pass_hat_k(n, c, k)` is the chance that k plays drawn from these n all pass, C(c, k) / C(n, k)
(the "pass^k" of tau-bench): how reliably the agent succeeds, not just whether it can.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace

from vftest.models import Case, CaseResult, Outcome, Repetition, Suite
from vftest.runner import CaseContext, run_case

__all__ = ["pass_hat_k", "run_repeated", "summary_line"]


async def run_repeated(case: Case, suite: Suite, context: CaseContext, times: int) -> CaseResult:
    """Play `case` `times` times and fold the plays into one result with its repetitions."""
    results = await asyncio.gather(*(run_case(case, suite, context) for _ in range(times)))
    repetitions = tuple(
        Repetition(
            outcome=result.outcome,
            user_id=result.user_id,
            message=_first_line(result),
            duration=result.duration,
        )
        for result in results
    )
    errors = [r for r in results if r.outcome == "error"]
    passes = sum(1 for r in results if r.outcome == "passed")
    outcome: Outcome
    if errors:
        chosen, outcome = errors[0], "error"
    elif passes / times >= case.pass_rate:
        # `pass_rate: 0` passes even when no play did: then the first play stands for them
        chosen = next((r for r in results if r.outcome == "passed"), results[0])
        outcome = "passed"
    else:
        chosen, outcome = next(r for r in results if r.outcome == "failed"), "failed"
    return replace(
        chosen,
        outcome=outcome,
        repetitions=repetitions,
        duration=max(r.duration for r in results),
    )


def pass_hat_k(n: int, c: int, k: int) -> float:
    """C(c, k) / C(n, k): the chance that k of the n plays, drawn at random, all passed."""
    if k > n or k < 1:
        raise ValueError(f"k must be between 1 and n={n}, got {k}")
    return math.comb(c, k) / math.comb(n, k)


def summary_line(repetitions: tuple[Repetition, ...], required: float) -> str:
    """`3 of 5 repetitions passed: pass rate 0.60 (required 0.80), pass^5 0.00`."""
    n = len(repetitions)
    c = sum(1 for r in repetitions if r.outcome == "passed")
    return (
        f"{c} of {n} repetitions passed: pass rate {c / n:.2f} (required {required:.2f}), "
        f"pass^{n} {pass_hat_k(n, c, n):.2f}"
    )


def _first_line(result: CaseResult) -> str:
    if result.outcome == "passed":
        return ""
    if result.error:
        return result.error.splitlines()[0]
    from vftest.report import render_verdict

    return render_verdict(result)
