"""A Voiceflow transcript as a vftest case under a baseline.

The case replays what a real user did and fails where the agent now answers differently from
what it answered then.

Reads the two shapes Voiceflow gives: the Transcripts API's `GET /v1/transcript/{id}` answer
(`{"transcript": {"logs": [{"type": "action" | "trace", "data": {...}}]}}`, `data` sometimes a
JSON string) and the legacy dialog export (a list of turns `{"type", "payload": {"type",
"payload"}}`, as voiceflow-cli's `transcript to-test` reads it). The user's actions become the
case's turns (no expectations); the agent's traces become the case's baseline record, so the
first run compares the live agent with the transcript.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vftest.baseline.record import TurnRecord, record_exchange
from vftest.errors import ConfigError
from vftest.models import DEFAULT_HIDDEN_TYPES, BaselineSettings

__all__ = ["ImportedTranscript", "import_transcript"]

_PLAIN = BaselineSettings()


@dataclass
class ImportedTranscript:
    """The case's turns (vftest turn mappings) and, per turn, the agent's recorded answer."""

    turns: list[dict[str, Any]] = field(default_factory=list)
    records: list[TurnRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # requests vftest cannot replay


def import_transcript(data: Any) -> ImportedTranscript:
    """The replayable turns of a transcript (either shape); `ConfigError` if it is neither."""
    events = list(_events(data))
    imported = ImportedTranscript()
    action: dict[str, Any] | None = None
    traces: list[Mapping[str, Any]] = []

    def close() -> None:
        if action is None:
            return
        turn = _turn(action)
        if turn is None:
            imported.skipped.append(f"request {action.get('type')!r} has no vftest action")
            return
        imported.turns.append(turn)
        shown = [t for t in traces if t.get("type") not in DEFAULT_HIDDEN_TYPES]
        # the record holds what the replay sends: a typed query is replayed as text
        sent = {"type": "text", "payload": turn["text"]} if "text" in turn else action
        imported.records.append(record_exchange(sent, shown, _PLAIN))

    for kind, body in events:
        if kind == "action":
            close()
            action, traces = body, []
        elif action is not None:
            traces.append(body)
    close()
    if not imported.turns:
        raise ConfigError("the transcript holds no user request vftest can replay")
    return imported


def _events(data: Any) -> list[tuple[str, dict[str, Any]]]:
    """("action" | "trace", body) in order, from either transcript shape."""
    if isinstance(data, Mapping) and isinstance(data.get("transcript"), Mapping):
        logs = data["transcript"].get("logs")
        if not isinstance(logs, list):
            raise ConfigError("a transcript without `logs`")
        found = []
        for log in logs:
            if not isinstance(log, Mapping):
                continue
            body = log.get("data")
            if isinstance(body, str):
                try:
                    body = json.loads(body)
                except ValueError:
                    continue
            if isinstance(body, Mapping) and log.get("type") in ("action", "trace"):
                found.append((str(log["type"]), dict(body)))
        return found
    if isinstance(data, list):  # the legacy dialog export
        found = []
        for turn in data:
            if not isinstance(turn, Mapping):
                continue
            inner: Mapping[str, Any] = (
                turn["payload"] if isinstance(turn.get("payload"), Mapping) else {}
            )
            if turn.get("type") == "launch":
                found.append(("action", {"type": "launch"}))
            elif turn.get("type") == "request":
                found.append(("action", {k: v for k, v in inner.items() if k != "time"}))
            elif turn.get("type") == "user-text":
                found.append(("action", {"type": "text", "payload": inner.get("payload")}))
            else:
                found.append(("trace", {k: v for k, v in inner.items() if k != "time"}))
        return found
    raise ConfigError(
        'not a Voiceflow transcript: expected the Transcripts API\'s {"transcript": {"logs": '
        "[...]}} or a dialog export (a list of turns)"
    )


def _turn(action: Mapping[str, Any]) -> dict[str, Any] | None:
    """The vftest turn that sends `action` again (None when there is none)."""
    kind = action.get("type")
    payload = action.get("payload")
    body = payload if isinstance(payload, Mapping) else {}
    if kind == "launch":
        return {"launch": None}
    if kind == "text" and isinstance(payload, str):
        return {"text": payload}
    if kind == "no-reply":
        return {"no_reply": None}
    if isinstance(body.get("label"), str):  # a button press
        return {"button": body["label"]}
    if kind == "intent":
        query = body.get("query")
        if isinstance(query, str) and query:
            return {"text": query}  # what the user typed; the NLU resolves it again
        intent = body.get("intent")
        name = intent.get("name") if isinstance(intent, Mapping) else None
        return {"intent": name} if isinstance(name, str) else None
    if isinstance(kind, str) and kind:
        return {"action": {"type": kind, **({"payload": payload} if payload is not None else {})}}
    return None
