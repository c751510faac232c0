"""Run-wide state of the plugin: settings, scheduler, HTTP client, embedded runtimes, results.

Embedded local runtimes start on first use, one per project file.

Lives in `config.stash`; created lazily so collection (`--collect-only`) never needs it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from pytest_vftest.options import settings_of
from vftest.coverage import hide_coverage_traces
from vftest.environments import matrix, split_environments
from vftest.errors import ConfigError, ProjectError, VftestError
from vftest.limiter import AdaptiveLimiter
from vftest.llm import LLMServices, LLMSettings
from vftest.models import Case, CaseResult, Suite
from vftest.runner import CaseContext, new_run_id, run_case
from vftest.scheduler import BackgroundScheduler
from vftest.settings import Settings
from vftest.targets import ResolvedTarget, resolve_target
from vftest.transcript import Transcript

if TYPE_CHECKING:
    from vftest.runtime.project import Project
    from vftest.runtime.server import RunningServer

__all__ = [
    "VftestSession",
    "interrupted_key",
    "session_key",
    "split_environments",
    "suite_environments",
    "terminated_key",
]


@dataclass
class VftestSession:
    """Everything the run shares; see module docstring."""

    config: pytest.Config
    run_id: str = field(default_factory=new_run_id)
    # The compact record of every case played, for reports, baselines and coverage. Full
    # results live only while their item is reported (a long run must not keep them all).
    transcripts: dict[str, Transcript] = field(default_factory=dict)
    _scheduler: BackgroundScheduler | None = None
    _clients: list[httpx.AsyncClient] = field(default_factory=list)
    _submitted: int = 0
    _limiter: AdaptiveLimiter | None = None
    _servers: dict[str, RunningServer] = field(default_factory=dict)
    _projects: dict[str, Project] = field(default_factory=dict)
    _targets: dict[tuple[str, str], ResolvedTarget | VftestError] = field(default_factory=dict)
    _notices: deque[str] = field(default_factory=deque)
    _llm: LLMServices | VftestError | None = None
    # every option, typed, read once at configure time
    settings: Settings = field(default_factory=Settings.defaults)
    # the model API's connections, made with the services (closed with the others at the end)
    _llm_http: httpx.AsyncClient | None = None

    # ----------------------------------------------------------------------- scheduling

    @property
    def scheduler(self) -> BackgroundScheduler:
        """The background loop, started on first use."""
        if self._scheduler is None:
            self._scheduler = BackgroundScheduler(int(self.settings.concurrency.value))
            self._limiter = AdaptiveLimiter(
                self.settings.rate.value,
                max_wait=float(self.settings.max_429_wait.value),
                on_pause=self._notice_pause,
            )
            concurrency = self._scheduler.concurrency
            self._clients = self._scheduler.call(_make_clients(concurrency))
        return self._scheduler

    def submit(self, nodeid: str, case: Case, suite: Suite, environment: str) -> None:
        """Queue a case to run in the background (no-op if already queued)."""
        scheduler = self.scheduler
        if scheduler.submitted(nodeid):
            return
        target = self.target_for(suite, environment)
        if self.settings.cov.value:
            case = hide_coverage_traces(case)
        # Round robin over small pools: each conversation keeps one client throughout.
        http = self._clients[self._submitted % len(self._clients)]
        self._submitted += 1

        async def play() -> CaseResult | VftestError:
            if isinstance(target, VftestError):
                return target
            llm = self.llm_services()
            if isinstance(llm, VftestError):
                return llm
            context = CaseContext(
                client=target.client,
                http=http,
                run_id=self.run_id,
                contract=target.contract,
                contract_settings=target.contract_settings,
                gate=self._limiter,
                breaker=target.breaker,
                reruns=int(self.settings.reruns.value),
                reset_after=bool(self.settings.reset_after.value),
                llm=llm,
            )
            repeat = self._repeat(case)
            if repeat > 1:
                from vftest.repeat import run_repeated

                return await run_repeated(case, suite, context, repeat)
            return await run_case(case, suite, context)

        scheduler.submit(nodeid, play)

    def result(
        self, nodeid: str, case: Case, suite: Suite, environment: str
    ) -> CaseResult | VftestError:
        """Wait for a case's result, running it now if it was not queued ahead."""
        self._stop_if_interrupted()
        self.submit(nodeid, case, suite, environment)
        self._say_notices()
        outcome: CaseResult | VftestError = self.scheduler.result(
            nodeid, while_waiting=self._while_waiting
        )
        if isinstance(outcome, CaseResult):
            self.transcripts[nodeid] = Transcript.from_result(outcome)
        return outcome

    def llm_services(self) -> LLMServices | VftestError:
        """The run's embedder and judge, made on first use (on the background loop)."""
        if self._llm is None:
            try:
                settings = self._llm_settings()
                self._llm_http = httpx.AsyncClient(timeout=settings.timeout)
                self._llm = LLMServices.from_settings(settings, self._llm_http)
            except VftestError as error:
                self._llm = error
        return self._llm

    def _llm_settings(self) -> LLMSettings:
        cache = self.settings.judge_cache.value
        cache_dir: Path | None = None
        if cache and cache != "off":
            cache_dir = Path(cache)
        elif cache is None and getattr(self.config, "cache", None) is not None:
            # pytest's own cache folder (`-p no:cacheprovider` turns it off)
            cache_dir = self.config.cache.mkdir("vftest-judge")
        return LLMSettings.from_env(
            base_url=self.settings.llm_base_url.value,
            embedding_model=self.settings.embedding_model.value,
            embedding_backend=self.settings.embedding_backend.value,
            judge_model=self.settings.judge_model.value,
            concurrency=int(self.settings.llm_concurrency.value),
            cache_dir=cache_dir,
        )

    def _repeat(self, case: Case) -> int:
        """How many times to play `case`: --vftest-repeat, else the suite's `repeat:`."""
        return self.settings.repeat.over(case.repeat, set_in_suite=True)

    def _notice_pause(self, seconds: float, why: str) -> None:
        # Called on the background loop's thread: queued, printed by the main thread.
        self._notices.append(
            f"vftest: every request waits {seconds:.0f}s: the runtime rate-limited this key "
            f"({why}); waits over {float(self.settings.max_429_wait.value):g}s "
            "(--vftest-max-429-wait) fail their cases instead"
        )

    def _stop_if_interrupted(self) -> None:
        # A KeyboardInterrupt raised by the signal handler can be lost by the code it lands
        # in; the mark it left is not (see plugin._stop_on_signals).
        if self.config.stash.get(interrupted_key, False):
            raise KeyboardInterrupt

    def _while_waiting(self) -> None:
        self._stop_if_interrupted()
        self._say_notices()

    def _say_notices(self) -> None:
        """Print what the background loop queued, outside pytest's output capture."""
        while self._notices:
            line = self._notices.popleft()
            terminal = self.config.pluginmanager.get_plugin("terminalreporter")
            capture = self.config.pluginmanager.get_plugin("capturemanager")
            if terminal is None:
                continue
            if capture is not None:
                with capture.global_and_fixture_disabled():
                    terminal.ensure_newline()
                    terminal.write_line(line, yellow=True)
            else:
                terminal.write_line(line, yellow=True)

    def close(self) -> None:
        """Cancel pending cases, close the HTTP client, stop embedded runtimes."""
        if self._scheduler is not None:
            llm = [self._llm_http] if self._llm_http is not None else []
            self._scheduler.close(_close_all([*self._clients, *llm]))
        for server in self._servers.values():
            server.stop()
        self._servers.clear()

    # ----------------------------------------------------------------------- settings

    def target_for(self, suite: Suite, environment: str) -> ResolvedTarget | VftestError:
        """Resolve (once per suite file and environment) where and how its cases run."""
        key = (suite.path, environment)
        if key not in self._targets:
            try:
                self._targets[key] = resolve_target(
                    suite, environment, self.settings, self._embedded
                )
            except VftestError as error:
                self._targets[key] = error
        return self._targets[key]

    def _embedded(self, project_path: str, environments: tuple[str, ...]) -> tuple[str, Project]:
        """Start (once) the local runtime for a project file; returns (url, project).

        `environments`: the names the file is mapped to, which its runtime then answers to.
        """
        key = "\0".join((project_path, *environments))
        if key not in self._servers:
            from vftest.runtime.app import create_app
            from vftest.runtime.options import RuntimeOptions
            from vftest.runtime.project import load_project
            from vftest.runtime.server import RunningServer

            try:
                project = load_project(project_path)
            except ProjectError as error:
                raise ConfigError(f"embedded runtime: {error}") from error
            server = RunningServer(create_app(project, RuntimeOptions(environments=environments)))
            server.start()
            self._servers[key] = server
            self._projects[key] = project
        return self._servers[key].url, self._projects[key]


def suite_environments(config: pytest.Config, suite: Suite) -> list[str]:
    """The environments a suite's cases run against (`vftest.environments.matrix`)."""
    settings = settings_of(config)
    diff = settings.diff.value
    env = settings.env
    return matrix(suite, diff=diff or None, env=str(env.value), env_source=env.source)


# httpcore's pool scans every connection on each request (encode/httpcore#1035): past ~16
# connections a single pool costs more CPU than the runtime's answer (benchmarks/concurrency.py).
# Several small pools keep each scan short.
CONNECTIONS_PER_CLIENT = 8


async def _make_clients(concurrency: int) -> list[httpx.AsyncClient]:
    # Created on the scheduler's loop: an AsyncClient belongs to the loop that uses it.
    count = max(1, -(-concurrency // CONNECTIONS_PER_CLIENT))
    limits = httpx.Limits(
        max_connections=CONNECTIONS_PER_CLIENT * 2,
        max_keepalive_connections=CONNECTIONS_PER_CLIENT * 2,
    )
    # One TLS context for all of them: each client would otherwise load the CA bundle again
    # (~50 ms apiece, before the first request). Built as httpx builds it (SSL_CERT_FILE too).
    tls = httpx.create_ssl_context(verify=True, trust_env=True)
    return [httpx.AsyncClient(limits=limits, verify=tls) for _ in range(count)]


async def _close_all(clients: list[httpx.AsyncClient]) -> None:
    for client in clients:
        await client.aclose()


session_key = pytest.StashKey[VftestSession]()
terminated_key = pytest.StashKey[bool]()  # set when SIGTERM stopped the run
interrupted_key = pytest.StashKey[bool]()  # set by Ctrl-C or SIGTERM; checked before each case
