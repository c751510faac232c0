"""The one table of vftest's options: `--vftest-*` flags, `vftest_*` ini keys, `VFTEST_*` env.

Precedence, strongest first: command line, environment, the suite file, the ini file, default.
The API key is never an option: it is read from the environment variable the suite or
`--vftest-api-key-env` names (default `VOICEFLOW_API_KEY`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

__all__ = [
    "OPTIONS",
    "Option",
    "add_options",
    "check_options",
    "lookup",
    "lookup_with_source",
    "resolve",
]


@dataclass(frozen=True, slots=True)
class Option:
    """One setting: flag `--vftest-<name>`, ini `vftest_<name>`, optional env variable."""

    name: str
    help: str
    default: Any = None
    convert: Callable[[str], Any] = str
    choices: tuple[str, ...] | None = None
    env: str | None = None
    is_flag: bool = False
    # A check beyond the type, and how to say what it accepts ("a number above 0").
    accept: Callable[[Any], bool] | None = None
    accepted: str = ""

    @property
    def flag(self) -> str:
        """The command-line flag."""
        return f"--vftest-{self.name}"

    @property
    def dest(self) -> str:
        """The attribute name on `config.option` (and the ini key)."""
        return "vftest_" + self.name.replace("-", "_")


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(text)


_TYPE_NAMES: dict[Callable[[str], Any], str] = {
    float: "a number",
    int: "a whole number",
    _bool: "true or false (1/0, yes/no, on/off)",
}


def _positive(value: float) -> bool:
    return value > 0


def _not_negative(value: float) -> bool:
    return value >= 0


def _two_environments(value: str) -> bool:
    names = [name.strip() for name in value.split(",")]
    return len(names) == 2 and all(names) and names[0] != names[1]


OPTIONS: tuple[Option, ...] = (
    Option(
        "url",
        "base URL of the runtime (default: the suite's, else the embedded runtime)",
        env="VFTEST_URL",
    ),
    Option(
        "api", "API generation to use: v1, v2 or v4", choices=("v1", "v2", "v4"), env="VFTEST_API"
    ),
    Option(
        "stream",
        "use the streaming endpoints (v2, v4)",
        convert=_bool,
        is_flag=True,
        env="VFTEST_STREAM",
    ),
    Option(
        "env",
        "environment / version alias (development, staging, production, an id)",
        env="VFTEST_ENV",
    ),
    Option(
        "project-id",
        "Voiceflow project id (needed by v2 and v4 against a URL)",
        env="VFTEST_PROJECT_ID",
    ),
    Option(
        "api-key-env",
        "name of the environment variable holding the API key",
        default="VOICEFLOW_API_KEY",
    ),
    Option(
        "timeout",
        "seconds per HTTP request",
        default=30.0,
        convert=float,
        accept=_positive,
        accepted="a number of seconds above 0",
    ),
    Option(
        "concurrency",
        "cases in flight at once in this process",
        default=8,
        convert=int,
        env="VFTEST_CONCURRENCY",
        accept=_positive,
        accepted="a whole number of at least 1",
    ),
    Option(
        "rate",
        "upper bound on requests per second (default: adapt to the runtime's limit)",
        convert=float,
        env="VFTEST_RATE",
        accept=_positive,
        accepted="a number of requests per second above 0",
    ),
    Option(
        "repeat",
        "play every case N times, each from a fresh user; it passes at its pass_rate "
        "(default: all must pass)",
        default=1,
        convert=int,
        env="VFTEST_REPEAT",
        accept=_positive,
        accepted="a whole number of at least 1",
    ),
    Option(
        "max-429-wait",
        "longest a request waits out rate limiting (429, X-RateLimit-Reset) before its case "
        "fails as an infrastructure error",
        default=60.0,
        convert=float,
        accept=_not_negative,
        accepted="a number of seconds of at least 0",
    ),
    Option(
        "max-timeouts",
        "after N cases in a row got no answer from a runtime, do not send the rest (0: never)",
        default=3,
        convert=int,
        accept=_not_negative,
        accepted="a whole number of at least 0",
    ),
    Option(
        "reruns",
        "rerun a case from a fresh user up to N times after an infrastructure error",
        default=0,
        convert=int,
        accept=_not_negative,
        accepted="a whole number of at least 0",
    ),
    Option("contract", "contract for every suite: auto, v4, dm-1.1 or a path to an OpenAPI file"),
    Option(
        "contract-mode",
        "what a contract violation does: fail, warn or off",
        choices=("fail", "warn", "off"),
    ),
    Option(
        "reset-after", "also reset the user's state after each case", convert=_bool, is_flag=True
    ),
    Option("file-pattern", "glob of suite file names", default="*.vftest.yaml *.vftest.yml"),
    Option(
        "shard",
        "run only shard K of N (e.g. 2/4): split the selected tests across CI "
        "machines by a stable hash of their node ids",
        env="VFTEST_SHARD",
    ),
    # Regression baselines (issue 11): see docs/baselines.md.
    Option(
        "baseline",
        "compare every case with its recorded baseline (cases saying `baseline: false` excepted)",
        convert=_bool,
        is_flag=True,
    ),
    Option(
        "update-baselines",
        "record missing baselines, rewrite those that differ, remove entries of deleted cases",
        convert=_bool,
        is_flag=True,
    ),
    # Reports (issue 15): see docs/reports.md.
    Option("json", "write the results (every case, turn, trace and verdict) as JSON to this path"),
    Option("markdown", "write a Markdown summary (for a pull-request comment) to this path"),
    Option("html", "write a self-contained HTML report (every case as a chat) to this path"),
    # Agent coverage (issue 17): see docs/coverage.md.
    Option(
        "cov",
        "record which steps, paths, intents and buttons of the agent the cases reach",
        convert=_bool,
        is_flag=True,
    ),
    Option("cov-agent", "agent file (.vfr) to report coverage against (default: the suite's)"),
    Option("cov-json", "write the agent coverage report as JSON to this path"),
    Option(
        "cov-fail-under",
        "fail the run when agent step coverage is below this percentage",
        convert=float,
        accept=lambda value: 0 <= value <= 100,
        accepted="a percentage from 0 to 100",
    ),
    # Cross-environment diff (issue 13): play every case in two environments, compare them
    # like baselines, fail the run when they differ (vftest.diff).
    Option(
        "diff",
        "A,B: run every case in environments A and B and report where they differ",
        accept=_two_environments,
        accepted="two different environments, e.g. development,production",
    ),
    Option("diff-markdown", "write the cross-environment diff as Markdown to this path"),
    # Meaning-level checks (issue 12): `semantic:` matchers and `judge:`, see docs/matchers.md.
    Option(
        "llm-base-url",
        "OpenAI-compatible API for semantic: and judge: (key: OPENAI_API_KEY)",
        default="https://api.openai.com/v1",
        env="OPENAI_BASE_URL",
    ),
    Option("embedding-model", "model for semantic: matchers", default="text-embedding-3-small"),
    Option(
        "embedding-backend",
        "where embeddings come from: openai (the API) or sentence-transformers (a model "
        "folder on disk named by --vftest-embedding-model)",
        default="openai",
        choices=("openai", "sentence-transformers"),
    ),
    Option("judge-model", "model for judge:", default="gpt-4o-mini"),
    Option(
        "llm-concurrency",
        "model requests in flight at once",
        default=4,
        convert=int,
        accept=_positive,
        accepted="a whole number of at least 1",
    ),
    Option(
        "judge-cache",
        "folder of cached judge verdicts (default: in pytest's cache; 'off' disables)",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    """Register every option as a flag (group `vftest`) and as an ini key."""
    group = parser.getgroup("vftest", "conversation tests for Voiceflow agents")
    for option in OPTIONS:
        env_note = f" [env {option.env}]" if option.env else ""
        if option.is_flag:
            group.addoption(
                option.flag,
                action="store_true",
                default=None,
                dest=option.dest,
                help=option.help + env_note,
            )
        else:
            group.addoption(
                option.flag,
                action="store",
                default=None,
                dest=option.dest,
                help=option.help + env_note,
            )
        parser.addini(option.dest, help=option.help, type="string", default=None)


def lookup_with_source(config: pytest.Config, name: str) -> tuple[Any, str]:
    """The value of option `name` and where it came from: cli, env, ini or default.

    A suite file's own setting beats `ini` and `default` but not `cli` or `env`; callers use the
    source to decide.
    """
    option = next(o for o in OPTIONS if o.name == name)
    value = config.getoption(option.dest)
    if value is not None:
        if option.is_flag:
            return value, "cli"
        return _checked(option, str(value), option.flag), "cli"
    if option.env and os.environ.get(option.env):
        return _checked(option, os.environ[option.env], option.env), "env"
    ini = config.getini(option.dest)
    if ini not in (None, ""):
        return _checked(option, str(ini), f"ini key {option.dest}"), "ini"
    return option.default, "default"


def check_options(config: pytest.Config) -> None:
    """Read every option once, so a bad value stops the run before anything is collected.

    Raises:
        pytest.UsageError: naming the option as the user set it and what it accepts.
    """
    for option in OPTIONS:
        lookup_with_source(config, option.name)


def _checked(option: Option, text: str, where: str) -> Any:
    """`text` converted and checked for `option`, set as `where` (a flag, env var or ini key)."""
    if option.choices is not None:
        value = text.strip()
        if value in option.choices:
            return value
        raise pytest.UsageError(
            f"{where}={text!r} is not valid: use one of {', '.join(option.choices)}"
        )
    try:
        value = option.convert(text.strip())
    except ValueError:
        expected = option.accepted or _TYPE_NAMES.get(option.convert, "a valid value")
        raise pytest.UsageError(f"{where}={text!r} is not valid: use {expected}") from None
    if option.accept is not None and not option.accept(value):
        raise pytest.UsageError(f"{where}={text!r} is not valid: use {option.accepted}")
    return value


def lookup(config: pytest.Config, name: str) -> Any:
    """The value of option `name` (see `lookup_with_source` for precedence)."""
    return lookup_with_source(config, name)[0]


def resolve(config: pytest.Config, name: str, suite_value: Any, *, set_in_suite: bool) -> Any:
    """Option `name` for one suite, by precedence.

    Command line and environment first, then what the suite set, then the ini file, then the
    suite model's default (`suite_value` when the suite did not set it).
    """
    value, source = lookup_with_source(config, name)
    if source in ("cli", "env"):
        return value
    if set_in_suite or source != "ini":
        return suite_value
    return value
