"""Reading saved traces: JSON array, `{"traces": [...]}`, JSONL, or a saved SSE stream.

SSE is decoded by httpx-sse (the spec's `field:value` with or without a space, comments,
multi-line `data:`), and both trace styles are unwrapped: the bare trace of the hosted v2/v4
streams and the `{"type": "trace", "trace": {...}}` envelope of the OSS v2beta1 stream.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import EventSource, SSEError

from vftest.errors import ContractError
from vftest.models import Trace

__all__ = ["read_dump", "read_dump_text"]

_SSE_LINE = re.compile(r"^(?:event|data|id|retry)\s*:|^:")


def read_dump(path: Path | str) -> list[Trace]:
    """Read the traces saved in a file; ContractError (naming the file) when unreadable."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContractError(f"{name}: cannot read it ({exc})") from exc
    return read_dump_text(text, name)


def read_dump_text(text: str, name: str = "<dump>") -> list[Trace]:
    """Parse a dump already in memory; the format is told by its content, not its name."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise ContractError(f"{name}: empty; expected traces (JSON, JSONL or an SSE stream)")
    if stripped[0] in "[{":
        try:
            data = json.loads(stripped)
        except ValueError:
            return _jsonl(stripped, name)
        return _from_json(data, name)
    first = stripped.splitlines()[0]
    if _SSE_LINE.match(first):
        return _sse(stripped, name)
    raise ContractError(
        f"{name}: not a trace dump (expected a JSON array, an object with `traces`, JSONL, "
        f"or `event:`/`data:` lines); starts with {first[:40]!r}"
    )


def _from_json(data: Any, name: str) -> list[Trace]:
    if isinstance(data, dict):
        for key in ("traces", "trace"):  # v4 `{traces}`, v1 verbose `{state, trace}`
            if isinstance(data.get(key), list):
                return _unwrap_all(data[key], name)
        if "type" in data:  # one trace on its own (as in tests/data/traces/)
            return _unwrap_all([data], name)
        raise ContractError(f"{name}: a JSON object without `traces` (or `type`)")
    if isinstance(data, list):
        return _unwrap_all(data, name)
    raise ContractError(f"{name}: expected a JSON array or object, got {type(data).__name__}")


def _jsonl(text: str, name: str) -> list[Trace]:
    items: list[Any] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except ValueError as exc:
            raise ContractError(f"{name}:{number}: not JSON ({exc.args[0]})") from exc
    return _unwrap_all(items, name)


def _sse(text: str, name: str) -> list[Trace]:
    # httpx-sse decodes from a response; a synthetic one keeps us on its public API.
    response = httpx.Response(
        200, headers={"content-type": "text/event-stream"}, content=text.encode()
    )
    traces: list[Trace] = []
    try:
        for number, event in enumerate(EventSource(response).iter_sse(), 1):
            if event.event not in ("trace", "message") or not event.data.strip():
                continue  # state, end, and keep-alives carry no trace
            try:
                data = json.loads(event.data)
            except ValueError as exc:
                raise ContractError(
                    f"{name}: event #{number} ({event.event}): data is not JSON ({exc.args[0]})"
                ) from exc
            traces.extend(_unwrap_all([data], name))
    except SSEError as exc:
        raise ContractError(f"{name}: not a readable SSE stream ({exc})") from exc
    return traces


def _unwrap_all(items: list[Any], name: str) -> list[Trace]:
    traces: list[Trace] = []
    for position, item in enumerate(items, 1):
        if isinstance(item, dict) and item.get("type") == "trace" and "trace" in item:
            item = item["trace"]  # v2beta1 envelope
        if not isinstance(item, dict):
            raise ContractError(f"{name}: item #{position} is not a JSON object")
        traces.append(item)
    return traces
