"""A played case as a baseline records it: per turn, what the user did and what the agent showed.

The record is plain data (dicts, lists, strings) in a fixed key order, written as YAML that
reviews well in a pull request. One turn:

    user: {button: Order status}          # or `launch`, {text: ...}, {intent: ...}, {event: ...}
    agent:                                # the visible traces, in order, one key each
      - text: What is your order number?
      - buttons: [{label: FAQ, request: path}]
      - card: {title: Order 12345, description: ..., image: ..., buttons: [...]}
      - carousel: [{title: ...}, ...]
      - custom: {name: escalate, payload: {...}}
      - end: true
    variables: {order_status: shipped}    # only the variables the suite names

Only meaning enters a record. Ids, timestamps and the user id never do: traces are reduced to
the fields a user sees, a button's request type keeps its kind (`path`, `intent: name`) but not
the generated id, custom payloads lose keys that hold ids or times, the user id becomes
`{user_id}`, and the suite's masks (`baseline.mask`) blank whatever else varies.

`record_case(transcript, settings)` is the one entry point; the cross-environment diff and the
baseline comparison both read its output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from vftest.capture import compile_jsonpath
from vftest.models import BaselineSettings, Mask
from vftest.transcript import Transcript, TranscriptTurn

__all__ = [
    "VOLATILE_KEYS",
    "TurnRecord",
    "apply_mask",
    "record_case",
    "record_exchange",
    "record_turn",
]

TurnRecord = dict[str, Any]

# Keys of custom payloads that hold per-conversation values, never meaning.
VOLATILE_KEYS = frozenset(
    {
        "id",
        "_id",
        "time",
        "timestamp",
        "createdAt",
        "updatedAt",
        "messageID",
        "turnID",
        "userID",
        "sessionID",
        "requestID",
        "traceID",
    }
)
_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")
_ID_IN_REQUEST = re.compile(r"^(path|choice)-[0-9a-z_-]{6,}$", re.I)


def record_case(transcript: Transcript, settings: BaselineSettings) -> list[TurnRecord]:
    """The baseline record of every turn the case played."""
    return [record_turn(turn, settings, user_id=transcript.user_id) for turn in transcript.turns]


def record_turn(turn: TranscriptTurn, settings: BaselineSettings, *, user_id: str) -> TurnRecord:
    """One turn's record, masks applied."""
    return record_exchange(
        turn.action, turn.visible, settings, user_id=user_id, variables=turn.variables
    )


def record_exchange(
    action: Any,
    traces: Iterable[Mapping[str, Any]],
    settings: BaselineSettings,
    *,
    user_id: str = "",
    variables: Any = None,
) -> TurnRecord:
    """The record of one request and the visible traces it got (from a run or a transcript)."""
    record: TurnRecord = {"user": _user(action)}
    record["agent"] = [item for trace in traces if (item := _agent(trace)) is not None]
    if settings.variables:
        values = variables if isinstance(variables, Mapping) else {}
        record["variables"] = {name: values.get(name) for name in settings.variables}
    scrubbed: TurnRecord = _scrub(record, user_id)
    for mask in settings.masks:
        scrubbed = apply_mask(scrubbed, mask)
    return scrubbed


def apply_mask(record: TurnRecord, mask: Mask) -> TurnRecord:
    """`record` with the values `mask.path` finds blanked (or their regex matches replaced)."""
    expression = compile_jsonpath(mask.path)
    for match in expression.find(record):
        value = match.value
        if mask.regex is None:
            new: Any = mask.replace
        elif isinstance(value, str):
            new = re.sub(mask.regex, mask.replace, value)
        else:
            continue
        record = match.full_path.update(record, new)
    return record


# --------------------------------------------------------------------------- the user's side


def _user(action: Any) -> Any:
    if not isinstance(action, Mapping):
        return None if action is None else str(action)
    kind = action.get("type")
    payload = action.get("payload")
    if kind == "launch":
        return "launch"
    if kind == "no-reply":
        return "no_reply"
    if kind == "text":
        return {"text": payload if isinstance(payload, str) else _plain(payload)}
    if kind == "intent" and isinstance(payload, Mapping):
        intent = payload.get("intent")
        name = intent.get("name") if isinstance(intent, Mapping) else None
        record: dict[str, Any] = {"intent": name}
        entities = payload.get("entities")
        if entities:
            record["entities"] = _plain(entities)
        return record
    if isinstance(payload, Mapping) and isinstance(payload.get("label"), str):
        return {"button": payload["label"]}
    return {"event": _request_kind(kind)}


# --------------------------------------------------------------------------- the agent's side


def _agent(trace: Mapping[str, Any]) -> dict[str, Any] | None:
    kind = trace.get("type")
    payload = trace.get("payload")
    body = payload if isinstance(payload, Mapping) else {}
    if kind in ("text", "speak"):
        message = body.get("message", "")
        return {str(kind): message if isinstance(message, str) else _plain(message)}
    if kind == "completion":
        return {"text": body.get("content", body.get("message", ""))}
    if kind == "choice":
        return {"buttons": _buttons(body.get("buttons"))}
    if kind in ("cardV2", "card"):
        return {"card": _card(body)}
    if kind == "carousel":
        cards = body.get("cards")
        return {"carousel": [_card(c) for c in cards if isinstance(c, Mapping)] if cards else []}
    if kind == "visual":
        return {"visual": body.get("image")}
    if kind == "end":
        return {"end": True}
    if kind == "no-reply":
        return {"no_reply": body.get("timeout")}
    if not isinstance(kind, str):
        return None
    return {"custom": {"name": kind, "payload": _plain(payload)}}


def _buttons(buttons: Any) -> list[dict[str, Any]]:
    if not isinstance(buttons, list):
        return []
    out = []
    for button in buttons:
        if not isinstance(button, Mapping):
            continue
        label = button.get("name")
        request = button.get("request")
        if label is None and isinstance(request, Mapping):
            payload = request.get("payload")
            label = payload.get("label") if isinstance(payload, Mapping) else None
        entry: dict[str, Any] = {"label": label}
        if isinstance(request, Mapping):
            entry["request"] = _request_kind(request.get("type"), request.get("payload"))
        out.append(entry)
    return out


def _request_kind(kind: Any, payload: Any = None) -> Any:
    """A request type without generated ids: `path-abc123` -> `path`, intents by name."""
    if kind == "intent" and isinstance(payload, Mapping):
        intent = payload.get("intent")
        if isinstance(intent, Mapping) and intent.get("name"):
            return f"intent: {intent['name']}"
    if isinstance(kind, str) and _ID_IN_REQUEST.match(kind):
        return kind.split("-", 1)[0]
    return kind


def _card(card: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    title = card.get("title")
    if title:
        out["title"] = title
    description = card.get("description")
    if isinstance(description, Mapping):
        description = description.get("text")
    if description:
        out["description"] = description
    image = card.get("imageUrl") or card.get("image")
    if image:
        out["image"] = image
    buttons = _buttons(card.get("buttons"))
    if buttons:
        out["buttons"] = buttons
    return out


# --------------------------------------------------------------------------- volatile values


def _plain(value: Any) -> Any:
    """JSON data without the keys that hold ids or times."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _scrub(value: Any, user_id: str) -> Any:
    if isinstance(value, str):
        if user_id and user_id in value:
            value = value.replace(user_id, "{user_id}")
        return _ISO_TIME.sub("<time>", value)
    if isinstance(value, Mapping):
        return {k: _scrub(v, user_id) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, user_id) for v in value]
    return value
