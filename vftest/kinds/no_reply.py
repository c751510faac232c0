"""`no_reply:` items: the runtime asks the client to wait for the user (optionally how long)."""

from __future__ import annotations

from typing import Any

from vftest.kinds.base import Kind

__all__ = ["NO_REPLY", "NoReplyKind"]


class NoReplyKind(Kind):
    """A no-reply trace."""

    name = "no_reply"
    trace_type = "no-reply"
    description = "A no-reply trace, optionally with its timeout."

    def payload(self, value: Any, payload: Any) -> Any:
        """`{timeout: N}` is a payload to contain."""
        if isinstance(value, dict) and "timeout" in value:
            return {"timeout": value["timeout"]}
        return payload

    def label(self) -> str:
        """Named as the wire type."""
        return "no-reply"


NO_REPLY = NoReplyKind()
