"""The LLM judge: a rubric, a conversation, and a strict verdict (pass/fail, score, reason).

The model answers at temperature 0 under a JSON schema; the answer is parsed strictly, and
anything else (missing keys, extra keys, a score outside 0..1, prose) is an `LLMError`, never a
pass. Verdicts are cached on disk by (model, rubric, conversation): re-running an unchanged
conversation asks nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vftest.llm.openai_api import LLMError, OpenAICompatible
from vftest.models import Trace
from vftest.rendering import summarize_trace

__all__ = ["VERDICT_SCHEMA", "Judge", "Verdict", "describe_request", "parse_verdict", "render_turn"]

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "verdict": {"type": "string", "enum": ["pass", "fail"]},
        "score": {"type": "number"},
        "reason": {"type": "string"},
    },
    "required": ["verdict", "score", "reason"],
    "additionalProperties": False,
}

SYSTEM_PROMPT = (
    "You evaluate a conversation between a user and a chatbot against a rubric written by the "
    "chatbot's designer. Judge only whether the rubric holds for the part of the conversation "
    "you are asked about; do not judge style or anything the rubric does not mention. Reply "
    'with a JSON object: "verdict" ("pass" when the rubric holds, else "fail"), "score" (a '
    'number from 0 to 1: how fully the rubric holds) and "reason" (one or two sentences naming '
    "what in the conversation decided it)."
)
MAX_QUOTED = 200


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the judge said."""

    passed: bool
    score: float
    reason: str
    cached: bool = False


def parse_verdict(text: str) -> Verdict:
    """The verdict in the model's reply; `LLMError` unless it is exactly the schema's shape."""
    shown = text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"
    try:
        data = json.loads(text)
    except ValueError:
        raise LLMError(f"malformed verdict from the judge (not JSON): {shown!r}") from None
    problem = _verdict_problem(data)
    if problem:
        raise LLMError(f"malformed verdict from the judge ({problem}): {shown!r}")
    return Verdict(data["verdict"] == "pass", float(data["score"]), data["reason"].strip())


def _verdict_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    keys = set(data)
    if keys != {"verdict", "score", "reason"}:
        return f"keys {sorted(keys)}, expected ['reason', 'score', 'verdict']"
    if data["verdict"] not in ("pass", "fail"):
        return "verdict is neither 'pass' nor 'fail'"
    score = data["score"]
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 1:
        return "score is not a number from 0 to 1"
    if not isinstance(data["reason"], str) or not data["reason"].strip():
        return "reason is empty"
    return None


def describe_request(request: Any) -> str:
    """What the user did, as a judge reads it: their words, the button's label, the intent."""
    if not isinstance(request, dict):
        return "(nothing)"
    kind = request.get("type")
    payload = request.get("payload")
    if kind == "text" and isinstance(payload, str):
        return payload
    if kind == "launch":
        return "(opens the chat)"
    if kind == "no-reply":
        return "(says nothing)"
    if isinstance(payload, dict) and isinstance(payload.get("label"), str):
        return f"(presses the button {payload['label']!r})"
    if kind == "intent" and isinstance(payload, dict):
        intent = payload.get("intent")
        name = intent.get("name") if isinstance(intent, dict) else None
        query = payload.get("query")
        return query if isinstance(query, str) and query else f"(intent {name})"
    return f"({kind})"


def render_turn(request: Any, traces: Sequence[Trace]) -> str:
    """One turn as lines of a script: `user: ...`, then `agent: ...` per visible trace."""
    lines = [f"user: {describe_request(request)}"]
    for trace in traces:
        payload = trace.get("payload")
        message = payload.get("message") if isinstance(payload, dict) else None
        if trace.get("type") in ("text", "speak") and isinstance(message, str):
            lines.append(f"agent: {message}")
        else:
            lines.append(f"agent: [{summarize_trace(trace, 200)}]")
    return "\n".join(lines)


class Judge:
    """Asks the judge model for verdicts, through the disk cache."""

    def __init__(self, api: OpenAICompatible, model: str, cache_dir: Path | None = None) -> None:
        self.api = api
        self.model = model
        self.cache_dir = cache_dir
        self.asked = 0  # verdicts requested from the model (not from the cache)

    async def verdict(self, rubric: str, conversation: str, focus: str) -> Verdict:
        """The verdict on `rubric` for `conversation`; `focus` names the part to judge."""
        key = hashlib.sha256(
            json.dumps([self.model, rubric, focus, conversation]).encode("utf-8")
        ).hexdigest()
        cached = self._read(key)
        if cached is not None:
            return cached
        prompt = f"Rubric: {rubric}\n\nJudge: {focus}\n\nConversation:\n{conversation}"
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": prompt},
        ]
        self.asked += 1
        verdict = parse_verdict(await self.api.chat_json(self.model, messages, VERDICT_SCHEMA))
        self._write(key, rubric, verdict)
        return verdict

    def _read(self, key: str) -> Verdict | None:
        if self.cache_dir is None:
            return None
        try:
            data = json.loads((self.cache_dir / f"{key}.json").read_text("utf-8"))
            return Verdict(bool(data["passed"]), float(data["score"]), str(data["reason"]), True)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no entry, or one a crash left half-written: ask again

    def _write(self, key: str, rubric: str, verdict: Verdict) -> None:
        if self.cache_dir is None:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        entry = {"model": self.model, "rubric": rubric, "passed": verdict.passed,
                 "score": verdict.score, "reason": verdict.reason}  # fmt: skip
        # write then rename: a parallel worker never reads half a file
        handle, temporary = tempfile.mkstemp(dir=self.cache_dir, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(entry, out)
        os.replace(temporary, self.cache_dir / f"{key}.json")
