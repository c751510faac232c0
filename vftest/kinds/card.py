"""`card:` items: a cardV2 trace's title, description, image and buttons.

The card checks are shared with carousels (vftest.kinds.carousel), whose cards read the same way.
"""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import BuildContext, Check, Kind, text_check
from vftest.kinds.choice import buttons_check, describe_buttons
from vftest.models import CardMatch, Trace
from vftest.rendering import get
from vftest.textmatch import describe

__all__ = ["CARD", "CardKind", "card_checks", "describe_card"]


def card_checks(cm: CardMatch, card: Any, prefix: str = "") -> list[Check]:
    """The checks of one card (`prefix` names it inside a carousel: `cards[1].`)."""
    checks: list[Check] = []
    if cm.title is not None:
        checks.append(text_check(f"{prefix}title", cm.title, get(card, "title")))
    if cm.description is not None:
        description = get(card, "description")
        # cardV2 descriptions are {slate, text}; tolerate a bare string as older traces had.
        text = description if isinstance(description, str) else get(description, "text")
        checks.append(text_check(f"{prefix}description", cm.description, text))
    if cm.image is not None:
        checks.append(text_check(f"{prefix}image", cm.image, get(card, "imageUrl")))
    if cm.buttons is not None:
        checks.append(buttons_check(cm.buttons, get(card, "buttons"), prefix))
    return checks


def describe_card(cm: CardMatch) -> str:
    """The card fields wanted, in one line."""
    parts = []
    if cm.title is not None:
        parts.append(f"title {describe(cm.title)}")
    if cm.description is not None:
        parts.append(f"description {describe(cm.description)}")
    if cm.image is not None:
        parts.append(f"image {describe(cm.image)}")
    if cm.buttons is not None:
        parts.append(f"buttons {describe_buttons(cm.buttons)}")
    return ", ".join(parts)


class CardKind(Kind):
    """A cardV2 trace."""

    name = "card"
    trace_type = "cardV2"
    description = "A card (cardV2 trace) whose fields match."

    def build(self, value: Any, context: BuildContext) -> CardMatch:
        """The card matcher."""
        return context.card(value)

    def check(self, spec: CardMatch | None, trace: Trace) -> list[Check]:
        """Each field the matcher names."""
        if spec is None:  # only a payload to contain
            return []
        return card_checks(spec, trace.get("payload"))

    def describe(self, spec: CardMatch | None, trace_type: str | None) -> str:
        """The fields wanted, e.g. `title "Order 123"`."""
        if spec is None:
            return ""
        return describe_card(spec)


CARD = CardKind()
