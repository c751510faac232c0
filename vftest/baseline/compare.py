"""Compare two recorded conversations (see `record.py`) and say, turn by turn, what differs.

Structure is compared exactly: the user's actions, the kinds of traces in order, button labels
and request kinds, card titles, images, custom trace names and payloads, `end`. Texts (messages,
card descriptions) are compared within a tolerance: equal when their similarity, by the chosen
scorer, reaches the threshold (1.0, the default, means identical).

Each `Difference` is one line a person reads ("text changed, similarity 0.72 < 0.90", "button
'FAQ' removed", "new trace card 'Order 123'"), optionally with detail lines (a -/+ word diff).
Baselines and the cross-environment diff render them the same way.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from vftest.baseline.record import TurnRecord
from vftest.textmatch import format_score, one_line, quote, similarity, word_diff

__all__ = ["Difference", "Tolerance", "compare_cases", "describe_item", "describe_user"]


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How close a text must be to count as unchanged."""

    threshold: float = 1.0
    scorer: str = "ratio"


@dataclass(frozen=True, slots=True)
class Difference:
    """One change at one turn (`turn` is 0-based)."""

    turn: int
    message: str
    detail: tuple[str, ...] = ()


def compare_cases(
    expected: Sequence[TurnRecord], actual: Sequence[TurnRecord], tolerance: Tolerance
) -> list[Difference]:
    """What changed from `expected` (the baseline) to `actual` (this run), in turn order."""
    differences: list[Difference] = []
    for index in range(max(len(expected), len(actual))):
        if index >= len(actual):
            differences.append(
                Difference(index, f"turn not played: {describe_user(expected[index]['user'])}")
            )
            continue
        if index >= len(expected):
            differences.append(
                Difference(index, f"new turn: {describe_user(actual[index]['user'])}")
            )
            continue
        differences.extend(
            Difference(index, message, detail)
            for message, detail in _compare_turn(expected[index], actual[index], tolerance)
        )
    return differences


def describe_user(user: Any) -> str:
    """The user's action in a few words: `launch`, `text "hi"`, `button "FAQ"`."""
    if isinstance(user, str):
        return user
    if isinstance(user, dict) and len(user) >= 1:
        kind, value = next(iter(user.items()))
        return f"{kind} {quote(str(value)) if isinstance(value, str) else _short(value)}"
    return _short(user)


# --------------------------------------------------------------------------- one turn

_Found = tuple[str, tuple[str, ...]]


def _compare_turn(old: TurnRecord, new: TurnRecord, tolerance: Tolerance) -> list[_Found]:
    found: list[_Found] = []
    if old.get("user") != new.get("user"):
        found.append(
            (
                f"the case now sends {describe_user(new.get('user'))}; the baseline was "
                f"recorded with {describe_user(old.get('user'))}",
                (),
            )
        )
    found.extend(_compare_traces(old.get("agent") or [], new.get("agent") or [], tolerance))
    old_vars, new_vars = old.get("variables") or {}, new.get("variables") or {}
    for name in sorted(set(old_vars) | set(new_vars)):
        if old_vars.get(name) != new_vars.get(name):
            found.append(
                (
                    f"variable {name} changed: {_short(old_vars.get(name))} -> "
                    f"{_short(new_vars.get(name))}",
                    (),
                )
            )
    return found


def _key(item: dict[str, Any]) -> str:
    kind = next(iter(item), "")
    if kind == "custom":
        return f"custom:{item['custom'].get('name')}"
    return kind


def _compare_traces(
    old: list[dict[str, Any]], new: list[dict[str, Any]], tolerance: Tolerance
) -> list[_Found]:
    found: list[_Found] = []
    matcher = difflib.SequenceMatcher(None, [_key(i) for i in old], [_key(i) for i in new])
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(old[i1:i2], new[j1:j2], strict=True):
                found.extend(_compare_item(a, b, tolerance))
            continue
        found.extend((f"trace removed: {describe_item(a)}", ()) for a in old[i1:i2])
        found.extend((f"new trace {describe_item(b)}", ()) for b in new[j1:j2])
    return found


def _compare_item(old: dict[str, Any], new: dict[str, Any], tolerance: Tolerance) -> list[_Found]:
    kind = next(iter(old))
    a, b = old[kind], new[kind]
    if a == b:
        return []
    if kind in ("text", "speak"):
        return _compare_text(kind, a, b, tolerance)
    if kind == "buttons":
        return _compare_buttons("", a, b)
    if kind == "card":
        return _compare_card("card", a, b, tolerance)
    if kind == "carousel":
        return _compare_carousel(a, b, tolerance)
    if kind == "custom":
        return [
            (f"custom {quote(str(a.get('name')))}: {line}", ())
            for line in _json_changes("payload", a.get("payload"), b.get("payload"))
        ]
    return [(f"{kind} changed: {_short(a)} -> {_short(b)}", ())]


def _compare_text(kind: str, a: Any, b: Any, tolerance: Tolerance) -> list[_Found]:
    if not isinstance(a, str) or not isinstance(b, str):
        return [(f"{kind} changed: {_short(a)} -> {_short(b)}", ())]
    score = similarity(a, b, tolerance.scorer)
    if tolerance.threshold < 1.0 and score >= tolerance.threshold:
        return []
    bar = f" < {tolerance.threshold:.2f}" if tolerance.threshold < 1.0 else ""
    return [(f"{kind} changed, similarity {format_score(score)}{bar}", tuple(word_diff(a, b)))]


def _compare_buttons(owner: str, a: Any, b: Any) -> list[_Found]:
    a = a if isinstance(a, list) else []
    b = b if isinstance(b, list) else []
    old = {_label(x): x for x in a}
    new = {_label(x): x for x in b}
    found: list[_Found] = []
    found += [(f"{owner}button {quote(label)} removed", ()) for label in old if label not in new]
    found += [(f"{owner}button {quote(label)} added", ()) for label in new if label not in old]
    for label in old:
        if label in new and old[label].get("request") != new[label].get("request"):
            found.append(
                (
                    f"{owner}button {quote(label)} now sends {_short(new[label].get('request'))} "
                    f"(was {_short(old[label].get('request'))})",
                    (),
                )
            )
    same = [label for label in old if label in new]
    if not found and same != [label for label in new if label in old]:
        found.append((f"{owner}buttons reordered: {', '.join(map(quote, new))}", ()))
    return found


def _compare_card(owner: str, a: Any, b: Any, tolerance: Tolerance) -> list[_Found]:
    if not isinstance(a, dict) or not isinstance(b, dict):
        return [(f"{owner} changed", ())]
    name = f"{owner} {quote(str(a.get('title', '')))}"
    found: list[_Found] = []
    if a.get("title") != b.get("title"):
        found.append(
            (
                f"{owner} title changed: {quote(str(a.get('title', '')))} -> "
                f"{quote(str(b.get('title', '')))}",
                (),
            )
        )
    if a.get("description") != b.get("description"):
        for message, detail in _compare_text(
            "description", a.get("description", ""), b.get("description", ""), tolerance
        ):
            found.append((f"{name}: {message}", detail))
    if a.get("image") != b.get("image"):
        found.append(
            (f"{name}: image changed: {_short(a.get('image'))} -> {_short(b.get('image'))}", ())
        )
    found += _compare_buttons(f"{name}: ", a.get("buttons"), b.get("buttons"))
    return found


def _compare_carousel(a: Any, b: Any, tolerance: Tolerance) -> list[_Found]:
    a = a if isinstance(a, list) else []
    b = b if isinstance(b, list) else []
    if len(a) != len(b):
        return [(f"carousel has {len(b)} cards (was {len(a)})", ())]
    found: list[_Found] = []
    for number, (x, y) in enumerate(zip(a, b, strict=True), 1):
        found += _compare_card(f"carousel card {number}", x, y, tolerance)
    return found


def _json_changes(path: str, a: Any, b: Any) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        lines: list[str] = []
        for key in list(a) + [k for k in b if k not in a]:
            if key not in b:
                lines.append(f"{path}.{key} removed")
            elif key not in a:
                lines.append(f"{path}.{key} added: {_short(b[key])}")
            else:
                lines += _json_changes(f"{path}.{key}", a[key], b[key])
        return lines
    if a != b:
        return [f"{path} changed: {_short(a)} -> {_short(b)}"]
    return []


def _label(button: Any) -> str:
    return str(button.get("label")) if isinstance(button, dict) else str(button)


def describe_item(item: dict[str, Any]) -> str:
    """One recorded agent item in a few words: `text "Hi"`, `card "Order 1"`, `end`."""
    kind = next(iter(item), "?")
    value = item.get(kind)
    if kind in ("text", "speak") and isinstance(value, str):
        return f"{kind} {quote(value)}"
    if kind == "buttons":
        return "buttons [" + ", ".join(quote(_label(b)) for b in value or []) + "]"
    if kind == "card" and isinstance(value, dict):
        return f"card {quote(str(value.get('title', '')))}"
    if kind == "carousel":
        return f"carousel of {len(value or [])} cards"
    if kind == "custom" and isinstance(value, dict):
        return f"custom {quote(str(value.get('name')))}"
    return kind if value is True else f"{kind} {_short(value)}"


def _short(value: Any) -> str:
    return one_line(json.dumps(value, ensure_ascii=False, sort_keys=False), 80)
