"""What a run shares for meaning-level checks: one API client, one embedder, one judge."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from vftest.llm.embeddings import Embedder, OpenAIEmbedder, SentenceTransformersEmbedder
from vftest.llm.judge import Judge
from vftest.llm.openai_api import OpenAICompatible
from vftest.llm.settings import LLMSettings

__all__ = ["LLMServices"]


@dataclass
class LLMServices:
    """The embedder and judge of one run (create with `from_settings` on the run's loop)."""

    api: OpenAICompatible
    embedder: Embedder
    judge: Judge

    @classmethod
    def from_settings(
        cls, settings: LLMSettings, http: httpx.AsyncClient | None = None
    ) -> LLMServices:
        """Build the services; a local embedding model is loaded here (ConfigError if absent).

        `http` is the client to send with (the caller closes it); one is made if not given.
        """
        api = OpenAICompatible(settings, http)
        embedder: Embedder
        if settings.embedding_backend == "sentence-transformers":
            embedder = SentenceTransformersEmbedder(settings.embedding_model)
        else:
            embedder = OpenAIEmbedder(api, settings.embedding_model)
        return cls(api, embedder, Judge(api, settings.judge_model, settings.cache_dir))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.api.aclose()
