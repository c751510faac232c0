"""A stand-in for an OpenAI-compatible API on 127.0.0.1, following OpenAI's documented contract.

`POST /v1/embeddings` and `POST /v1/chat/completions` with OpenAI's request and response shapes,
bearer-key checks answered like OpenAI (401 `invalid_api_key`), and scripted faults (429 with
`retry-after`, 500, malformed bodies, malformed verdicts). Every request is recorded so tests
can check what vftest sent.

Embeddings are deterministic and meaning-aware enough for tests: words are mapped through a
small synonym table, then hashed into a bag-of-words vector, so a paraphrase built from the
table scores close to 1 and an unrelated sentence close to 0. The judge passes a rubric when
every word of its `must:` list appears in the conversation (or follows `verdicts`, scripted).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vftest.runtime.server import RunningServer

DIMENSIONS = 256
SYNONYMS = {
    "shipped": "sent", "dispatched": "sent", "posted": "sent", "sent": "sent",
    "parcel": "order", "package": "order", "order": "order",
    "arrive": "arrive", "arrives": "arrive", "delivered": "arrive", "delivery": "arrive",
    "hello": "hi", "hi": "hi", "hey": "hi", "welcome": "hi",
}  # fmt: skip
STOP_WORDS = {"the", "a", "an", "is", "was", "has", "been", "your", "you", "to", "of", "and", "it"}


def embed(text: str) -> list[float]:
    """The stand-in's embedding of `text` (unit length)."""
    vector = [0.0] * DIMENSIONS
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in STOP_WORDS:
            continue
        word = SYNONYMS.get(word, word)
        slot = int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSIONS
        vector[slot] += 1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


@dataclass
class StandIn:
    """The server's state: what it expects, what it will do next, what it received."""

    key: str | None = "sk-standin-0123456789abcdef"
    requests: list[dict[str, Any]] = field(default_factory=list)
    # scripted answers, consumed in order before the normal behaviour:
    # ("status", code, headers) | ("body", raw text) | ("verdict", raw content text)
    script: list[tuple[Any, ...]] = field(default_factory=list)
    url: str = ""

    def paths(self) -> list[str]:
        """The paths of the requests received, in order."""
        return [r["path"] for r in self.requests]


def _error(status: int, message: str, kind: str, code: str | None) -> JSONResponse:
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return JSONResponse(body, status_code=status)


def make_app(state: StandIn) -> Starlette:
    """The ASGI app serving `state`."""

    async def gate(request: Request) -> tuple[dict[str, Any] | None, Response | None]:
        raw = await request.body()
        state.requests.append(
            {"path": request.url.path, "headers": dict(request.headers), "raw": raw.decode()}
        )
        wanted = f"Bearer {state.key}"
        if state.key is not None and request.headers.get("authorization") != wanted:
            shown = request.headers.get("authorization", "")[-4:]
            return None, _error(
                401,
                f"Incorrect API key provided: ...{shown}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                "invalid_request_error",
                "invalid_api_key",
            )
        try:
            body = json.loads(raw)
        except ValueError:
            return None, _error(400, "We could not parse the JSON body of your request.",
                                "invalid_request_error", None)  # fmt: skip
        state.requests[-1]["json"] = body
        if state.script and state.script[0][0] in ("status", "body"):
            step = state.script.pop(0)
            if step[0] == "status":
                headers = step[2] if len(step) > 2 else {}
                message = "Rate limit reached for requests" if step[1] == 429 else "Server error"
                response = _error(step[1], message, "requests", "rate_limit_exceeded")
                response.headers.update(headers)
                return None, response
            return None, Response(step[1], media_type="application/json")
        return body, None

    async def embeddings(request: Request) -> Response:
        body, refused = await gate(request)
        if refused is not None:
            return refused
        assert body is not None
        inputs = body.get("input")
        if not isinstance(inputs, list) or not isinstance(body.get("model"), str):
            return _error(400, "'input' and 'model' are required", "invalid_request_error", None)
        data = [{"object": "embedding", "index": i, "embedding": embed(str(text))}
                for i, text in enumerate(inputs)]  # fmt: skip
        usage = {"prompt_tokens": len(inputs), "total_tokens": len(inputs)}
        return JSONResponse(
            {"object": "list", "data": data, "model": body["model"], "usage": usage}
        )

    async def completions(request: Request) -> Response:
        body, refused = await gate(request)
        if refused is not None:
            return refused
        assert body is not None
        if state.script and state.script[0][0] == "verdict":
            content = state.script.pop(0)[1]
        else:
            content = json.dumps(_judge(body["messages"][-1]["content"]))
        message = {"role": "assistant", "content": content, "refusal": None}
        choice = {"index": 0, "finish_reason": "stop", "message": message}
        return JSONResponse({"id": "chatcmpl-standin", "object": "chat.completion", "created": 0,
                             "model": body.get("model"), "choices": [choice],
                             "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                       "total_tokens": 2}})  # fmt: skip

    return Starlette(
        routes=[
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/chat/completions", completions, methods=["POST"]),
        ]
    )


def _judge(prompt: str) -> dict[str, Any]:
    # Rubrics in tests say `must: word, word`; the verdict passes when all appear.
    rubric = prompt.split("\n", 1)[0]
    conversation = prompt.split("Conversation:\n", 1)[-1].lower()
    wanted = rubric.split("must:", 1)[1] if "must:" in rubric else ""
    words = [w.strip().lower() for w in wanted.split(",") if w.strip()]
    missing = [w for w in words if w not in conversation]
    if missing:
        return {"verdict": "fail", "score": 0.2, "reason": f"the agent never says {missing[0]!r}"}
    return {"verdict": "pass", "score": 0.9, "reason": "the agent says everything the rubric asks"}


@contextmanager
def running(state: StandIn | None = None) -> Iterator[StandIn]:
    """Serve a stand-in on 127.0.0.1 for the block; `state.url` is its base URL (`.../v1`)."""
    state = state or StandIn()
    server = RunningServer(make_app(state)).start()
    try:
        state.url = server.url + "/v1"
        yield state
    finally:
        server.stop()
