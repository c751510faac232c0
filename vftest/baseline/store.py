"""Baseline files: one readable YAML file per suite and environment, next to the suite.

    suites/orders.vftest.yaml  ->  suites/__baselines__/orders.development.yaml

A file holds, per case name (in the suite's case order), the recorded turns (see `record.py`).
Reading is cached by modification time; writing merges updates into what is on disk, drops the
entries of cases the suite no longer has, and replaces the file atomically (a temporary file
renamed over it), so a reader never sees half a file. Under pytest-xdist only the controller
writes, once per file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from vftest.baseline.record import TurnRecord
from vftest.errors import VftestError

__all__ = ["BaselineError", "UpdateSummary", "baseline_path", "load_entries", "write_updates"]

FOLDER = "__baselines__"
_SUITE_SUFFIX = re.compile(r"\.vftest\.ya?ml$|\.ya?ml$")


class BaselineError(VftestError):
    """A baseline file cannot be read or is not a baseline."""


def baseline_path(suite_file: str | os.PathLike[str], environment: str) -> Path:
    """Where the baseline of `suite_file` against `environment` lives."""
    suite = Path(suite_file)
    stem = _SUITE_SUFFIX.sub("", suite.name)
    safe_env = re.sub(r"[^\w.-]", "_", environment) or "default"
    return suite.parent / FOLDER / f"{stem}.{safe_env}.yaml"


def load_entries(path: Path) -> dict[str, list[TurnRecord]]:
    """The recorded cases of a baseline file (empty when it does not exist)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return {}
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@cache
def _load(path: str, mtime_ns: int, size: int) -> dict[str, list[TurnRecord]]:
    del mtime_ns, size  # cache keys: an edited file is read again
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {_first_line(error)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("cases", {}), dict):
        raise BaselineError(f"{path}: not a vftest baseline (expected a mapping with `cases`)")
    cases = data.get("cases") or {}
    return {str(name): list(turns or []) for name, turns in cases.items()}


@dataclass
class UpdateSummary:
    """What `--vftest-update-baselines` did, for the closing line."""

    written: int = 0  # cases recorded for the first time
    updated: int = 0  # cases whose baseline changed
    removed: int = 0  # entries of cases the suite no longer has
    unchanged: int = 0
    files: list[str] = field(default_factory=list)

    def line(self) -> str:
        """`vftest baselines: 3 written, 1 updated, 2 removed, 40 unchanged`."""
        return (
            f"vftest baselines: {self.written} written, {self.updated} updated, "
            f"{self.removed} removed, {self.unchanged} unchanged"
        )


def write_updates(
    path: Path,
    *,
    suite_name: str,
    environment: str,
    case_order: Sequence[str],
    updates: Mapping[str, list[TurnRecord]],
    summary: UpdateSummary,
) -> None:
    """Merge `updates` (case name -> turns) into the file at `path` and write it atomically.

    Entries of cases not in `case_order` (the suite's current cases) are removed; entries of
    existing cases that were not run (deselected with `-k`) are kept as they are.
    """
    current = load_entries(path)
    merged: dict[str, list[TurnRecord]] = {}
    for name in case_order:
        if name in updates:
            old = current.get(name)
            if old is None:
                summary.written += 1
            elif old != updates[name]:
                summary.updated += 1
            else:
                summary.unchanged += 1
            merged[name] = updates[name]
        elif name in current:
            merged[name] = current[name]
    summary.removed += sum(1 for name in current if name not in case_order)
    if merged == current and path.exists():
        return
    document = {
        "suite": suite_name,
        "environment": environment,
        "cases": merged,
    }
    header = (
        f"# vftest baseline of {suite_name!r} against {environment}: what the agent answered.\n"
        "# Review changes like code; rewrite with `pytest --vftest-update-baselines`.\n"
    )
    text = header + yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    _atomic_write(path, text)
    summary.files.append(str(path))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Dumper(yaml.SafeDumper):
    """Block style for structure, flow style for small leaf mappings; multi-line text as |."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> Any:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_dict(dumper: yaml.SafeDumper, value: dict[str, Any]) -> Any:
    leaf = all(not isinstance(v, dict | list) for v in value.values()) and len(value) <= 3
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=leaf)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
