"""Local intent matching, like general-runtime's natural-language-commander (NLC) fallback.

Each intent utterance becomes an anchored, case-insensitive regular expression; `{slot}`
becomes a capture group checked against the slot type (custom values/synonyms, or anything
in the second, "open slot" pass). A first pass without open slots answers with confidence 1,
the open pass with 0.5; no match gives the `None` intent. No NLU model is consulted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "NONE_INTENT",
    "Prediction",
    "as_name",
    "dm_prefix",
    "predict",
    "utterance_with_slot_names",
]

NONE_INTENT = "None"

# `{{[name].slotKey}}` (the compiled utterance syntax) -> `{name}` (the NLC syntax)
_COMPILED_SLOT = re.compile(r"\{\{\[([^\]]*)\]\.([^}]*)\}\}")
_NLC_SLOT = re.compile(r"\{(\w+?)\}")


@dataclass(frozen=True)
class Prediction:
    """The outcome of matching an utterance."""

    intent: str
    entities: list[dict[str, str]]
    confidence: float


def utterance_with_slot_names(text: str, slots: list[dict[str, Any]]) -> str:
    """Rewrite `{{[name].key}}` to `{slotName}` using the model's slot names (by key)."""
    names = {s.get("key"): s.get("name") for s in slots if isinstance(s, dict)}

    def replace(match: re.Match[str]) -> str:
        name = names.get(match.group(2)) or match.group(1)
        return "{" + str(name) + "}"

    return _COMPILED_SLOT.sub(replace, text)


def _slot_matchers(slots: list[dict[str, Any]], open_slot: bool) -> dict[str, list[str] | None]:
    """Slot name -> allowed lower-cased values; None means "anything" (open slot)."""
    matchers: dict[str, list[str] | None] = {}
    for slot in slots:
        if not isinstance(slot, dict) or not isinstance(slot.get("name"), str):
            continue
        slot_type = slot.get("type")
        type_value = slot_type.get("value") if isinstance(slot_type, dict) else None
        inputs = slot.get("inputs") or []
        if str(type_value or "").lower() != "custom" or not inputs:
            if open_slot:
                matchers[slot["name"]] = None
            continue
        values = [
            value.strip().lower()
            for item in inputs
            if isinstance(item, str)
            for value in item.split(",")
            if value.strip()
        ]
        matchers[slot["name"]] = values
    return matchers


@dataclass(frozen=True)
class _Matcher:
    intent: str
    regex: re.Pattern[str]
    slots: tuple[str, ...]  # slot names in capture-group order
    intent_slots: tuple[str, ...]  # the intent's slots, in declaration order


def _compile(
    intent: str, utterance: str, intent_slots: tuple[str, ...], known: dict[str, Any]
) -> _Matcher | None:
    order: list[str] = []
    pattern = utterance
    while match := _NLC_SLOT.search(pattern):
        name = match.group(1)
        if name not in intent_slots or name not in known:
            # NLC throws here; the runtime then drops the rest of the intent's utterances
            raise ValueError(name)
        order.append(name)
        pattern = pattern[: match.start()] + "(.+)" + pattern[match.end() :]
    pattern = re.sub(r"\s+", r"\\s+", pattern)
    try:
        # Utterance text is used as a regular expression, as NLC does (so "you?" makes the
        # "u" optional); an utterance that is not a valid expression cannot match.
        regex = re.compile(r"^\s*" + pattern + r"\s*$", re.IGNORECASE)
    except re.error:
        return None
    return _Matcher(intent, regex, tuple(order), intent_slots)


def _dialog_samples(
    intent: dict[str, Any],
    slots: list[dict[str, Any]],
    by_key: dict[Any, dict[str, Any]],
    samples: list[str],
    dm_request: dict[str, Any],
) -> list[str]:
    """Entity-filling utterances for the intent being filled (general-runtime registerIntents).

    Each required slot adds `<prefix> <dialog utterance>` and `<prefix> {slot}`: in front of
    the intent's samples while the slot is missing, at the end once it is filled.
    """
    prefix = dm_prefix(str(intent["name"]))
    filled = {e.get("name") for e in dm_request.get("entities") or [] if isinstance(e, dict)}
    for intent_slot in intent.get("slots") or []:
        slot = by_key.get(intent_slot.get("id")) if isinstance(intent_slot, dict) else None
        if slot is None or not intent_slot.get("required"):
            continue
        dialog = intent_slot.get("dialog") if isinstance(intent_slot.get("dialog"), dict) else {}
        utterances = [
            utterance_with_slot_names(f"{prefix} {u.get('text')}", slots)
            for u in dialog.get("utterances") or []
            if isinstance(u, dict) and isinstance(u.get("text"), str)
        ]
        utterances.append(f"{prefix} {{{slot.get('name')}}}")
        samples = [*samples, *utterances] if slot.get("name") in filled else [*utterances, *samples]
    return samples


def _build(
    model: dict[str, Any], open_slot: bool, dm_request: dict[str, Any] | None = None
) -> tuple[list[_Matcher], dict[str, Any]]:
    slots = [s for s in model.get("slots") or [] if isinstance(s, dict)]
    known = _slot_matchers(slots, open_slot)
    by_key = {s.get("key"): s for s in slots}
    dm_intent = as_name(dm_request)
    matchers: list[_Matcher] = []
    seen: set[str] = set()
    for intent in model.get("intents") or []:
        if not isinstance(intent, dict) or not isinstance(intent.get("name"), str):
            continue
        name = intent["name"]
        if name in seen:
            continue
        seen.add(name)
        intent_slots = tuple(
            str(by_key[s["id"]]["name"])
            for s in intent.get("slots") or []
            if isinstance(s, dict) and s.get("id") in by_key
        )
        samples = []
        for item in intent.get("inputs") or []:
            text = item.get("text") if isinstance(item, dict) else item
            if isinstance(text, str):
                samples.append(utterance_with_slot_names(text, slots))
        if dm_request is not None and name == dm_intent:
            samples = _dialog_samples(intent, slots, by_key, samples, dm_request)
        for sample in samples:
            text = sample.strip()
            if not text:
                continue
            try:
                matcher = _compile(name, text, intent_slots, known)
            except ValueError:
                break
            if matcher:
                matchers.append(matcher)
    return matchers, known


def as_name(payload: dict[str, Any] | None) -> str | None:
    """The intent name of an intent request payload."""
    intent = payload.get("intent") if isinstance(payload, dict) else None
    name = intent.get("name") if isinstance(intent, dict) else None
    return name if isinstance(name, str) else None


def dm_prefix(intent_name: str) -> str:
    """The entity-filling prefix of an intent: the last 10 hex digits of its SHA-256."""
    return hashlib.sha256(intent_name.encode()).hexdigest()[-10:]


def _check(matcher: _Matcher, command: str, known: dict[str, Any]) -> list[dict[str, str]] | None:
    found = matcher.regex.match(command)
    if not found:
        return None
    values: dict[str, str] = {}
    for name, text in zip(matcher.slots, found.groups(), strict=True):
        allowed = known.get(name)
        if allowed is not None and text.lower() not in allowed:
            return None
        if text == "":
            return None
        values[name] = text
    return [{"name": n, "value": values[n]} for n in matcher.intent_slots if values.get(n)]


def _match(
    model: dict[str, Any], command: str, open_slot: bool, dm_request: dict[str, Any] | None
) -> Prediction | None:
    matchers, known = _build(model, open_slot, dm_request)
    for matcher in matchers:
        entities = _check(matcher, command, known)
        if entities is not None:
            return Prediction(matcher.intent, entities, 0.5 if open_slot else 1)
    return None


def predict(
    model: dict[str, Any], utterance: str, dm_request: dict[str, Any] | None = None
) -> Prediction:
    """Classify `utterance` like the runtime does without a trained NLU model.

    `dm_request` (an intent request payload being entity-filled) adds that intent's
    prefixed entity-filling utterances, as the dialog manager's prediction does.
    """
    command = re.sub("[\u2018\u2019]", "'", utterance)
    command = re.sub("[\u201c\u201d]", '"', command)
    if not model.get("intents"):
        return Prediction(NONE_INTENT, [], 1)
    return (
        _match(model, command, False, dm_request)
        or _match(model, command, True, dm_request)
        or Prediction(NONE_INTENT, [], 1)
    )
