"""Matching with `semantic:` text matchers: embeddings fetched first, then ordinary matching.

Matching is synchronous and embeddings come from a model over the network, so a turn is matched
in passes: the first pass notes every (expected, actual) pair a `semantic` matcher compares
(scoring them 0), the missing texts are embedded in one call, and the next pass scores them by
cosine similarity. A turn without `semantic` matchers is matched once, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from vftest.errors import ConfigError
from vftest.llm.embeddings import Embedder, cosine
from vftest.textmatch import semantic_scores

__all__ = ["match_by_meaning"]

T = TypeVar("T")
MAX_PASSES = 4  # a pass can only ask for pairs the previous one scored: this is never reached


async def match_by_meaning(embedder: Embedder | None, match: Callable[[], T]) -> T:
    """`match()`, with `semantic` matchers scored by `embedder`'s vectors.

    Raises:
        ConfigError: a `semantic` matcher ran but no embedder is configured.
    """
    vectors: dict[str, list[float]] = {}
    wanted: set[str] = set()

    def score(expected: str, actual: str) -> float:
        if expected in vectors and actual in vectors:
            return cosine(vectors[expected], vectors[actual])
        wanted.update((expected, actual))
        return 0.0

    for _ in range(MAX_PASSES):
        wanted.clear()
        with semantic_scores(score):
            result = match()
        missing = sorted(wanted - vectors.keys())
        if not missing:
            return result
        if embedder is None:
            raise ConfigError("a `semantic:` matcher needs an embedding model (docs/matchers.md)")
        vectors.update(await embedder.vectors(missing))
    raise RuntimeError("semantic matching did not settle")  # pragma: no cover
