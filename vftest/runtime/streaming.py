"""Server-sent-event encoders of the local runtime, in the two styles of API.md §4.

* hosted (v2 / v4 `.../stream`): `event: trace`, `id: 1..n`, `data: <bare trace>`, then `end`;
* OSS v2beta1: `retry:2000`, `field:value` without spaces, UUID ids, `{type, trace}` envelopes.
A turn is computed before its stream starts, so events are encoded up front as a list.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from vftest.runtime.faults import connection_cut

__all__ = ["HOSTED_HEADERS", "V2BETA1_HEADERS", "SSEResponse", "hosted_events", "v2beta1_events"]

V2BETA1_HEADERS = {
    "Cache-Control": "private, no-cache, no-store, no-transform, must-revalidate, max-age=0",
    "Pragma": "no-cache",
    "X-Accel-Buffering": "no",
}
"""better-sse's response headers (captures 40, 41); Content-Type is set by `SSEResponse`."""

HOSTED_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
"""The hosted stream's headers are not evidenced; these keep proxies from buffering."""


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def hosted_events(traces: Sequence[dict[str, Any]], state: dict[str, Any] | None) -> list[bytes]:
    """Hosted-style events: each trace, then `state` (when asked for), then `end`."""
    events = [
        f"event: trace\nid: {n}\ndata: {_json(t)}\n\n".encode() for n, t in enumerate(traces, 1)
    ]
    if state is not None:
        events.append(f"event: state\nid: {len(events) + 1}\ndata: {_json(state)}\n\n".encode())
    # The documented `end` event carries no data line (API.md §4.1, spec example).
    events.append(f"event: end\nid: {len(events) + 1}\n\n".encode())
    return events


def _beta_event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event:{kind}\nid:{uuid.uuid4()}\ndata:{_json(data)}\n\n".encode()


def v2beta1_events(traces: Sequence[dict[str, Any]], state: dict[str, Any]) -> list[bytes]:
    """OSS v2beta1 events: `retry`, every trace in an envelope, the state, then `end`."""
    events = [b"retry:2000\n\n"]
    events.extend(_beta_event("trace", {"type": "trace", "trace": t}) for t in traces)
    events.append(_beta_event("state", {"type": "state", "state": state}))
    events.append(_beta_event("end", {"type": "end"}))
    return events


class SSEResponse(Response):
    """A `text/event-stream` response of pre-encoded events.

    All events go out in one write (they are ready; one write is much cheaper than n). With
    `cut=True` only the first half is sent and the connection is then dropped (fault `cut`).
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        events: list[bytes],
        headers: dict[str, str],
        *,
        cut: bool = False,
    ) -> None:
        self.events = events
        self.cut = cut
        self.status_code = 200
        self.background = None
        self.body = b""
        self.init_headers(headers)
        # init_headers adds Content-Length (a stream is chunked instead) and a charset to the
        # type; better-sse sends a bare `text/event-stream`.
        self.raw_headers = [
            (k, v) for k, v in self.raw_headers if k not in (b"content-length", b"content-type")
        ]
        self.raw_headers.append((b"content-type", b"text/event-stream"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the events (or half of them when cut)."""
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        if self.cut:
            half = b"".join(self.events[: max(1, len(self.events) // 2)])
            await send({"type": "http.response.body", "body": half, "more_body": True})
            raise connection_cut()
        await send({"type": "http.response.body", "body": b"".join(self.events)})
