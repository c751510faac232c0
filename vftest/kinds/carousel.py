"""`carousel:` items: the layout, the number of cards and each card in order."""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import BuildContext, Check, Kind
from vftest.kinds.card import card_checks, describe_card
from vftest.models import CarouselMatch, Trace
from vftest.rendering import format_value, get
from vftest.textmatch import quote

__all__ = ["CAROUSEL", "CarouselKind"]


def _carousel_checks(cm: CarouselMatch, payload: Any) -> list[Check]:
    checks: list[Check] = []
    layout = get(payload, "layout")
    if cm.layout is not None and layout != cm.layout:
        got = format_value(layout) if layout is not None else "nothing"
        checks.append(Check(False, 0.0, (f"layout: expected {quote(cm.layout)}, got {got}",)))
    cards = get(payload, "cards")
    cards = cards if isinstance(cards, list) else []
    if cm.count is not None and len(cards) != cm.count:
        checks.append(Check(False, 0.0, (f"cards: expected {cm.count}, got {len(cards)}",)))
    # Cards are compared position by position: "cards in order" reads best as card 1 is the
    # first card shown, and positional failures name the card that is wrong.
    for i, expected in enumerate(cm.cards):
        if i >= len(cards):
            checks.append(Check(False, 0.0, (f"cards[{i}]: missing (got {len(cards)} cards)",)))
            continue
        checks.extend(card_checks(expected, cards[i], f"cards[{i}]."))
    return checks


def _describe_carousel(cm: CarouselMatch) -> str:
    parts = []
    if cm.layout is not None:
        parts.append(f"layout {quote(cm.layout)}")
    if cm.count is not None:
        parts.append(f"{cm.count} card{'s' if cm.count != 1 else ''}")
    if cm.cards:
        parts.append("cards [" + "; ".join(describe_card(c) for c in cm.cards) + "]")
    return ", ".join(parts)


class CarouselKind(Kind):
    """A carousel trace."""

    name = "carousel"
    trace_type = "carousel"
    description = "A carousel whose layout, card count and cards match."

    def build(self, value: Any, context: BuildContext) -> CarouselMatch:
        """Layout, count and the cards in order."""
        return CarouselMatch(
            layout=value.get("layout"),
            count=value.get("count"),
            cards=tuple(context.card(card) for card in value.get("cards", [])),
        )

    def check(self, spec: CarouselMatch | None, trace: Trace) -> list[Check]:
        """Layout, count, then card by card."""
        if spec is None:  # only a payload to contain
            return []
        return _carousel_checks(spec, trace.get("payload"))

    def describe(self, spec: CarouselMatch | None, trace_type: str | None) -> str:
        """What is wanted, e.g. `3 cards`."""
        if spec is None:
            return ""
        return _describe_carousel(spec)


CAROUSEL = CarouselKind()
