"""The library's public surface: pytest-free, and every name in `__all__` exists.

(ruff's RUF022 keeps each `__all__` sorted.)
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LIBRARY_MODULES = [
    "vftest",
    "vftest.actions",
    "vftest.capture",
    "vftest.cli",
    "vftest.client",
    "vftest.contract",
    "vftest.errors",
    "vftest.limiter",
    "vftest.matchers",
    "vftest.models",
    "vftest.report",
    "vftest.runner",
    "vftest.runtime",
    "vftest.runtime.app",
    "vftest.scheduler",
    "vftest.suite",
    "vftest.testing",
    "vftest.textmatch",
]


def test_the_library_never_imports_pytest() -> None:
    code = "import sys\n" + "".join(f"import {m}\n" for m in LIBRARY_MODULES)
    code += "assert 'pytest' not in sys.modules, sorted(m for m in sys.modules if 'pytest' in m)\n"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", LIBRARY_MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    if exported is None:
        pytest.skip(f"{name} has no __all__")
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []
