"""pytest hooks of vftest (entry point `pytest11: vftest`); the work lives in the other modules.

Collection stays cheap and offline: suite files are matched by name and the node module is
imported only when one is found. Cases are queued to the background scheduler when the run
loop starts, in collection order, after `-k`, `-m`, `--lf` and friends have deselected.
"""

from __future__ import annotations

import fnmatch
import signal
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import Any

import pytest

from pytest_vftest.options import add_options, check_options, settings_of
from pytest_vftest.session import VftestSession, interrupted_key, session_key, terminated_key
from vftest.errors import VftestError

_suite_errors = pytest.StashKey[list[str]]()
_other_errors = pytest.StashKey[list[str]]()


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Add the hooks vftest defines (pytest_vftest_matchers)."""
    from pytest_vftest import hooks

    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register `--vftest-*` options and `vftest_*` ini keys."""
    add_options(parser)
    parser.addini(
        "vftest_continue_on_suite_errors",
        help="run the other files when only vftest suite files fail to collect (default true)",
        type="bool",
        default=True,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Check vftest's options, then create the run's (lazy) vftest state."""
    settings = check_options(config)
    try:
        from pytest_vftest.hooks import register_matchers

        register_matchers(config)
    except VftestError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[session_key] = VftestSession(config, settings=settings)
    _stop_on_signals(config)
    config.stash[_suite_errors] = []
    config.stash[_other_errors] = []
    if settings_of(config).cov.value:
        from pytest_vftest.coverage import CoveragePlugin

        config.pluginmanager.register(CoveragePlugin(config), "vftest-coverage")
    config.pluginmanager.register(_MisnamedSuiteGuard(), "vftest-misnamed-suite-guard")
    from pytest_vftest.baselines import BaselinePlugin

    config.pluginmanager.register(BaselinePlugin(config), "vftest-baselines")
    from pytest_vftest.reports import ReportsPlugin

    config.pluginmanager.register(ReportsPlugin(config), "vftest-reports")
    if settings_of(config).diff.value:
        from pytest_vftest.diff import DiffPlugin

        config.pluginmanager.register(DiffPlugin(config), "vftest-diff")


def _stop_on_signals(config: pytest.Config) -> None:
    """Make Ctrl-C always stop the run, and SIGTERM (CI cancelling a job) stop it the same way.

    pytest finishes an interrupted session (junitxml and vftest's reports are written in
    `pytest_sessionfinish`), so SIGTERM is turned into KeyboardInterrupt, and the cases that
    did not run are marked "not run" there. Both signals are also remembered: the
    KeyboardInterrupt a handler raises lands wherever the main thread happens to be, and code
    there may lose it (seen about once in 40 runs on a loaded machine: the run went on to
    the end and exited 0). Each case checks the mark before it waits (`VftestSession.result`),
    so a lost interrupt stops the run at the next case. A handler someone else installed is
    left alone.
    """
    if hasattr(config, "workerinput") or threading.current_thread() is not threading.main_thread():
        return

    def interrupt(number: int, frame: Any) -> None:
        config.stash[interrupted_key] = True
        if number == signal.SIGTERM:
            config.stash[terminated_key] = True
            raise KeyboardInterrupt("SIGTERM")
        raise KeyboardInterrupt

    for signum, default in (
        (signal.SIGTERM, signal.SIG_DFL),
        (signal.SIGINT, signal.default_int_handler),
    ):
        if signal.getsignal(signum) is not default:
            continue
        signal.signal(signum, interrupt)
        config.add_cleanup(_restorer(signum, default))


def _restorer(signum: int, handler: Any) -> Callable[[], None]:
    def restore() -> None:
        signal.signal(signum, handler)

    return restore


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the background loop and any embedded runtime."""
    if session_key in config.stash:
        config.stash[session_key].close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect files whose name matches `vftest_file_pattern`."""
    patterns = str(settings_of(parent.config).file_pattern.value).split()
    if not any(fnmatch.fnmatch(file_path.name, pattern) for pattern in patterns):
        return None
    from pytest_vftest.nodes import SuiteFile

    suite_file: SuiteFile = SuiteFile.from_parent(parent, path=file_path)
    return suite_file


class _MisnamedSuiteGuard:
    """A YAML file named on the command line that no plugin collects is a mistake: say so.

    A wrapper sees what every plugin collected, so files that another plugin owns (Tavern's
    `*.tavern.yaml`, say) are left alone. Registered in `pytest_configure` (a module can hold
    only one `pytest_collect_file`).
    """

    @pytest.hookimpl(wrapper=True)
    def pytest_collect_file(
        self, file_path: Path, parent: pytest.Collector
    ) -> Generator[None, list[pytest.Collector], list[pytest.Collector]]:
        collectors = yield
        if (
            not collectors
            and file_path.suffix in (".yaml", ".yml")
            and parent.session.isinitpath(file_path)
        ):
            from pytest_vftest.nodes import MisnamedSuite

            patterns = str(settings_of(parent.config).file_pattern.value)
            return [MisnamedSuite.from_parent(parent, path=file_path, patterns=patterns)]
        return collectors


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """Remember which collection errors come from suite files (see pytest_runtestloop)."""
    report = yield
    if report.failed:
        from pytest_vftest.nodes import SuiteFile

        kind = _suite_errors if isinstance(collector, SuiteFile) else _other_errors
        collector.config.stash[kind].append(collector.nodeid)
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `--vftest-shard K/N`, keep only this machine's share of the tests."""
    shard = settings_of(config).shard.value
    if not shard:
        return
    index, count = parse_shard(str(shard))
    keep: list[pytest.Item] = []
    drop: list[pytest.Item] = []
    for item in items:
        # crc32, not hash(): the split must be the same on every machine and every run.
        mine = zlib.crc32(item.nodeid.encode()) % count == index - 1
        (keep if mine else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def parse_shard(text: str) -> tuple[int, int]:
    """`"2/4"` -> (2, 4); anything else is a usage error."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        index = count = 0
    if not 1 <= index <= count:
        raise pytest.UsageError(f"--vftest-shard wants K/N with 1 <= K <= N, got {text!r}")
    return index, count


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Let broken suite files not stop the others, then queue the selected cases."""
    config = session.config
    if (
        config.stash[_suite_errors]
        and not config.stash[_other_errors]
        and config.getini("vftest_continue_on_suite_errors")
    ):
        # The broken files are still reported (and fail the run); the rest runs.
        config.option.continue_on_collection_errors = True
    if session.config.option.collectonly or hasattr(config, "workerinput"):
        # Under xdist a worker learns its share item by item; see pytest_runtest_protocol.
        return
    _submit(config.stash[session_key], session.items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Under xdist, queue this worker's pending cases ahead of the one being run."""
    config = item.config
    if not hasattr(config, "workerinput"):
        return
    items = item.session.items
    ahead = [items[i] for i in _xdist_pending_indices(config) if 0 <= i < len(items)]
    _submit(config.stash[session_key], [item, *ahead])


def _submit(vf: VftestSession, items: Iterable[pytest.Item]) -> None:
    from pytest_vftest.nodes import CaseItem

    for item in items:
        if isinstance(item, CaseItem) and item.get_closest_marker("skip") is None:
            vf.submit(item.nodeid, item.case, item.suite, item.environment)


def _xdist_pending_indices(config: pytest.Config) -> list[int]:
    """Indices of the items xdist has queued to this worker (empty if it cannot tell).

    xdist keeps them in `WorkerInteractor.torun`; it is not a public API, so any surprise
    means "no look-ahead": cases then simply run one at a time in this worker.
    """
    for plugin in config.pluginmanager.get_plugins():
        queue = getattr(plugin, "torun", None)
        if type(plugin).__name__ == "WorkerInteractor" and queue is not None:
            try:
                with queue.lock() as pending:
                    return [index for index in pending if isinstance(index, int)]
            except Exception:
                return []
    return []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Show vftest's report for infrastructure errors; mark the report that decides a case.

    The deciding report (setup when the case could not run, else call) carries `vftest` (a
    small dict pytest-xdist serialises), so the summary line counts what pytest counted, in
    the controller too.
    """
    report = yield
    from pytest_vftest.nodes import CaseItem, InfrastructureFailure

    if call.excinfo is not None and isinstance(call.excinfo.value, InfrastructureFailure):
        report.longrepr = call.excinfo.value.text
    deciding = call.when == "call" or (call.when == "setup" and not report.passed)
    if deciding and isinstance(item, CaseItem):
        transcript = item.config.stash[session_key].transcripts.get(item.nodeid)
        uncovered = dict(transcript.uncovered) if transcript else {}
        if settings_of(item.config).cov.value:
            from vftest.coverage import REVEALED_TYPES

            # the trace types coverage asked for are not the suite's: no contract gap
            uncovered = {k: v for k, v in uncovered.items() if k not in REVEALED_TYPES}
        report.vftest = {
            "violations": transcript.violation_count if transcript else 0,
            "contract": transcript.contract if transcript else "",
            "uncovered": uncovered,
        }
    return report


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """One line of vftest counts after pytest's own summary, from pytest's own outcomes."""
    from vftest.report import render_contract_gaps, render_summary

    counts: Counter[str] = Counter()
    gaps: list[tuple[str, dict[str, int]]] = []
    for outcome, reports in terminalreporter.stats.items():
        for report in reports:
            data = getattr(report, "vftest", None)
            if not isinstance(data, dict):
                continue
            counts["errors" if outcome == "error" else outcome] += 1
            counts["violations"] += data.get("violations", 0)
            gaps.append((data.get("contract", ""), data.get("uncovered", {})))
    if not counts:
        return
    counts["cases"] = sum(counts[k] for k in ("passed", "failed", "errors", "xfailed", "xpassed"))
    terminalreporter.write_line(render_summary(counts))
    for line in render_contract_gaps(gaps):
        terminalreporter.write_line(line)
