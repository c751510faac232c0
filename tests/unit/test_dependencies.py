"""Dependencies whose absence costs no error, only time: guard them like a regression."""

from __future__ import annotations

import asyncio
import builtins
import sys
from typing import Any

import pytest


def test_httpcore_finds_sniffio_instead_of_failing_an_import_per_lock() -> None:
    # httpcore calls current_async_library() on every lock and event of every request; without
    # sniffio each call is a failed import (never cached), ~19 % of the client's CPU.
    from httpcore import _synchronization

    failed: list[str] = []
    real_import = builtins.__import__

    def watching(name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return real_import(name, *args, **kwargs)
        except ImportError:
            failed.append(name)
            raise

    async def ask() -> str:
        return _synchronization.current_async_library()

    builtins.__import__ = watching
    try:
        library = asyncio.run(ask())
    finally:
        builtins.__import__ = real_import
    assert library == "asyncio"
    assert failed == []
    assert "sniffio" in sys.modules


def test_importing_vftest_does_not_import_deepdiff() -> None:
    # deepdiff pulls in pydantic (~110 ms of start-up); only payload diffs need it.
    import subprocess

    code = (
        "import sys, vftest, vftest.runner, vftest.suite, vftest.report;"
        "print('deepdiff' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    if out.strip() == "True":
        pytest.fail("deepdiff is imported at start-up; import it where a payload diff is made")
