"""Texts to vectors for the `semantic:` matcher, from an API or a local model, cached per run.

The OpenAI-compatible backend sends every uncached text of a turn in one `/embeddings` call. The
sentence-transformers backend (optional extra `vftest[semantic-local]`) loads a model that is
already on disk: vftest never downloads one during a test run.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from vftest.errors import ConfigError
from vftest.llm.openai_api import OpenAICompatible

__all__ = ["Embedder", "OpenAIEmbedder", "SentenceTransformersEmbedder", "cosine"]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors (0.0 when either is all zeros)."""
    if len(a) != len(b):
        raise ValueError(f"vectors of different sizes ({len(a)} and {len(b)})")
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return 0.0 if norm == 0 else dot / norm


class Embedder(Protocol):
    """Turns texts into vectors; the same text always gets the same vector within a run."""

    name: str

    async def vectors(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """A vector for each distinct text."""
        ...


class _CachedEmbedder:
    """The run cache shared by the backends: each distinct text is embedded once."""

    name = ""

    def __init__(self) -> None:
        self._cache: dict[str, list[float]] = {}
        self._lock = asyncio.Lock()
        self.requested = 0  # texts sent to the backend (what the cache did not have)

    async def vectors(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """A vector for each distinct text, computing only what the cache does not hold."""
        async with self._lock:  # two turns asking for one text embed it once
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                self.requested += len(missing)
                for text, vector in zip(missing, await self._compute(missing), strict=True):
                    self._cache[text] = vector
        return {text: self._cache[text] for text in texts}

    async def _compute(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError


class OpenAIEmbedder(_CachedEmbedder):
    """`POST /embeddings` of an OpenAI-compatible API."""

    def __init__(self, api: OpenAICompatible, model: str) -> None:
        super().__init__()
        self.api = api
        self.model = model
        self.name = model

    async def _compute(self, texts: list[str]) -> list[list[float]]:
        return await self.api.embeddings(self.model, texts)


class SentenceTransformersEmbedder(_CachedEmbedder):
    """A sentence-transformers model from a folder on disk (never downloaded)."""

    def __init__(self, model_path: str) -> None:
        super().__init__()
        self.name = model_path
        if not Path(model_path).is_dir():
            raise ConfigError(
                f"sentence-transformers model {model_path!r}: no such folder; name a model "
                "already on disk (vftest does not download models during a test run)"
            )
        try:
            from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
        except ImportError as error:
            raise ConfigError(
                "the sentence-transformers embedding backend needs the optional extra: "
                "pip install 'vftest[semantic-local]'"
            ) from error
        self._model: Any = SentenceTransformer(model_path, local_files_only=True)

    async def _compute(self, texts: list[str]) -> list[list[float]]:
        # The model runs on the CPU: off the event loop, so other conversations keep going.
        encoded = await asyncio.to_thread(self._model.encode, texts)
        return [[float(x) for x in row] for row in encoded]
