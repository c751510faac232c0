"""vftest's settings: the one table of options, read once into a typed `Settings`.

Each `Option` is a flag `--vftest-<name>`, an ini key `vftest_<name>` and maybe an environment
variable. Precedence, strongest first: command line, environment, the suite file, the ini file,
the default. `read_settings` reads every option once through the given sources (pytest's
command line and ini file, or a command's arguments) and checks each value, so a bad one is a
`ConfigError` naming the option as the user set it and what it accepts. Code then reads typed
attributes (`settings.timeout.value`), never a string key. The API key is never an option: it is
read from the environment variable the suite or `--vftest-api-key-env` names.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from vftest.errors import ConfigError

__all__ = ["OPTIONS", "Chosen", "Option", "Settings", "read_settings"]

T = TypeVar("T")
Source = Literal["cli", "env", "ini", "default"]


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


@dataclass(frozen=True, slots=True)
class Chosen(Generic[T]):
    """One option's value and where it came from."""

    value: T
    source: Source = "default"

    def over(self, suite_value: T, *, set_in_suite: bool) -> T:
        """The value for one suite, by precedence.

        Command line and environment beat the suite file, which beats the ini file; the suite's
        own default applies when nothing was said.
        """
        if self.source in ("cli", "env"):
            return self.value
        if set_in_suite or self.source != "ini":
            return suite_value
        return self.value


@dataclass(frozen=True, slots=True)
class Settings:
    """Every option of one run, typed (field names are the options' with `_` for `-`)."""

    url: Chosen[str | None]
    api: Chosen[str | None]
    stream: Chosen[bool | None]
    env: Chosen[str | None]
    project_id: Chosen[str | None]
    api_key_env: Chosen[str]
    timeout: Chosen[float]
    concurrency: Chosen[int]
    rate: Chosen[float | None]
    repeat: Chosen[int]
    max_429_wait: Chosen[float]
    max_timeouts: Chosen[int]
    reruns: Chosen[int]
    contract: Chosen[str | None]
    contract_mode: Chosen[str | None]
    reset_after: Chosen[bool | None]
    file_pattern: Chosen[str]
    shard: Chosen[str | None]
    baseline: Chosen[bool | None]
    update_baselines: Chosen[bool | None]
    json: Chosen[str | None]
    markdown: Chosen[str | None]
    html: Chosen[str | None]
    cov: Chosen[bool | None]
    cov_agent: Chosen[str | None]
    cov_json: Chosen[str | None]
    cov_fail_under: Chosen[float | None]
    diff: Chosen[str | None]
    diff_markdown: Chosen[str | None]
    llm_base_url: Chosen[str]
    embedding_model: Chosen[str]
    embedding_backend: Chosen[str]
    judge_model: Chosen[str]
    llm_concurrency: Chosen[int]
    judge_cache: Chosen[str | None]

    @classmethod
    def defaults(cls) -> Settings:
        """Every option at its default (what a run with nothing set gets)."""
        return read_settings(lambda _option: None)


def field_name(option: Option) -> str:
    """The `Settings` attribute of `option`."""
    return option.name.replace("-", "_")


def read_settings(
    given: Callable[[Option], Any],
    ini: Callable[[Option], Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Read and check every option once.

    `given(option)` is the command line's value (None when absent; True for a flag set),
    `ini(option)` the ini file's text (None or "" when absent), `environ` the environment.

    Raises:
        ConfigError: a value the option does not accept, naming where it was set.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Chosen[Any]] = {}
    for option in OPTIONS:
        values[field_name(option)] = _read(option, given, ini, env)
    return Settings(**values)


def _read(
    option: Option,
    given: Callable[[Option], Any],
    ini: Callable[[Option], Any] | None,
    env: Mapping[str, str],
) -> Chosen[Any]:
    value = given(option)
    if value is not None:
        if option.is_flag and isinstance(value, bool):
            return Chosen(value, "cli")
        return Chosen(_checked(option, str(value), option.flag), "cli")
    if option.env and env.get(option.env):
        return Chosen(_checked(option, env[option.env], option.env), "env")
    text = ini(option) if ini is not None else None
    if text not in (None, ""):
        return Chosen(_checked(option, str(text), f"ini key {option.dest}"), "ini")
    return Chosen(option.default, "default")


def _checked(option: Option, text: str, where: str) -> Any:
    """`text` converted and checked for `option`, set as `where` (a flag, env var or ini key)."""
    if option.choices is not None:
        value = text.strip()
        if value in option.choices:
            return value
        raise ConfigError(f"{where}={text!r} is not valid: use one of {', '.join(option.choices)}")
    try:
        converted = option.convert(text.strip())
    except ValueError:
        expected = option.accepted or _TYPE_NAMES.get(option.convert, "a valid value")
        raise ConfigError(f"{where}={text!r} is not valid: use {expected}") from None
    if option.accept is not None and not option.accept(converted):
        raise ConfigError(f"{where}={text!r} is not valid: use {option.accepted}")
    return converted
