"""Dialog management: the stage between NLU and the runtime (general-runtime lib/services/dialog).

An intent request is *in scope* when a command on the stack or the step the conversation waits
on handles it; only then does dialog management touch it. An in-scope intent with every
required entity continues canonicalised with `ELICIT: false`; one missing a required entity
stops the turn here with that entity's prompt and an `entity-filling` trace, and the request is
kept in `storage.dm`, where later answers fill it in (matched with the intent's prefixed
entity-filling utterances, as the hosted runtime's prediction does).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from vftest.runtime.engine import nlc
from vftest.runtime.engine.entity import DM_KEY, has_elicit, set_elicit
from vftest.runtime.engine.handlers.navigation import is_event_node
from vftest.runtime.engine.matching import find_event_matcher, has_command
from vftest.runtime.engine.outputs import output_trace, remember_output
from vftest.runtime.engine.state import Runtime
from vftest.runtime.engine.synonym import rectify_entity_values
from vftest.runtime.project import Project

__all__ = ["DialogOutcome", "manage", "unfulfilled_entity"]

_DM_INTENT_PREFIX = "dm_"  # @voiceflow/common VF_DM_PREFIX
# @voiceflow/common SLOT_REGEXP: `{{[name].key}}` in voice prompts
_SLOT = re.compile(r"\{\{\[(\w{1,32})\]\.(\w{1,32})\}\}")


@dataclass
class DialogOutcome:
    """What dialog management made of the request.

    Attributes:
        request: the request the runtime handles next (possibly replaced).
        traces: traces dialog management emitted (when it ends the turn).
        end: the turn ends here; the runtime does not run.
    """

    request: dict[str, Any] | None
    traces: list[dict[str, Any]] = field(default_factory=list)
    end: bool = False


def _is_intent(request: Any) -> bool:
    return (
        isinstance(request, dict)
        and request.get("type") == "intent"
        and isinstance(request.get("payload"), dict)
        and isinstance(request["payload"].get("intent"), dict)
    )


def _none_request(query: Any) -> dict[str, Any]:
    return {
        "type": "intent",
        "payload": {"query": query or "", "intent": {"name": nlc.NONE_INTENT}, "entities": []},
    }


def _entities(request: dict[str, Any]) -> list[dict[str, Any]]:
    payload = request["payload"]
    entities = payload.get("entities")
    if not isinstance(entities, list) or not all(isinstance(e, dict) for e in entities):
        # a client may send anything here; only entity objects mean something
        payload["entities"] = [e for e in entities or [] if isinstance(e, dict)]
    kept: list[dict[str, Any]] = payload["entities"]
    return kept


def _model_intent(model: dict[str, Any], name: str | None) -> dict[str, Any] | None:
    for intent in model.get("intents") or []:
        if isinstance(intent, dict) and intent.get("name") == name:
            return intent
    return None


def _slot_name(model: dict[str, Any], key: Any) -> str | None:
    for slot in model.get("slots") or []:
        if isinstance(slot, dict) and slot.get("key") == key:
            name = slot.get("name")
            return name if isinstance(name, str) else None
    return None


def unfulfilled_entity(request: dict[str, Any], model: dict[str, Any]) -> dict[str, Any] | None:
    """The first required entity of the request's intent that it does not have yet."""
    intent = _model_intent(model, nlc.as_name(request["payload"]))
    extracted = {e.get("name") for e in _entities(request) if isinstance(e, dict)}
    for slot in (intent or {}).get("slots") or []:
        if isinstance(slot, dict) and slot.get("required"):
            name = _slot_name(model, slot.get("id"))
            if name and name not in extracted:
                return {**slot, "name": name}
    return None


def _in_scope(runtime: Runtime) -> bool:
    """A command on the stack or the step waiting for the user handles this intent."""
    if has_command(runtime):
        return True
    top = runtime.stack.top()
    program = runtime.program(top.program_id) if top is not None else None
    lines = program.get("lines") if program else None
    node = lines.get(top.current) if isinstance(lines, dict) and top is not None else None
    if not isinstance(node, dict) or not is_event_node(node):
        return False
    node_intent = node.get("intent")
    wanted = nlc.as_name(runtime.request["payload"]) if runtime.request else None
    if isinstance(node_intent, dict) and wanted is not None and node_intent.get("name") == wanted:
        return True
    interactions = node.get("interactions")
    if isinstance(interactions, list):
        for interaction in interactions:
            event = interaction.get("event") if isinstance(interaction, dict) else None
            if find_event_matcher(event, runtime):
                return True
    return False


def _merge_answer(
    store: dict[str, Any], answer: dict[str, Any], incoming: dict[str, Any], model: dict[str, Any]
) -> None:
    """Fold the entity-filling prediction into the stored request (handleDMContext)."""
    answer_name = nlc.as_name(answer["payload"]) or ""
    expected = nlc.as_name(store["intentRequest"]["payload"])
    if answer_name.startswith(_DM_INTENT_PREFIX) or answer_name == expected:
        entities = [
            e for e in _entities(answer) if not str(e.get("name", "")).startswith(_DM_INTENT_PREFIX)
        ]
        intent = _model_intent(model, expected) or {}
        names = {
            _slot_name(model, s.get("id")) for s in intent.get("slots") or [] if isinstance(s, dict)
        }
        subset = [e for e in entities if e.get("name") in names]
        if not subset:
            store["intentRequest"] = incoming
            return
        stored = _entities(store["intentRequest"])
        for entity in subset:
            existing = next((s for s in stored if s.get("name") == entity.get("name")), None)
            if existing is None:
                stored.append(entity)
            else:
                existing["value"] = entity.get("value")
    elif answer_name == nlc.as_name(incoming["payload"]):
        store["intentRequest"] = incoming
    else:
        store["intentRequest"] = _none_request(incoming["payload"].get("query"))


def _predict_answer(model: dict[str, Any], stored: dict[str, Any], query: Any) -> dict[str, Any]:
    """Classify the reply with the filled intent's prefixed utterances registered."""
    prefix = nlc.dm_prefix(str(nlc.as_name(stored["payload"])))
    utterance = f"{prefix} {query if isinstance(query, str) else ''}"
    prediction = nlc.predict(model, utterance, dm_request=stored["payload"])
    entities = []
    for entity in prediction.entities:
        value = entity.get("value")
        if isinstance(value, str):
            value = value.replace(prefix, "", 1).strip()
        entities.append({**entity, "value": value})
    return {
        "type": "intent",
        "payload": {
            "query": utterance,
            "intent": {"name": prediction.intent},
            "entities": entities,
            "confidence": prediction.confidence,
        },
    }


def _store(storage: dict[str, Any], store: dict[str, Any] | None) -> None:
    kept = {k: v for k, v in (store or {}).items() if v is not None}
    if store is None:
        storage.pop(DM_KEY, None)
    else:
        storage[DM_KEY] = kept


def _fill_slots(text: str, request: dict[str, Any]) -> str:
    values = _entity_map(request)
    return _SLOT.sub(lambda m: str(values.get(m.group(1)) or ""), text)


def _entity_map(request: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in _entities(request) if e.get("value") and e.get("name")}


def _prompt(runtime: Runtime, prompt: dict[str, Any], request: dict[str, Any]) -> None:
    """Say the entity's dialog prompt (marked `isPrompt`) and remember it in `_memory_`."""
    if isinstance(prompt.get("text"), str):
        voice = prompt.get("voice") or runtime.project.settings.get("defaultVoice")
        text = prompt["text"]
        if isinstance(voice, str) and voice.strip():
            text = f'<voice name="{voice}">{text}</voice>'
        output: Any = _fill_slots(text, request)
    else:
        output = prompt.get("content")
    trace = output_trace(runtime, output, _entity_map(request))
    trace["payload"]["isPrompt"] = True
    runtime.add_trace(trace)
    remember_output(runtime.variables, trace)


def manage(
    project: Project, state: dict[str, Any], request: dict[str, Any] | None, log_level: str | None
) -> DialogOutcome:
    """Run dialog management on the request of a turn (mutates `state["storage"]`)."""
    if not _is_intent(request):
        return DialogOutcome(request)
    assert request is not None
    model = project.model
    storage = state["storage"]
    runtime = Runtime(project, state, request, log_level=log_level)
    current = storage.get(DM_KEY) if isinstance(storage.get(DM_KEY), dict) else {}
    store: dict[str, Any] = {**current, "priorIntent": current.get("intentRequest")}
    query = request["payload"].get("query")
    stored = store.get("intentRequest") if _is_intent(store.get("intentRequest")) else None
    if stored is not None:
        names = {e.get("name") for e in _entities(stored)}
        _entities(stored).extend(e for e in _entities(request) if e.get("name") not in names)

    if stored is not None and unfulfilled_entity(stored, model):
        try:
            answer = _predict_answer(model, stored, query)
            _merge_answer(store, answer, request, model)
            if nlc.as_name(store["intentRequest"]["payload"]) == nlc.NONE_INTENT:
                _store(storage, {**store, "intentRequest": None})
                return DialogOutcome(_none_request(query))
        except (KeyError, TypeError, AttributeError):
            store["intentRequest"] = request
    elif stored is None:
        if not _in_scope(runtime):
            return DialogOutcome(request)
        store["intentRequest"] = request
    _store(storage, store)

    filling = store["intentRequest"]
    missing = unfulfilled_entity(filling, model)
    if missing:
        slot_dialog = missing.get("dialog")
        prompt_list = slot_dialog.get("prompt") if isinstance(slot_dialog, dict) else None
        prompts = [p for p in prompt_list or [] if isinstance(p, dict)]
        prompt = random.choice(prompts) if prompts else None
        if not has_elicit(request) and prompt:
            _prompt(runtime, prompt, filling)
        if prompt or has_elicit(request):
            runtime.add_trace(
                {
                    "type": "entity-filling",
                    "payload": {"entityToFill": missing["name"], "intent": filling},
                }
            )
            payload = filling["payload"]
            runtime.logs.global_log(
                "nlu_intent_resolved",
                {
                    "confidence": 1 if payload.get("confidence") is None else payload["confidence"],
                    "resolvedIntent": nlc.as_name(payload),
                    "utterance": payload.get("query"),
                    "entities": {
                        e.get("name"): {"value": e.get("value")} for e in _entities(filling)
                    },
                },
            )
            return DialogOutcome(request, runtime.traces, end=True)
        _store(storage, {**store, "intentRequest": None})
        return DialogOutcome(_none_request(query))

    rectify_entity_values(filling["payload"], model)
    filling["payload"]["query"] = query
    _store(storage, None)
    return DialogOutcome(set_elicit(filling, False))
