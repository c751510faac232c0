"""Where the model API is and which models to use, from the usual environment conventions.

`OPENAI_BASE_URL` and `OPENAI_API_KEY` are what OpenAI's own SDKs read, so one setting serves
hosted APIs and local servers (Ollama's `http://localhost:11434/v1`, vLLM). The key is read
from the environment only: a command-line option would put it in the shell history and in CI
logs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_BASE_URL", "LLMSettings"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"
DEFAULT_JUDGE_MODEL = "gpt-4o-mini"


@dataclass(frozen=True, slots=True, kw_only=True)
class LLMSettings:
    """One run's model settings; `from_env` fills what is not given."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)  # never printed
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    # "openai" (the API at base_url) or "sentence-transformers" (a model already on disk)
    embedding_backend: str = "openai"
    judge_model: str = DEFAULT_JUDGE_MODEL
    concurrency: int = 4  # model requests in flight at once, apart from the agent's limit
    timeout: float = 60.0
    max_retries: int = 3  # on 429 and 5xx
    max_wait: float = 60.0  # the longest Retry-After honoured before giving up
    cache_dir: Path | None = None  # judge verdicts; None: no disk cache

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> LLMSettings:
        """Settings from `OPENAI_BASE_URL` / `OPENAI_API_KEY`, then `overrides` (None ignored)."""
        env = os.environ if environ is None else environ
        given = {k: v for k, v in overrides.items() if v is not None}
        base_url = str(
            given.pop("base_url", None) or env.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        )
        key = env.get("OPENAI_API_KEY") or None
        return cls(base_url=base_url.rstrip("/"), api_key=key, **given)  # type: ignore[arg-type]
