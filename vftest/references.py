"""Checks, at load time, the files a suite names: its agent (`target.project`) and contract.

A suite that points at a missing, empty or corrupt agent file, or at a contract that is not
an OpenAPI document, is broken as surely as one with a YAML typo: it is reported with the
suite's `path:line` by `vftest check` and at collection, not when the first case runs.

Each file is checked once per process (cached by path, size and modification time), so many
suites naming the same agent cost one parse.
"""

from __future__ import annotations

import os
from functools import cache

from vftest.errors import ContractError, ProjectError

__all__ = ["contract_problem", "project_problem"]

DESIGN_EXPORT_HINT = (
    "this is a design export (.vf) without compiled programs, which the local runtime "
    "cannot run; get the compiled agent (.vfr) with `vftest pull`"
)


def project_problem(path: str) -> str | None:
    """What is wrong with the agent file at `path` (absolute), or None when it loads."""
    stat = _stat(path, "file not found", "a compiled agent file (.vfr)")
    if isinstance(stat, str):
        return stat
    return _project_problem(path, stat.st_size, stat.st_mtime_ns)


def contract_problem(path: str) -> str | None:
    """What is wrong with the OpenAPI contract at `path` (absolute), or None when it loads."""
    missing = "file not found (use auto, v4, dm-1.1 or the path of an OpenAPI 3.0/3.1 file)"
    stat = _stat(path, missing, "an OpenAPI 3.0/3.1 document")
    if isinstance(stat, str):
        return stat
    return _contract_problem(path, stat.st_size, stat.st_mtime_ns)


def _stat(path: str, missing: str, expected: str) -> os.stat_result | str:
    """The file's stat, or why it cannot be the `expected` file (missing, folder, empty)."""
    if not os.path.exists(path):
        return missing
    if os.path.isdir(path):
        return f"is a directory, not {expected}"
    stat = os.stat(path)
    if stat.st_size == 0:
        return f"the file is empty; expected {expected}"
    return stat


@cache
def _project_problem(path: str, size: int, mtime_ns: int) -> str | None:
    # size and mtime_ns are part of the cache key: an edited file is checked again.
    del size, mtime_ns
    # Imported here: the runtime package costs ~0.2 s and is needed only by suites naming one.
    from vftest.runtime.project import load_project

    try:
        load_project(path)
    except ProjectError as error:
        return _without_source(str(error), path)
    return None


@cache
def _contract_problem(path: str, size: int, mtime_ns: int) -> str | None:
    del size, mtime_ns
    from vftest.contract.registry import load_contract

    try:
        load_contract(path)
    except ContractError as error:
        return _without_source(str(error), path).removeprefix("contract ")
    return None


def _without_source(message: str, path: str) -> str:
    # Loader messages start with the file's path; the suite's line already says which file.
    for prefix in (f"{path}: ", f"contract {path}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message
