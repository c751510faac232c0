"""An OpenAI-compatible model API: `POST /embeddings` and `POST /chat/completions`.

Follows OpenAI's documented contract, which Ollama, vLLM and most gateways copy: bearer key in
`authorization`, errors as `{"error": {"message", "type", "code"}}`, 429 with `retry-after`.
Rate limits and 5xx are retried a few times within a bounded wait; anything else the API refuses,
a response that is not the documented shape, or no answer at all is an `LLMError`: an
infrastructure error, so a case that needed the model is an ERROR, never a pass. The key never
appears in an error message.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from vftest.errors import InfrastructureError
from vftest.jsonlimits import loads
from vftest.llm.settings import LLMSettings
from vftest.redact import redact, secrets_of

__all__ = ["LLMError", "OpenAICompatible"]

MAX_QUOTED = 300  # characters of an error body quoted in a message


class LLMError(InfrastructureError):
    """The model API could not give an answer vftest can use."""

    kind = "llm"


class OpenAICompatible:
    """Async client of one OpenAI-compatible API, with its own concurrency limit."""

    def __init__(self, settings: LLMSettings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._http = http or httpx.AsyncClient(timeout=settings.timeout)
        self._own_http = http is None
        self._slots = asyncio.Semaphore(max(1, settings.concurrency))
        self._secrets = secrets_of(settings.api_key)

    async def aclose(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._own_http:
            await self._http.aclose()

    async def embeddings(self, model: str, texts: list[str]) -> list[list[float]]:
        """One vector per text, in the order given."""
        body = await self._post("/embeddings", {"model": model, "input": texts})
        data = body.get("data")
        if not isinstance(data, list) or len(data) != len(texts):
            raise self._shape("/embeddings", f"expected {len(texts)} embeddings in `data`")
        vectors: list[list[float] | None] = [None] * len(texts)
        for position, item in enumerate(data):
            index = item.get("index", position) if isinstance(item, dict) else None
            vector = item.get("embedding") if isinstance(item, dict) else None
            if not isinstance(index, int) or not 0 <= index < len(texts) or not _numbers(vector):
                raise self._shape("/embeddings", f"data[{position}] is not an embedding")
            vectors[index] = [float(x) for x in vector or ()]
        if any(v is None for v in vectors):
            raise self._shape("/embeddings", "an input got no embedding")
        return [v for v in vectors if v is not None]

    async def chat_json(
        self, model: str, messages: list[dict[str, str]], schema: dict[str, Any]
    ) -> str:
        """The assistant's reply (a JSON text under `schema`), at temperature 0."""
        payload = {
            "model": model,
            "messages": messages,
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "verdict", "strict": True, "schema": schema},
            },
        }
        body = await self._post("/chat/completions", payload)
        choices = body.get("choices")
        first = choices[0] if isinstance(choices, list) and choices else None
        message = first.get("message") if isinstance(first, dict) else None
        if not isinstance(message, dict):
            raise self._shape("/chat/completions", "no `choices[0].message`")
        if message.get("refusal"):
            raise LLMError(f"the judge model refused: {self._quote(str(message['refusal']))}")
        content = message.get("content")
        if not isinstance(content, str):
            raise self._shape("/chat/completions", "`choices[0].message.content` is not text")
        return content

    # ------------------------------------------------------------------- transport

    async def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = self.settings.base_url + path
        headers = {"content-type": "application/json"}
        if self.settings.api_key:
            headers["authorization"] = f"Bearer {self.settings.api_key}"
        attempt = 0
        async with self._slots:
            while True:
                attempt += 1
                try:
                    response = await self._http.post(url, json=payload, headers=headers)
                except httpx.TimeoutException as error:
                    raise LLMError(
                        f"POST {url}: no answer within {self.settings.timeout:g}s"
                    ) from error
                except httpx.HTTPError as error:
                    raise LLMError(
                        f"POST {url}: {self._quote(str(error) or type(error).__name__)}"
                    ) from error
                if response.status_code == 429 or response.status_code >= 500:
                    wait = _retry_after(response)
                    if attempt <= self.settings.max_retries and wait <= self.settings.max_wait:
                        await asyncio.sleep(wait)
                        continue
                    raise LLMError(self._refused(url, response, attempt))
                if response.status_code >= 400:
                    raise LLMError(self._refused(url, response, attempt))
                return self._json(path, response)

    def _json(self, path: str, response: httpx.Response) -> dict[str, Any]:
        try:
            body = loads(response.content)
        except ValueError as error:
            raise self._shape(path, f"the body is not JSON ({error})") from error
        if not isinstance(body, dict):
            raise self._shape(path, "the body is not a JSON object")
        return body

    def _refused(self, url: str, response: httpx.Response, attempts: int) -> str:
        detail = _error_message(response)
        tried = f" after {attempts} attempts" if attempts > 1 else ""
        hint = " (check OPENAI_API_KEY)" if response.status_code in (401, 403) else ""
        return self._quote(f"POST {url}: HTTP {response.status_code}{tried}: {detail}{hint}")

    def _shape(self, path: str, problem: str) -> LLMError:
        return LLMError(f"POST {self.settings.base_url}{path}: unexpected answer: {problem}")

    def _quote(self, text: str) -> str:
        return redact(text, self._secrets)


def _numbers(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    )


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code = error.get("code") or error.get("type")
        text = error["message"] + (f" ({code})" if isinstance(code, str) else "")
    elif isinstance(error, str):
        text = error
    else:
        text = response.text or response.reason_phrase
    text = str(text)
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 1] + "…"


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait before resending: `retry-after`, else OpenAI's reset header, else 1."""
    for name in ("retry-after", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"):
        value = response.headers.get(name)
        if value:
            seconds = _duration(value)
            if seconds is not None:
                return seconds
    return 1.0


def _duration(text: str) -> float | None:
    # `retry-after: 2`, OpenAI's `x-ratelimit-reset-requests: 1m30s` / `250ms`
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    total = 0.0
    number = ""
    rest = text.strip()
    units = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    while rest:
        if rest[0].isdigit() or rest[0] == ".":
            number += rest[0]
            rest = rest[1:]
            continue
        unit = "ms" if rest.startswith("ms") else rest[0]
        if unit not in units or not number:
            return None
        total += float(number) * units[unit]
        number = ""
        rest = rest[len(unit) :]
    return total if not number else None
