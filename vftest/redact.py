"""Keeps API keys and session keys out of everything vftest prints, logs or stores.

Applied wherever request data is quoted: exception messages, log records, reports.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "REDACTED",
    "SENSITIVE_HEADERS",
    "RedactingFilter",
    "redact",
    "redact_headers",
    "redact_obj",
    "secrets_of",
]

REDACTED = "***"

SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

# Fragments shorter than this are not treated as secrets on their own: replacing every "abc"
# in a message would mangle it while protecting nothing.
_MIN_FRAGMENT = 8


def secrets_of(*keys: str | None) -> tuple[str, ...]:
    """The strings to hide for the given keys: each key, its auth-scheme-less form and its secret.

    A Dialog Manager key `VF.DM.<id>.<secret>` is also hidden by its `<secret>` part alone, so
    a message quoting a truncated or re-formatted key still leaks nothing usable.
    """
    found: list[str] = []
    for key in keys:
        if not key:
            continue
        key = key.strip()
        bare = key
        for scheme in ("Bearer ", "ApiKey "):
            if bare.startswith(scheme):
                bare = bare[len(scheme) :].strip()
        found.extend((key, bare))
        tail = bare.rsplit(".", 1)[-1]
        if len(tail) >= _MIN_FRAGMENT:
            found.append(tail)
    # Longest first so that a key is replaced whole before any of its fragments.
    return tuple(sorted({s for s in found if s}, key=len, reverse=True))


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every occurrence of each secret replaced by `***`."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def redact_obj(value: Any, secrets: Iterable[str | None]) -> Any:
    """A deep copy of a JSON-like value with secrets replaced in every string (keys included)."""
    hidden = [s for s in secrets if s]
    if not hidden:
        return value
    return _redact_value(value, hidden)


def _redact_value(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {redact(str(k), secrets): _redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v, secrets) for v in value]
    return value


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    secrets: Iterable[str | None] = (),
) -> dict[str, str]:
    """Headers safe to print: sensitive ones masked whatever their value, others redacted."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    hidden = list(secrets)
    return {
        name: REDACTED if name.lower() in SENSITIVE_HEADERS else redact(value, hidden)
        for name, value in items
    }


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites records so no secret reaches a handler.

    Attach it to a handler (or logger) when the key may appear in third-party log messages.
    """

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message by its redacted, fully formatted form."""
        if self._secrets:
            record.msg = redact(record.getMessage(), self._secrets)
            record.args = None
        return True
