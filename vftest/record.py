"""`vftest record`: fill in `expect:` for turns that have none, from what the agent answered.

The cases are played first (by pytest, like any run, see vftest.commands.record); this module
turns each played turn into expectations and writes them into the suite file with a round-trip
YAML library (ruamel.yaml), so comments, key order, quoting and the rest of the file stay as
they were. What is recorded is what the agent showed, reduced as baselines reduce it
(vftest.baseline.record): texts exactly, buttons by label, card and carousel titles, image URLs,
custom actions by name, `end`. A value that varies from one conversation to the next (the user
id, a timestamp) becomes a regular expression around the fixed text.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from vftest.baseline.record import record_turn
from vftest.models import BaselineSettings
from vftest.roundtrip import flow_map, flow_seq, round_trip_yaml
from vftest.transcript import Transcript

__all__ = ["Recorded", "expectations_of", "fill_expectations"]

ACTION_KEYS = ("launch", "text", "button", "intent", "event", "no_reply", "action")
_VOLATILE = re.compile(r"\{user_id\}|<time>")
_PLAIN = BaselineSettings()


@dataclass
class Recorded:
    """What `fill_expectations` did to one file."""

    text: str
    filled: list[str] = field(default_factory=list)  # "case: turn N" for each turn filled
    skipped: list[str] = field(default_factory=list)  # why a turn or case was not filled


def expectations_of(agent: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`expect:` items for a turn's baseline record of the agent's side (`record_turn`)."""
    items: list[dict[str, Any]] = []
    for shown in agent:
        kind, value = next(iter(shown.items()))
        if kind in ("text", "speak") and isinstance(value, str):
            items.append({kind: _text(value)})
        elif kind == "buttons" and isinstance(value, list):
            items.append({"choice": flow_seq([str(b.get("label")) for b in value])})
        elif kind == "card" and isinstance(value, Mapping) and value.get("title"):
            items.append({"card": flow_map({"title": _text(str(value["title"]))})})
        elif kind == "carousel" and isinstance(value, list):
            cards = [flow_map({"title": _text(str(c["title"]))}) for c in value if c.get("title")]
            carousel: dict[str, Any] = {"count": len(value)}
            if cards:
                carousel["cards"] = cards
            items.append({"carousel": carousel})
        elif kind == "visual" and isinstance(value, str):
            items.append({"visual": flow_map({"image": _text(value)})})
        elif kind == "custom" and isinstance(value, Mapping):
            items.append({"custom": flow_map({"name": value["name"]})})
        elif kind == "end":
            items.append({"end": True})
        # no_reply: the runtime's timeout hint, not something the user sees
    return items


def fill_expectations(
    text: str, transcripts: Mapping[str, Transcript], *, only: set[str] | None = None
) -> Recorded:
    """The suite `text` with `expect:` added to every played turn that had none.

    `transcripts` are the played cases by name; `only` limits the cases filled.
    """
    yaml = round_trip_yaml()
    document = yaml.load(text)
    recorded = Recorded(text)
    for case in document.get("cases") or []:
        name = case.get("name")
        if only is not None and name not in only:
            continue
        transcript = transcripts.get(name)
        if transcript is None:
            recorded.skipped.append(f"{name}: not played")
            continue
        if transcript.outcome == "error":
            recorded.skipped.append(f"{name}: not recorded: {transcript.error}")
            continue
        for index, turn in enumerate(case.get("turns") or []):
            if "expect" in turn or not isinstance(turn, CommentedMap):
                continue
            if index >= len(transcript.turns) or not transcript.turns[index].sent:
                recorded.skipped.append(f"{name}: turn {index + 1} was not played")
                continue
            agent = record_turn(transcript.turns[index], _PLAIN, user_id=transcript.user_id)
            items = expectations_of(agent["agent"])
            if not items:
                continue
            position = _after_action(turn)
            expect = CommentedSeq([CommentedMap(item) for item in items])
            turn.insert(position, "expect", expect)
            if position == len(turn) - 1:
                _keep_trailing_comments_last(turn, list(turn.keys())[position - 1], expect)
            recorded.filled.append(f"{name}: turn {index + 1}")
    if recorded.filled:
        out = io.StringIO()
        yaml.dump(document, out)
        recorded.text = out.getvalue()
    return recorded


def _after_action(turn: CommentedMap) -> int:
    keys = list(turn.keys())
    for position, key in enumerate(keys):
        if key in ACTION_KEYS:
            return position + 1
    return len(keys)


def _keep_trailing_comments_last(turn: CommentedMap, before: Any, expect: CommentedSeq) -> None:
    """Comment lines and blank lines after the turn stay after it, below the new `expect:`.

    ruamel.yaml keeps what follows a value (its inline comment, then the lines up to the next
    key) on that value; only the inline part belongs to the action.
    """
    entry = turn.ca.items.get(before)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None or "\n" not in token.value:
        return
    inline, rest = token.value.split("\n", 1)
    if not rest:
        return
    token.value = inline + "\n"
    last: CommentedMap = expect[-1]
    key = list(last.keys())[-1]
    value = last[key]
    flow = isinstance(value, CommentedMap | CommentedSeq) and value.fa.flow_style()
    if isinstance(value, dict | list) and not flow:
        return  # a block value ends elsewhere: leave the lines where they were
    moved = CommentToken("\n" + rest, CommentMark(0), None)
    last.ca.items.setdefault(key, [None, None, None, None])[2] = moved


def _text(value: str) -> Any:
    if not _VOLATILE.search(value):
        return value
    parts = _VOLATILE.split(value)
    return flow_map({"regex": "^" + ".+".join(re.escape(p) for p in parts) + "$"})
