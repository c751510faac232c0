"""The local runtime's error bodies, byte-shaped like the real runtime's (see API.md §5).

Four shapes: ResponseBuilder (`{code,status,dateTime,timestamp,data}`), verror
(`{name,message,requestID}`), validation (`{errors:{param:{message}}}`) and Express's HTML 404.
Handlers raise `HTTPFailure(response)`; the app turns it into the response.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

__all__ = [
    "HTTPFailure",
    "JSONBody",
    "express_not_found",
    "next_request_id",
    "response_builder",
    "syntax_error",
    "syntax_error_message",
    "unexpected_token",
    "validation_error",
    "verror",
]


class JSONBody(Response):
    """A JSON response serialised like Express's `res.json` (compact, non-ASCII kept)."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        """Serialise `content` the way `JSON.stringify` would."""
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        # A lone surrogate (sent in a user's text, kept in its state) is written as the `\\ud800`
        # escape JSON.stringify gives it, instead of failing every later answer for that user.
        return text.encode("utf-8", "backslashreplace")


class HTTPFailure(Exception):
    """Raised inside a handler to answer with `response` instead (auth, validation, ...)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


# ExceptionMiddleware numbers requests; a process-wide counter is unique enough for a test runtime.
_request_ids = itertools.count(1)


def next_request_id() -> str:
    """A fresh `requestID` for a verror body."""
    return str(next(_request_ids))


def response_builder(status: int, data: Any) -> JSONBody:
    """The ResponseBuilder error shape (`@voiceflow/backend-utils` errorResponse)."""
    now = time.time()
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    body = {
        "code": status,
        "status": HTTPStatus(status).phrase,
        "dateTime": stamp,
        "timestamp": int(now * 1000),
        "data": data,
    }
    return JSONBody(body, status_code=status)


def verror(message: str, status: int = 400) -> JSONBody:
    """The ExceptionMiddleware shape for a `VError` passed to `next(err)`."""
    body = {"name": "verror", "message": message, "requestID": next_request_id()}
    return JSONBody(body, status_code=status)


def syntax_error(message: str) -> JSONBody:
    """body-parser's 400 for a malformed JSON body, as ExceptionMiddleware renders it."""
    body = {"name": "SyntaxError", "message": message, "requestID": next_request_id()}
    return JSONBody(body, status_code=400)


def validation_error(errors: dict[str, str]) -> JSONBody:
    """The 400 of express-validator / AJV: `{"errors": {"<param>": {"message": ...}}}`."""
    return JSONBody(
        {"errors": {param: {"message": message} for param, message in errors.items()}},
        status_code=400,
    )


# escape-html's table (`'` becomes &#39;, not Python's &#x27;).
_ESCAPE_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})

_NOT_FOUND_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Error</title>
</head>
<body>
<pre>Cannot {method} {path}</pre>
</body>
</html>
"""


def express_not_found(method: str, raw_path: str) -> Response:
    """Express's finalhandler 404 page for an unknown route (capture 34)."""
    page = _NOT_FOUND_PAGE.format(method=method, path=raw_path.translate(_ESCAPE_HTML))
    return Response(
        page,
        status_code=404,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": "default-src 'none'",
            "X-Content-Type-Options": "nosniff",
        },
    )


# --- V8's JSON.parse messages ------------------------------------------------------------------
# body-parser reports JSON.parse's own message, so a client sees V8 wording; Python's decoder
# words the same failures differently, so they are translated here (Node 20 wording).

_CONTEXT = 10  # V8 kMaxContextCharacters


def unexpected_token(text: str, pos: int) -> str:
    """V8's `Unexpected token` message for the character at `pos`, quoting context around it.

    Also what body-parser's strict mode reports for a body that is not an object or array.
    """
    token = text[pos]
    if len(text) < 2 * _CONTEXT + 1:
        return f"Unexpected token '{token}', \"{text}\" is not valid JSON"
    start, end = max(0, pos - _CONTEXT), min(len(text), pos + _CONTEXT)
    snippet = ("..." if start else "") + f'"{text[start:end]}"' + ("..." if end < len(text) else "")
    return f"Unexpected token '{token}', {snippet} is not valid JSON"


def _container_at(text: str, pos: int) -> str:
    """The innermost open bracket (`{` or `[`) before `pos`, skipping string contents."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:pos]:
        if in_string:
            escaped = not escaped and char == "\\"
            in_string = escaped or char != '"'
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else "{"


def syntax_error_message(text: str, error: json.JSONDecodeError) -> str:
    """Translate Python's decode error into the message `JSON.parse` gives for `text`."""
    pos, msg = error.pos, error.msg
    at = f"in JSON at position {pos}"
    if msg.startswith("Expecting ',' delimiter"):
        # Python stops before a bad number part that V8 reads into.
        if text[pos : pos + 1].isdigit() and text[pos - 1] == "0":
            return f"Unexpected number {at}"  # a leading zero (`01`)
        if text[pos : pos + 1] == "." and text[pos - 1].isdigit():
            return f"Unterminated fractional number in JSON at position {pos + 1}"
        if text[pos : pos + 1] in ("e", "E") and text[pos - 1].isdigit():
            return f"Exponent part is missing a number in JSON at position {pos + 1}"
        if _container_at(text, pos) == "[":
            return f"Expected ',' or ']' after array element {at}"
        return f"Expected ',' or '}}' after property value {at}"
    if msg.startswith("Expecting property name"):
        if text[:pos].rstrip().endswith(","):
            return f"Expected double-quoted property name {at}"
        return f"Expected property name or '}}' {at}"
    if msg.startswith("Expecting ':' delimiter"):
        return f"Expected ':' after property name {at}"
    if msg.startswith("Unterminated string"):
        return f"Unterminated string in JSON at position {len(text)}"
    if msg.startswith("Invalid control character"):
        return f"Bad control character in string literal {at}"
    if msg.startswith("Invalid \\u"):
        # V8 points at the first character that is not a hex digit.
        end = pos + 1
        while end < len(text) and end < pos + 5 and text[end] in "0123456789abcdefABCDEF":
            end += 1
        return f"Bad Unicode escape in JSON at position {end}"
    if msg.startswith("Invalid \\escape"):
        return f"Bad escaped character in JSON at position {pos + 1}"
    if msg.startswith("Extra data"):
        return f"Unexpected non-whitespace character after JSON at position {pos}"
    if text[pos : pos + 1] == "-":
        return f"No number after minus sign in JSON at position {pos + 1}"
    # V8 reads a literal (true/false/null) until it stops matching; Python stops at its start.
    for literal in ("true", "false", "null"):
        if text[pos : pos + 1] == literal[0]:
            while pos < len(text) and pos - error.pos < len(literal):
                if text[pos] != literal[pos - error.pos]:
                    break
                pos += 1
            break
    if pos >= len(text.rstrip()):
        return "Unexpected end of JSON input"
    return unexpected_token(text, pos)
