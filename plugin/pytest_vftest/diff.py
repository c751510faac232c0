"""Hooks of `--vftest-diff A,B`: collect both sides' transcripts, compare them at the end.

The comparison and its wording are `vftest.diff` (the same as `vftest diff` and baselines);
this only gathers transcripts from the test reports (so pytest-xdist works), prints the
one-screen summary, writes `--vftest-diff-markdown`, and fails the run when the sides differ.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_vftest.options import settings_of
from pytest_vftest.reports import transcript_of
from vftest.diff import (
    DiffReport,
    baseline_settings,
    diff_transcripts,
    render_markdown,
    render_text,
)
from vftest.environments import split_environments
from vftest.transcript import Transcript

__all__ = ["DiffPlugin"]


class DiffPlugin:
    """Registered only when `--vftest-diff` is set."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.left, self.right = split_environments(str(settings_of(config).diff.value))
        self.markdown = settings_of(config).diff_markdown.value
        self.transcripts: dict[str, Transcript] = {}
        self.report: DiffReport | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep the transcript a case's deciding report carries (one per item)."""
        transcript = transcript_of(report)
        if transcript is not None:
            self.transcripts[report.nodeid] = transcript

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Compare (on the controller under xdist); a difference fails a run that passed."""
        if hasattr(self.config, "workerinput"):
            return
        transcripts = list(self.transcripts.values())
        settings = baseline_settings(t.suite_path for t in transcripts)
        self.report = diff_transcripts(transcripts, self.left, self.right, settings=settings)
        if self.markdown:
            target = Path(self.markdown)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_markdown(self.report) + "\n", encoding="utf-8")
        if self.report.exit_code and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        """The one-screen summary, after pytest's own."""
        if self.report is not None:
            terminalreporter.write_sep("=", "vftest diff")
            for line in render_text(self.report).splitlines():
                terminalreporter.write_line(line)
