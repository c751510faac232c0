"""The model API client, embeddings and judge against the OpenAI stand-in on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.openai_standin import StandIn, running
from vftest.llm import (
    Judge,
    LLMError,
    LLMSettings,
    OpenAICompatible,
    OpenAIEmbedder,
    cosine,
    parse_verdict,
)

KEY = StandIn().key


def settings(url: str, **extra: object) -> LLMSettings:
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": KEY or ""}
    return LLMSettings.from_env(env, **extra)


def test_settings_follow_the_openai_conventions() -> None:
    plain = LLMSettings.from_env({})
    assert plain.base_url == "https://api.openai.com/v1"
    assert (plain.embedding_model, plain.judge_model) == ("text-embedding-3-small", "gpt-4o-mini")
    local = LLMSettings.from_env(
        {"OPENAI_BASE_URL": "http://localhost:11434/v1/", "OPENAI_API_KEY": "sk-x"},
        judge_model="llama3",
    )
    assert (local.base_url, local.judge_model) == ("http://localhost:11434/v1", "llama3")
    assert "sk-x" not in repr(local)


def test_embeddings_request_shape_and_a_run_cache() -> None:
    async def scenario(url: str) -> tuple[float, float, int]:
        api = OpenAICompatible(settings(url))
        embedder = OpenAIEmbedder(api, "text-embedding-3-small")
        try:
            first = await embedder.vectors(["Your order has shipped", "The parcel was sent"])
            again = await embedder.vectors(["Your order has shipped", "We are closed on Sunday"])
        finally:
            await api.aclose()
        close = cosine(first["Your order has shipped"], first["The parcel was sent"])
        far = cosine(again["Your order has shipped"], again["We are closed on Sunday"])
        return close, far, embedder.requested

    with running() as standin:
        close, far, requested = asyncio.run(scenario(standin.url))
    assert close > 0.9 > 0.1 > far
    assert requested == 3  # "Your order has shipped" was embedded once
    [first, second] = standin.requests
    assert first["path"] == "/v1/embeddings"
    assert first["headers"]["authorization"] == f"Bearer {KEY}"
    assert first["json"] == {
        "model": "text-embedding-3-small",
        "input": ["Your order has shipped", "The parcel was sent"],
    }
    assert second["json"]["input"] == ["We are closed on Sunday"]


def _call(state: StandIn, **extra: object) -> str:
    async def scenario() -> str:
        api = OpenAICompatible(settings(state.url, **extra))
        try:
            return await api.chat_json("gpt-4o-mini", [{"role": "user", "content": "x"}], {})
        finally:
            await api.aclose()

    return asyncio.run(scenario())


def test_429_is_waited_out_and_retried() -> None:
    with running() as standin:
        standin.script = [("status", 429, {"retry-after": "0"}), ("status", 503, {})]
        assert json.loads(_call(standin))["verdict"] in ("pass", "fail")
    assert len(standin.requests) == 3


def test_429_beyond_the_retry_budget_or_wait_is_an_infrastructure_error() -> None:
    with running() as standin:
        standin.script = [("status", 429, {"retry-after": "0"})] * 4
        with pytest.raises(LLMError, match=r"HTTP 429 after 4 attempts: Rate limit reached"):
            _call(standin)
        standin.script = [("status", 429, {"x-ratelimit-reset-requests": "6m0s"})]
        with pytest.raises(LLMError, match="HTTP 429"):
            _call(standin)  # a six-minute window is not waited (max_wait 60 s)
    assert len(standin.requests) == 4 + 1


def test_a_refused_key_says_so_without_quoting_the_key() -> None:
    with running() as standin, pytest.raises(LLMError) as caught:
        asyncio.run(_refused(standin.url))
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "invalid_api_key" in message
    assert "OPENAI_API_KEY" in message
    assert "sk-wrong-key-0123456789" not in message
    assert "0123456789" not in message


async def _refused(url: str) -> None:
    env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": "sk-wrong-key-0123456789"}
    api = OpenAICompatible(LLMSettings.from_env(env))
    try:
        await api.embeddings("m", ["a"])
    finally:
        await api.aclose()


@pytest.mark.parametrize(
    "body",
    [
        '{"data": []}',
        "not json",
        "[" * 100 + "]" * 100,
        '{"data": [{"index": 0, "embedding": "x"}]}',
    ],
)
def test_a_malformed_answer_is_an_error(body: str) -> None:
    async def scenario(url: str) -> None:
        api = OpenAICompatible(settings(url))
        try:
            await api.embeddings("m", ["a"])
        finally:
            await api.aclose()

    with running() as standin:
        standin.script = [("body", body)]
        with pytest.raises(LLMError, match="unexpected answer"):
            asyncio.run(scenario(standin.url))


def test_an_unreachable_api_is_an_error() -> None:
    from tests.net import closed_port_url

    async def scenario() -> None:
        api = OpenAICompatible(settings(closed_port_url() + "/v1", timeout=2.0))
        try:
            await api.embeddings("m", ["a"])
        finally:
            await api.aclose()

    with pytest.raises(LLMError, match=r"POST http://127\.0\.0\.1"):
        asyncio.run(scenario())


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("The agent did fine.", "not JSON"),
        ('{"verdict": "pass", "score": 0.9}', "keys"),
        ('{"verdict": "pass", "score": 0.9, "reason": "ok", "extra": 1}', "keys"),
        ('{"verdict": "maybe", "score": 0.9, "reason": "ok"}', "neither"),
        ('{"verdict": "pass", "score": 1.5, "reason": "ok"}', "score"),
        ('{"verdict": "pass", "score": true, "reason": "ok"}', "score"),
        ('{"verdict": "pass", "score": 0.9, "reason": " "}', "reason is empty"),
        ('["pass"]', "not a JSON object"),
    ],
)
def test_a_malformed_verdict_is_never_a_pass(content: str, problem: str) -> None:
    with pytest.raises(LLMError, match=f"malformed verdict.*{problem}"):
        parse_verdict(content)


def test_the_judge_asks_at_temperature_0_with_a_schema_and_caches_on_disk(tmp_path: Path) -> None:
    conversation = "user: where is my parcel\nagent: It has shipped."

    async def scenario(url: str) -> list[tuple[bool, bool]]:
        api = OpenAICompatible(settings(url))
        judge = Judge(api, "gpt-4o-mini", tmp_path / "verdicts")
        try:
            found = []
            for rubric in ("must: shipped", "must: refund", "must: shipped"):
                verdict = await judge.verdict(rubric, conversation, "the whole conversation")
                found.append((verdict.passed, verdict.cached))
            return found
        finally:
            await api.aclose()

    with running() as standin:
        found = asyncio.run(scenario(standin.url))
    assert found == [(True, False), (False, False), (True, True)]
    assert len(standin.requests) == 2  # the repeated rubric came from the disk cache
    body = standin.requests[0]["json"]
    assert body["model"] == "gpt-4o-mini"
    assert body["temperature"] == 0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["messages"][0]["role"] == "system"
    assert "Rubric: must: shipped" in body["messages"][1]["content"]
    assert conversation in body["messages"][1]["content"]
    assert len(list((tmp_path / "verdicts").glob("*.json"))) == 2
    assert not list((tmp_path / "verdicts").glob("*.tmp"))


def test_a_local_sentence_transformers_model_is_loaded_from_disk_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The optional backend's glue, with a stand-in for the sentence_transformers package."""
    import types

    from vftest.errors import ConfigError
    from vftest.llm import LLMServices

    loaded: list[tuple[str, bool]] = []

    class FakeModel:
        def __init__(self, path: str, local_files_only: bool = False) -> None:
            loaded.append((path, local_files_only))

        def encode(self, texts: list[str]) -> list[list[float]]:
            return [[float(len(t)), 1.0] for t in texts]

    module = types.ModuleType("sentence_transformers")
    module.SentenceTransformer = FakeModel  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sentence_transformers", module)
    local = LLMSettings.from_env({}, embedding_backend="sentence-transformers",
                                 embedding_model=str(tmp_path))  # fmt: skip
    services = LLMServices.from_settings(local)
    vectors = asyncio.run(services.embedder.vectors(["ab", "abc", "ab"]))
    assert vectors == {"ab": [2.0, 1.0], "abc": [3.0, 1.0]}
    assert loaded == [(str(tmp_path), True)]  # never a download
    missing = LLMSettings.from_env({}, embedding_backend="sentence-transformers",
                                   embedding_model=str(tmp_path / "nope"))  # fmt: skip
    with pytest.raises(ConfigError, match="no such folder"):
        LLMServices.from_settings(missing)
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    with pytest.raises(ConfigError, match=r"pip install 'vftest\[semantic-local\]'"):
        LLMServices.from_settings(local)
