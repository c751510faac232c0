"""Which environments an agent file can answer for, checked before any conversation starts.

The local runtime serves one compiled version per file and resolves `development`, `production`
(when the file was published) and the version ids the file names. Asking it for anything else
(`staging`, a typo) used to come back as a refused version, i.e. an authentication error; this
makes it a configuration error that names what the file knows and how to map more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vftest.errors import ConfigError

if TYPE_CHECKING:
    from vftest.runtime.project import Project

__all__ = ["check_environment", "known_environments"]


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
