"""Node handlers, in the order the real runtime tries them (the first that can handle wins)."""

from __future__ import annotations

from vftest.runtime.engine.handlers.base import Handler
from vftest.runtime.engine.handlers.listening import CAPTURE, CAPTURE_V2, INTERACTION
from vftest.runtime.engine.handlers.logic import IF, IF_V2, SET, SET_V2
from vftest.runtime.engine.handlers.navigation import (
    CUSTOM_ACTION,
    END,
    FLOW,
    GO_TO,
    GO_TO_NODE,
    ONE_SHOT,
    RANDOM,
    preliminary_handler,
)
from vftest.runtime.engine.handlers.responses import (
    CARD_V2,
    CAROUSEL,
    CHANNEL_ACTION,
    NEXT,
    SPEAK,
    START,
    TEXT,
    VISUAL,
)
from vftest.runtime.engine.handlers.unsupported import UNSUPPORTED

__all__ = ["HANDLERS", "Handler"]

HANDLERS: tuple[Handler, ...] = (
    ONE_SHOT,
    preliminary_handler(),
    UNSUPPORTED,
    SPEAK,
    GO_TO,
    INTERACTION,
    CAPTURE_V2,
    CAPTURE,
    END,
    FLOW,
    IF,
    IF_V2,
    RANDOM,
    SET,
    SET_V2,
    START,
    VISUAL,
    TEXT,
    CARD_V2,
    CAROUSEL,
    GO_TO_NODE,
    CHANNEL_ACTION,
    NEXT,
    CUSTOM_ACTION,
)
