"""Entity value canonicalisation (general-runtime lib/services/dialog/synonym.ts).

A filled entity's value becomes the first synonym of the slot input it is closest to: an
exact match wins at once, otherwise the best score above the tolerance (60 of 100), where the
score mixes Damerau-Levenshtein similarity, the Dice coefficient on bigrams and a small bonus
for a shared first letter. Values that match nothing well enough are kept as said.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Any

__all__ = ["comparison", "get_synonym", "rectify_entity_values"]

_TOLERANCE = 60


def _damerau_levenshtein(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment)."""
    previous_row: list[int] | None = None
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row = previous_row, row
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if (
                before is not None
                and i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
            ):
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def _dice(a: str, b: str) -> float:
    """Talisman's dice: the Tversky index (alpha = beta = 0.5) over the sets of bigrams."""
    if a == b:
        return 1.0
    if len(a) == 1 and len(b) == 1:
        return 0.0
    x, y = _bigrams(a), _bigrams(b)
    shared = len(x & y)
    denominator = shared + 0.5 * (len(x) - shared) + 0.5 * (len(y) - shared)
    return shared / denominator if denominator else math.nan


def comparison(a: str, b: str) -> float:
    """A 0-100 similarity score (NaN for two empty strings, as in JavaScript)."""
    longest = max(len(a), len(b))
    if not longest:
        return math.nan
    score = 1 - _damerau_levenshtein(a, b) / longest + _dice(a, b)
    if a[:1] == b[:1]:
        score += 0.1
    return math.floor(score / 0.021) if math.isfinite(score) else math.nan


def _sanitize(value: Any) -> str:
    """Lower case without accents (Crème Brulée -> creme brulee)."""
    text = unicodedata.normalize("NFD", value if isinstance(value, str) else str(value))
    return "".join(c for c in text if not 0x300 <= ord(c) <= 0x36F).lower()


def get_synonym(query: Any, inputs: list[Any]) -> Any:
    """The canonical value for `query` among slot `inputs` ("big, large" lines), or `query`."""
    groups = [
        item.split(",")
        for item in inputs or []
        if isinstance(item, str) and len(item.split(",")) > 1
    ]
    best_score: float = 0
    best_word = ""
    wanted = _sanitize(query)
    for group in groups:
        for synonym in group:
            score = comparison(wanted, _sanitize(synonym))
            if score == 100:
                return group[0]
            if score > best_score:  # NaN never wins, as in JavaScript
                best_score, best_word = score, group[0]
    return best_word if best_score > _TOLERANCE else query


def rectify_entity_values(payload: dict[str, Any], model: dict[str, Any]) -> None:
    """Canonicalise every entity value of an intent request payload in place."""
    slots = {s.get("name"): s for s in model.get("slots") or [] if isinstance(s, dict)}
    for entity in payload.get("entities") or []:
        if not isinstance(entity, dict) or entity.get("name") not in slots:
            continue
        entity["value"] = get_synonym(
            entity.get("value"), slots[entity["name"]].get("inputs") or []
        )
