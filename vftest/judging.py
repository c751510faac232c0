"""`judge:` in a played case: the conversation so far as a script, the verdict as an expectation.

A turn's judge reads the conversation up to that turn and judges the agent's reply to it; a
case's judge reads the whole conversation after the last turn passed. The verdict becomes an
`ExpectationResult` like any other, so reports show it with its reason; a model that cannot
answer raises `LLMError` (an infrastructure error: the case is an ERROR, never a pass).
"""

from __future__ import annotations

from vftest.errors import ConfigError
from vftest.llm.judge import Judge, render_turn
from vftest.matchers import visible
from vftest.models import ExpectationResult, Judgement, TurnResult

__all__ = ["judge_turn", "script_of"]


def script_of(turns: list[TurnResult]) -> str:
    """The conversation of the played turns, one `user:` / `agent:` line per message."""
    parts = []
    for result in turns:
        if result.exchange is None:
            continue
        shown = [trace for _, trace in visible(result.exchange.traces, result.turn.hidden_types)]
        parts.append(render_turn(result.request, shown))
    return "\n".join(parts)


async def judge_turn(
    judgement: Judgement, turns: list[TurnResult], judge: Judge | None, *, whole: bool
) -> ExpectationResult:
    """The judge's verdict on the conversation in `turns` (the last turn's reply, or `whole`)."""
    if judge is None:
        raise ConfigError("`judge:` needs a judge model; see docs/matchers.md")
    focus = (
        "the whole conversation"
        if whole
        else f"the agent's reply in the last turn (turn {len(turns)}), given the earlier turns"
    )
    verdict = await judge.verdict(judgement.rubric, script_of(turns), focus)
    enough = judgement.min_score is None or verdict.score >= judgement.min_score
    ok = verdict.passed and enough
    said = "pass" if verdict.passed else "fail"
    cached = " (cached verdict)" if verdict.cached else ""
    details = [f"verdict: {said}, score {verdict.score:.2f}{cached}", f"reason: {verdict.reason}"]
    if verdict.passed and not enough:
        details.insert(1, f"score {verdict.score:.2f} < min_score {judgement.min_score:g}")
    scope = "conversation" if whole else "reply"
    return ExpectationResult(
        ok=ok,
        label=f'judge ({scope}) "{judgement.rubric}"',
        where="judge",
        line=judgement.line,
        details=tuple(details),
        summary=f"judge said {said}: {verdict.reason}" if not ok else "",
    )
