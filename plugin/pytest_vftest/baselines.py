"""Hooks of regression baselines (`baseline:`, `--vftest-baseline`, `--vftest-update-baselines`).

The logic is in `vftest.baseline`. A case's check runs right after its own expectations pass
(`pytest_runtest_call`). When updating, each case's new record travels on its test report (an
attribute pytest-xdist serialises), so the controller alone writes each file, once, atomically.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pytest_vftest.options import settings_of
from pytest_vftest.session import session_key
from vftest.baseline import (
    BaselineError,
    Tolerance,
    TurnRecord,
    UpdateSummary,
    baseline_path,
    compare_cases,
    load_entries,
    record_case,
    render_differences,
    render_missing,
    write_updates,
)
from vftest.errors import BaselineMismatch

__all__ = ["BaselinePlugin"]

ATTRIBUTE = "vftest_baseline"  # on the call-phase TestReport, when updating


@dataclass
class _PendingFile:
    suite_name: str
    environment: str
    case_order: list[str]
    updates: dict[str, list[TurnRecord]] = field(default_factory=dict)


class BaselinePlugin:
    """Checks cases against their baselines, or collects and writes the updates."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.everywhere = bool(settings_of(config).baseline.value)
        self.updating = bool(settings_of(config).update_baselines.value)
        self.pending: dict[str, _PendingFile] = {}
        self.summary: UpdateSummary | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        """After the case's own expectations passed, compare it with its baseline."""
        yield  # a failed expectation raises here and the baseline is not looked at
        from pytest_vftest.nodes import CaseItem

        if not isinstance(item, CaseItem) or not self._enabled(item):
            return
        transcript = item.config.stash[session_key].transcripts.get(item.nodeid)
        if transcript is None:
            return
        settings = item.case.baseline
        record = record_case(transcript, settings)
        path = baseline_path(item.suite.file or item.suite.path, transcript.environment)
        if self.updating:
            item.stash[_update_key] = {
                "file": str(path),
                "suite": item.suite.name,
                "environment": transcript.environment,
                "order": [case.name for case in item.suite.cases],
                "case": item.case.name,
                "turns": record,
            }
            return
        shown = self._shown(path)
        where = f"{item.suite.path}:{item.case.location.line}: case '{item.case.name}'"
        try:
            entries = load_entries(path)
        except BaselineError as error:
            raise BaselineMismatch(str(error)) from None
        if item.case.name not in entries:
            raise BaselineMismatch(
                render_missing(where=where, baseline_file=shown, nodeid=item.nodeid)
            )
        tolerance = Tolerance(settings.threshold, settings.scorer)
        differences = compare_cases(entries[item.case.name], record, tolerance)
        if differences:
            raise BaselineMismatch(
                render_differences(
                    differences,
                    record,
                    turns=len(item.case.turns),
                    where=where,
                    baseline_file=shown,
                    nodeid=item.nodeid,
                )
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, Any]:
        """Put the case's new record on its report (xdist carries it to the controller)."""
        report = yield
        update = item.stash.get(_update_key, None)
        if call.when == "call" and update is not None and report.passed:
            setattr(report, ATTRIBUTE, update)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Gather updates (in the controller under xdist)."""
        update = getattr(report, ATTRIBUTE, None)
        if not isinstance(update, dict):
            return
        pending = self.pending.setdefault(
            update["file"], _PendingFile(update["suite"], update["environment"], update["order"])
        )
        pending.updates[update["case"]] = update["turns"]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write every updated baseline file, once (the controller under xdist)."""
        if not self.updating or hasattr(self.config, "workerinput"):
            return
        self.summary = UpdateSummary()
        for file, pending in sorted(self.pending.items()):
            write_updates(
                Path(file),
                suite_name=pending.suite_name,
                environment=pending.environment,
                case_order=pending.case_order,
                updates=pending.updates,
                summary=self.summary,
            )

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """`vftest baselines: 3 written, 1 updated, 2 removed, 40 unchanged`."""
        if self.summary is None:
            return
        terminalreporter.write_line(self.summary.line())
        for file in self.summary.files:
            terminalreporter.write_line(f"  wrote {self._shown(Path(file))}")

    def _enabled(self, item: Any) -> bool:
        said = item.case.baseline.enabled
        return bool(said) if said is not None else self.everywhere

    def _shown(self, path: Path) -> str:
        start = self.config.invocation_params.dir
        try:
            return str(path.resolve().relative_to(start))
        except ValueError:
            return str(path)


_update_key = pytest.StashKey[dict[str, Any]]()
