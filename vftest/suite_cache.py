"""A cache of checked suite documents, so an unchanged suite is parsed and validated once.

Reading YAML and checking it against the schema is most of the cost of collecting a large suite
(issue 18: ~2 ms per case). The result for a document that passed every check (its data and its
line map) is stored under a key made of its text, the path it is shown as, and the code that
checks it (vftest's version and the loader's own source and schema), so any change to either
misses the cache. Values are plain JSON-like data stored with `marshal` (no code runs on
loading). Files the suite names are still checked, and the models still built, on every load.

Location: `$VFTEST_CACHE_DIR`, else `$XDG_CACHE_HOME/vftest/suites`, else
`~/.cache/vftest/suites`. `VFTEST_CACHE_DIR=off` turns it off. A cache that cannot be read or
written is ignored: it only ever saves time.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import vftest
from vftest.kinds import registry

__all__ = ["CACHE_ENV", "cache_dir", "document_key", "load", "store"]

CACHE_ENV = "VFTEST_CACHE_DIR"
_CODE = ("suite.py", "source.py", "templating.py")


def cache_dir() -> Path | None:
    """Where cached documents live, or None when caching is off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured.strip().lower() in ("", "off", "0", "false") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "vftest" / "suites"


@cache
def _code_fingerprint() -> bytes:
    digest = hashlib.sha256(vftest.__version__.encode())
    package = resources.files("vftest")
    for name in _CODE:
        digest.update(package.joinpath(name).read_bytes())
    digest.update(package.joinpath("resources", "suite.schema.json").read_bytes())
    return digest.digest()


def document_key(text: str, path: str) -> str:
    """The cache key of a document shown as `path`."""
    digest = hashlib.sha256(_code_fingerprint())
    # expectation kinds added by plugins change what is valid
    digest.update(registry.fingerprint().encode())
    digest.update(path.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def load(key: str) -> tuple[Any, dict[Any, tuple[int, int]]] | None:
    """The cached (data, spans) of a checked document, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = (folder / key[:2] / key).read_bytes()
        data, spans = marshal.loads(raw)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return data, spans


def store(key: str, data: Any, spans: dict[Any, tuple[int, int]]) -> None:
    """Keep a checked document (atomically; failures are ignored)."""
    folder = cache_dir()
    if folder is None:
        return
    target = folder / key[:2] / key
    try:
        payload = marshal.dumps((data, spans))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, target)
    except (OSError, ValueError):
        return
