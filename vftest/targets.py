"""Where and how one suite's cases run in one environment.

The suite's target and contract, resolved against the run's settings (command line and
environment first, then the suite file, then the ini file).

Shared by everything that plays cases (the pytest plugin, and through it `vftest diff`). A
suite that names an agent file and no URL runs on an embedded local runtime, started by the
caller's `Embedded` function.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal, cast

from vftest.client import ClientSettings
from vftest.contract import Contract, load_contract
from vftest.coverage import COVERAGE_EXCLUDE_TYPES
from vftest.environments import agent_file, check_environment
from vftest.errors import ConfigError, ContractError
from vftest.models import ApiGeneration, ContractSettings, Suite
from vftest.runner import AuthBreaker
from vftest.settings import Settings

if TYPE_CHECKING:
    from vftest.runtime.project import Project

__all__ = ["EMBEDDED_KEY", "Embedded", "ResolvedTarget", "resolve_target"]

# Any `VF.DM.` key opens the embedded runtime when it has none configured (docs/local-runtime.md);
# this one is used when the user has no key in the environment.
EMBEDDED_KEY = "VF.DM.000000000000000000000000.vftest-embedded"

# (agent file, environments it is mapped to) -> (URL of its local runtime, its project)
Embedded = Callable[[str, tuple[str, ...]], tuple[str, "Project"]]


@dataclass
class ResolvedTarget:
    """A suite's resolved settings for one run."""

    client: ClientSettings
    contract_settings: ContractSettings  # `on_violation` already resolved (cli over suite)
    contract: Contract | None
    # Per target: one suite's refused key or wrong URL must not stop another suite's cases.
    breaker: AuthBreaker = field(default_factory=AuthBreaker)


def resolve_target(
    suite: Suite,
    environment: str,
    settings: Settings,
    embedded: Embedded,
    environ: Mapping[str, str] | None = None,
) -> ResolvedTarget:
    """Resolve `suite`'s target for `environment`.

    Raises:
        ConfigError: nothing to talk to, no API key, a missing project id, a bad contract,
            an environment the local runtime does not know.
    """
    env = os.environ if environ is None else environ
    target = suite.target
    explicit = target.explicit
    api = ApiGeneration(settings.api.over(target.api.value, set_in_suite="api" in explicit) or "v1")
    stream = bool(settings.stream.over(target.stream, set_in_suite="stream" in explicit))
    project = agent_file(suite, environment)
    url = settings.url.over(target.url, set_in_suite="url" in explicit)
    project_id = settings.project_id.over(target.project_id, set_in_suite="project_id" in explicit)
    key_env = settings.api_key_env.over(target.api_key_env, set_in_suite="api_key_env" in explicit)
    api_key = env.get(key_env) or None
    if url is None:
        if project is None:
            raise ConfigError(
                f"{suite.path}: no runtime to talk to: give `target.url` or "
                "`target.project` in the suite, or --vftest-url"
            )
        # A file the suite maps to environments *is* their agent: it answers to their names.
        mapped = tuple(sorted(e for e, f in target.projects.items() if f == project))
        url, local_project = embedded(project, mapped)
        if not mapped:
            check_environment(local_project, environment, where=suite.path)
        project_id = project_id or local_project.project_id
        api_key = api_key or EMBEDDED_KEY
    elif api_key is None:
        raise ConfigError(
            f"no API key: set the environment variable {key_env} (the key is read only from "
            "the environment, never from a suite or the command line)"
        )
    if api in (ApiGeneration.V2, ApiGeneration.V4) and not project_id:
        raise ConfigError(
            f"{suite.path}: API {api.value} needs a project id: set `target.project_id` or "
            "--vftest-project-id"
        )
    contract = suite.contract
    spec = str(settings.contract.over(contract.spec, set_in_suite="spec" in contract.explicit))
    mode = cast(
        Literal["fail", "warn", "off"],
        settings.contract_mode.over(
            contract.on_violation, set_in_suite="on_violation" in contract.explicit
        ),
    )
    loaded = None
    if mode != "off":
        try:
            # A suite's path is already absolute (the loader); one from the command line is
            # relative to the working directory, as the user typed it.
            loaded = load_contract(spec, api)
        except ContractError as error:
            raise ConfigError(f"{suite.path}: contract: {error}") from error
    client = ClientSettings(
        base_url=str(url).rstrip("/"),
        api=api,
        stream=stream,
        environment=environment,
        project_id=project_id,
        api_key=api_key,
        timeout=float(settings.timeout.value),
        max_429_wait=float(settings.max_429_wait.value),
        # Agent coverage reads the runtime's own block traces, filtered out by default.
        config={"excludeTypes": list(COVERAGE_EXCLUDE_TYPES)} if settings.cov.value else None,
    )
    return ResolvedTarget(
        client=client,
        contract_settings=replace(contract, on_violation=mode),
        contract=loaded,
        breaker=AuthBreaker(max_silent=int(settings.max_timeouts.value)),
    )
