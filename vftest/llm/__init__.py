"""Meaning-level checks through a language model: embeddings for `semantic:`, a judge for `judge:`.

`LLMSettings` says where the model API is (OpenAI-compatible, `OPENAI_BASE_URL` /
`OPENAI_API_KEY` by default), `OpenAICompatible` speaks its `/embeddings` and
`/chat/completions`, `Embedder` turns texts into vectors (cached for the run), `Judge` asks for a
structured verdict (cached on disk). `LLMServices` bundles what a run shares.
"""

from vftest.llm.embeddings import Embedder, OpenAIEmbedder, SentenceTransformersEmbedder, cosine
from vftest.llm.judge import Judge, Verdict, parse_verdict
from vftest.llm.openai_api import LLMError, OpenAICompatible
from vftest.llm.services import LLMServices
from vftest.llm.settings import DEFAULT_BASE_URL, LLMSettings

__all__ = [
    "DEFAULT_BASE_URL",
    "Embedder",
    "Judge",
    "LLMError",
    "LLMServices",
    "LLMSettings",
    "OpenAICompatible",
    "OpenAIEmbedder",
    "SentenceTransformersEmbedder",
    "Verdict",
    "cosine",
    "parse_verdict",
]
