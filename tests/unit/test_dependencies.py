"""Dependencies whose absence costs no error, only time: guard them like a regression."""

from __future__ import annotations

import asyncio
import builtins
import sys
from pathlib import Path
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


# Heavy libraries a passing run never needs: deepdiff pulls in pydantic (~110 ms), jsonschema
# and referencing (~100 ms) only explain a suite or a trace that is wrong.
EXPLAINERS = ("deepdiff", "pydantic", "jsonschema", "referencing")

PASSING_WORK = """
import sys
from vftest.contract import check_traces, load_contract
from vftest.models import ApiGeneration, ContractSettings
from vftest.suite import load_suite
import pytest_vftest.plugin, vftest.report, vftest.runner

load_suite("suites/welcome.vftest.yaml")
contract = load_contract("auto", ApiGeneration.V1)
trace = {"type": "text", "payload": {"message": "hi", "slate": {"content": []}}}
violations, _ = check_traces(contract, [trace], ContractSettings())
assert violations == [], violations
print(" ".join(name for name in %r if name in sys.modules))
"""


def test_a_passing_suite_and_valid_traces_import_no_explaining_library() -> None:
    import subprocess

    root = Path(__file__).parents[2]
    code = PASSING_WORK % (EXPLAINERS,)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=root
    )
    assert done.returncode == 0, done.stderr
    imported = done.stdout.split()
    assert imported == [], f"imported at start or on the passing path: {imported}"


def test_a_broken_suite_is_still_explained_by_jsonschema(tmp_path: Path) -> None:
    # The other side of the lazy import: the slow path still runs and gives its message.
    from vftest.errors import SuiteError
    from vftest.suite import load_suite

    path = tmp_path / "bad.vftest.yaml"
    path.write_text("name: bad\ncases:\n  - name: a\n    turns: 3\n")
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert "bad.vftest.yaml:4: cases[0].turns" in str(caught.value)
