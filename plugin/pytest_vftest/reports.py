"""Hooks of the run reports: JUnit additions, `-vv` transcripts, JSON, Markdown and HTML files.

The logic is in `vftest.reports`. Each case's deciding test report carries a small `vftest`
dict (see `plugin.pytest_runtest_makereport`); this plugin adds the case's transcript to it, so
pytest-xdist brings everything to the controller, which writes the files once.
"""

from __future__ import annotations

import contextlib
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from _pytest.junitxml import xml_key

from pytest_vftest.options import settings_of
from pytest_vftest.session import session_key, terminated_key
from vftest.errors import VftestError
from vftest.reports import build_results, case_entry, render_html, render_markdown
from vftest.reports.text import render_transcript
from vftest.transcript import Transcript

__all__ = ["ReportsPlugin"]


class ReportsPlugin:
    """Adds transcripts to reports and writes the report files at the end."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        settings = settings_of(config)
        self.paths = {
            "json": settings.json.value,
            "markdown": settings.markdown.value,
            "html": settings.html.value,
        }
        # The cross-environment diff reads the transcripts on the controller too.
        self.carry = any(self.paths.values()) or bool(settings_of(config).diff.value)
        self.entries: list[dict[str, Any]] = []
        self.reported: set[str] = set()  # node ids with any report (not-run ones are not)
        self.started = time.time()
        self.clock = time.perf_counter()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, Any]:
        """Give the deciding report the transcript; time a case by its real duration."""
        report = yield
        data = getattr(report, "vftest", None)
        transcript = item.config.stash[session_key].transcripts.get(item.nodeid)
        if call.when == "setup" and transcript is not None and report.passed:
            # The setup only waited for the background loop; the case's time is its own.
            report.duration = 0.0
        if isinstance(data, dict) and transcript is not None:
            if call.when == "call":
                report.duration = transcript.duration
            data["text"] = render_transcript(transcript)
            data["properties"] = {
                "vftest_user_id": transcript.user_id,
                "vftest_environment": transcript.environment,
                "vftest_api": transcript.api,
                "vftest_turns": f"{len(transcript.turns)}/{transcript.planned_turns}",
                "vftest_attempts": transcript.attempts,
            }
            if transcript.repetitions:
                passed = sum(1 for r in transcript.repetitions if r["outcome"] == "passed")
                data["properties"]["vftest_repetitions"] = (
                    f"{passed}/{len(transcript.repetitions)} passed"
                )
            if self.carry:
                data["transcript"] = transcript.to_dict()
        return report

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """JUnit properties and transcript; -vv transcript; remember the case for the files."""
        self.reported.add(report.nodeid)
        data = getattr(report, "vftest", None)
        if not isinstance(data, dict):
            return
        xml = self.config.stash.get(xml_key, None)
        if xml is not None and "text" in data:
            reporter = xml.node_reporter(report)
            for name, value in data.get("properties", {}).items():
                reporter.add_property(name, value)
            out = ET.Element("system-out")
            out.text = data["text"]
            reporter.append(out)
        if self.config.get_verbosity() >= 2 and report.passed and "text" in data:
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            if terminal is not None:
                terminal.ensure_newline()
                terminal.write_line(_indent(data["text"]))
        if any(self.paths.values()):
            outcome = _outcome(report)
            failure = str(report.longrepr) if report.failed and report.longrepr else ""
            self.entries.append(
                case_entry(
                    nodeid=report.nodeid,
                    outcome=outcome,
                    message=failure.splitlines()[0] if failure else "",
                    failure=failure,
                    transcript=data.get("transcript"),
                )
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Mark what a stopped run never ran (before junitxml writes), then write the files."""
        if hasattr(self.config, "workerinput"):
            return
        if self.config.stash.get(terminated_key, False):
            self._mark_not_run(session)
        self._write_files()

    def _mark_not_run(self, session: pytest.Session) -> None:
        from pytest_vftest.nodes import CaseItem

        reason = "not run: the run was stopped (SIGTERM) before this case"
        missing = [i for i in session.items if i.nodeid not in self.reported]
        xml = self.config.stash.get(xml_key, None)
        for item in missing:
            report = pytest.TestReport(
                nodeid=item.nodeid,
                location=item.location,
                keywords={},
                outcome="skipped",
                longrepr=(str(item.path), item.location[1] or 0, reason),
                when="setup",
            )
            if xml is not None:
                xml.pytest_runtest_logreport(report)
            if isinstance(item, CaseItem) and any(self.paths.values()):
                self.entries.append(
                    case_entry(nodeid=item.nodeid, outcome="not run", message=reason)
                )
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(
                f"vftest: stopped by SIGTERM; {len(missing)} tests not run, marked so in the "
                "reports"
            )

    def _write_files(self) -> None:
        if not any(self.paths.values()):
            return
        results = build_results(
            self.entries, duration=time.perf_counter() - self.clock, started=self.started
        )
        coverage = self.config.pluginmanager.get_plugin("vftest-coverage")
        if coverage is not None:
            # an unreadable agent file is reported by the coverage plugin itself
            with contextlib.suppress(VftestError):
                results["coverage"] = coverage.results()
        writers = {
            "json": lambda: json.dumps(results, indent=2, ensure_ascii=False) + "\n",
            "markdown": lambda: render_markdown(results) + "\n",
            "html": lambda: render_html(results),
        }
        for kind, path in self.paths.items():
            if path:
                target = Path(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(writers[kind](), encoding="utf-8")


def _outcome(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.when != "call" and report.failed:
        return "error"
    return str(report.outcome)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def transcript_of(report: pytest.TestReport) -> Transcript | None:
    """The transcript a report carries, when file reports were asked for."""
    data = getattr(report, "vftest", None)
    raw = data.get("transcript") if isinstance(data, dict) else None
    return Transcript.from_dict(raw) if raw else None
