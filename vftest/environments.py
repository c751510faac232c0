"""Environments: which ones a suite runs in, which agent file serves each, and what a file knows.

`matrix` decides the environments a suite's cases run against (one pytest item per case and
environment); `agent_file` picks the file a suite maps to an environment; `check_environment`
stops an environment the local runtime cannot serve before any conversation starts.

The local runtime serves one compiled version per file and resolves `development`, `production`
(when the file was published) and the version ids the file names. Asking it for anything else
(`staging`, a typo) used to come back as a refused version, i.e. an authentication error; this
makes it a configuration error that names what the file knows and how to map more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vftest.errors import ConfigError

if TYPE_CHECKING:
    from vftest.models import Suite
    from vftest.runtime.project import Project

__all__ = [
    "agent_file",
    "check_environment",
    "known_environments",
    "matrix",
    "split_environments",
]


def split_environments(text: str) -> list[str]:
    """`development, production` -> ["development", "production"] (no blanks, no repeats)."""
    names = [name.strip() for name in text.split(",")]
    return list(dict.fromkeys(name for name in names if name)) or ["development"]


def matrix(suite: Suite, *, diff: str | None, env: str, env_source: str) -> list[str]:
    """The environments `suite`'s cases run against, strongest first.

    `diff` (`--vftest-diff a,b`), then `env` when it comes from the command line or the
    environment (`env_source` "cli"/"env": `--vftest-env a,b`, `VFTEST_ENV`), the suite's
    `environments:` matrix, its `target.environment`, `env` from the ini file, `development`.
    """
    if diff:  # the two sides of a cross-environment diff are the matrix
        return split_environments(diff)
    if env_source in ("cli", "env"):
        return split_environments(env)
    if suite.environments:
        return list(suite.environments)
    if "environment" in suite.target.explicit or env_source != "ini":
        return [suite.target.environment]
    return split_environments(env)


def agent_file(suite: Suite, environment: str) -> str | None:
    """The agent file serving `environment` for `suite` (None: the suite names none).

    Raises `ConfigError` when the suite maps environments to files but not this one.
    """
    target = suite.target
    if not target.projects:
        return target.project
    project = target.projects.get(environment)
    if project is None:
        raise ConfigError(
            f"{suite.path}: target.project names no agent file for environment "
            f"{environment!r} (it has: {', '.join(target.projects)})"
        )
    return project


def known_environments(project: Project) -> list[str]:
    """The environment names and version ids the local runtime resolves for `project`."""
    known = ["development"]
    if project.live_version_id:
        known.append("production")
    ids = [project.version_id, project.dev_version_id, project.live_version_id]
    known += [version for version in dict.fromkeys(ids) if version]
    return known


def check_environment(project: Project, environment: str, *, where: str) -> None:
    """Raise `ConfigError` when the local runtime serving `project` cannot run `environment`.

    `where` prefixes the message (the suite's path).
    """
    known = known_environments(project)
    if environment in known:
        return
    why = (
        f"{project.source} was never published (it has no `project.liveVersion`)"
        if environment == "production"
        else f"the local runtime serving {project.source} knows only {', '.join(known)}"
    )
    raise ConfigError(
        f"{where}: environment {environment!r} is not in the agent file: {why}. Map it to its "
        f"own file (`target.project: {{{environment}: agents/{environment}.vfr}}`, e.g. from "
        f"`vftest pull`), or run another environment (--vftest-env)"
    )
