"""Collection nodes: a `SuiteFile` per `*.vftest.yaml`, a `CaseItem` per case.

A case runs in the background scheduler; the item's setup waits for its result, so an
infrastructure fault surfaces as a pytest *error* (setup) and an agent regression as a
*failure* (call), each with vftest's own readable report.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_vftest.session import session_key, suite_environments
from vftest.errors import BaselineMismatch, CaseFailed, SuiteError, VftestError
from vftest.models import Case, CaseResult, Suite
from vftest.report import render_failure, render_warnings
from vftest.suite import load_suite


class SuiteFile(pytest.File):
    """One suite file; a broken file is a collection error for that file only."""

    def collect(self) -> Iterator[CaseItem]:
        """Load the suite and yield one item per case."""
        try:
            suite = load_suite(self._display_path(), file=self.path)
        except SuiteError as error:
            raise self.CollectError(str(error)) from None
        environments = suite_environments(self.config, suite)
        for case in suite.cases:
            for tag in (*suite.tags, *case.tags):
                _register_marker(self.config, tag)
            for environment in environments:
                # A matrix names each item by its environment, so `-k production` selects it.
                name = case.name if len(environments) == 1 else f"{case.name}[{environment}]"
                yield CaseItem.from_parent(
                    self, name=name, case=case, suite=suite, environment=environment
                )

    def _display_path(self) -> str:
        # Relative to the rootdir, so `path:line:` messages match what the user typed.
        try:
            return str(self.path.relative_to(self.config.rootpath))
        except ValueError:
            return str(self.path)


class MisnamedSuite(pytest.File):
    """A YAML file given on the command line whose name no suite pattern matches."""

    def __init__(self, *, patterns: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.patterns = patterns

    def collect(self) -> Iterator[pytest.Item]:
        """Fail collection with how suite files must be named."""
        shown = " or ".join(self.patterns.split())
        raise self.CollectError(
            f"{self.path.name} is not collected as a vftest suite: suite files are named "
            f"{shown}. Rename it (e.g. {_suggested(self.path.name)}), or add its pattern to "
            "the ini key vftest_file_pattern (or --vftest-file-pattern)."
        )


def _suggested(name: str) -> str:
    stem, _, suffix = name.rpartition(".")
    return f"{stem}.vftest.{suffix}"


def _register_marker(config: pytest.Config, tag: str) -> None:
    # Registered on the fly so `--strict-markers` accepts suite tags and `pytest --markers`
    # lists them.
    known = {line.split(":")[0].strip() for line in config.getini("markers")}
    if tag not in known:
        config.addinivalue_line("markers", f"{tag}: vftest suite tag")


class ContractWarning(UserWarning):
    """The contract noted something that does not fail the case (warn mode, unknown types)."""


class InfrastructureFailure(Exception):
    """Raised in setup when the runtime, not the agent, made the case fail (a pytest error)."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class CaseItem(pytest.Item):
    """One case of a suite."""

    def __init__(self, *, case: Case, suite: Suite, environment: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.suite = suite
        self.environment = environment
        self.result: CaseResult | None = None
        for tag in (*suite.tags, *case.tags):
            self.add_marker(tag)
        if case.skip is not None:
            self.add_marker(pytest.mark.skip(reason=case.skip))
        elif case.environments and environment not in case.environments:
            self.add_marker(
                pytest.mark.skip(
                    reason=f"runs only in {', '.join(case.environments)} (target: {environment})"
                )
            )
        if case.xfail is not None:
            # Only the agent failing its expectations is the expected failure: an infrastructure
            # error (runtime down, refused key...) stays an error, never an XFAIL.
            self.add_marker(pytest.mark.xfail(reason=case.xfail, strict=True, raises=CaseFailed))

    def setup(self) -> None:
        """Wait for the case's result; infrastructure problems are raised here (errors)."""
        vf = self.config.stash[session_key]
        outcome = vf.result(self.nodeid, self.case, self.suite, self.environment)
        if isinstance(outcome, VftestError):
            raise InfrastructureFailure(f"vftest could not run this case: {outcome}")
        if outcome.outcome == "error":
            raise InfrastructureFailure(render_failure(outcome, nodeid=self.nodeid))
        self.result = outcome

    def runtest(self) -> None:
        """Raise `CaseFailed` with the readable report when the agent did not comply."""
        result = self.result
        if result is None:  # pragma: no cover - setup always sets it or raises
            raise RuntimeError("case ran without a result")
        notes = render_warnings(result)
        if notes:
            # pytest's warnings summary shows them on passing cases too, and `-W error`
            # (or filterwarnings) turns them into failures for teams that want that.
            warnings.warn_explicit(
                ContractWarning(notes),
                ContractWarning,
                filename=self.suite.path,  # the summary points at the case, not at vftest
                lineno=self.case.location.line,
            )
        # The full result was needed only for this report; the transcript stays for the rest.
        self.result = None
        if result.outcome == "failed":
            raise CaseFailed(
                result, render_failure(result, color=self._color(), nodeid=self.nodeid)
            )

    def _color(self) -> bool:
        return bool(self.config.get_terminal_writer().hasmarkup)

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | Any:
        """Vftest's own report for case failures; pytest's for anything else."""
        if isinstance(excinfo.value, CaseFailed | InfrastructureFailure | BaselineMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Any, int, str]:
        """Point at the case's line in the suite file (0-based, as pytest wants)."""
        return self.path, self.case.location.line - 1, f"case: {self.case.name}"
