"""Async client for the Voiceflow Conversations API (v1 state API, v2 stream, v4 sessions).

One transport seam: every request goes through the `httpx.AsyncClient` the caller passes, so
tests plug in `httpx.MockTransport`, `vftest.testing.FaultTransport` or an ASGI app.
"""

from __future__ import annotations

from vftest.client.conversation import (
    Conversation,
    V1Conversation,
    V2Conversation,
    V4Conversation,
    open_conversation,
)
from vftest.client.settings import ClientSettings, RequestGate
from vftest.client.transport import classify_status, retry_after_seconds, runtime_message

__all__ = [
    "ClientSettings",
    "Conversation",
    "RequestGate",
    "V1Conversation",
    "V2Conversation",
    "V4Conversation",
    "classify_status",
    "open_conversation",
    "retry_after_seconds",
    "runtime_message",
]
