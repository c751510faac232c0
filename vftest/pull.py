"""Fetch an agent's compiled export (`.vfr`) from Voiceflow's Project API.

The Project API has one endpoint (docs.voiceflow.com, "Fetch Project"; its OpenAPI file is
`reference/project-api.json` 1.0.1 in voiceflow/voiceflow-docs, server
`https://api.voiceflow.com/v2`, security scheme `APIKey` in the `Authorization` header):

    GET https://api.voiceflow.com/v2/versions/{versionID}/export?prototype=true
    authorization: <the project's Dialog Manager API key>
    projectid: <project id>          (only with an alias)

`versionID` is a version id, or the alias `development` (the version on the canvas) or
`production` (the published one); "if using an alias this must be used in conjunction with the
`projectid` header". `prototype=true` "returns a `.vfr` file" (without it the answer is the
design export, `.vf`), so vftest always sends it. The answer is the project file; its `programs`
(what a runtime executes) are only current after "Publish" or "Run" on the canvas, so an export
without them, with programs compiled for another version, or with diagrams that have no program,
is reported as stale. The error answers are documented by nothing but their status codes
(401 for a refused key, 404 for an unknown version); their body is quoted, key redacted.

The API key is sent in the header and nowhere else: it is never written to the file, printed,
or kept in an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from vftest.errors import ProjectError, VftestError
from vftest.redact import redact, secrets_of

__all__ = ["ALIASES", "DEFAULT_API_URL", "PullError", "Pulled", "export_url", "pull", "save"]

DEFAULT_API_URL = "https://api.voiceflow.com"
ALIASES = ("development", "production")
STALE_HINT = "Publish or Run the agent on the canvas, then pull again"


class PullError(VftestError):
    """The export could not be fetched (the message never holds the key)."""


@dataclass
class Pulled:
    """An export and what is wrong with it for the local runtime."""

    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def export_url(api_url: str, version: str) -> str:
    """The Project API's export URL for a version id or alias, asking for the compiled `.vfr`."""
    return f"{api_url.rstrip('/')}/v2/versions/{quote(version, safe='')}/export?prototype=true"


def pull(
    *,
    api_key: str,
    version: str,
    project_id: str | None = None,
    api_url: str = DEFAULT_API_URL,
    timeout: float = 60.0,
) -> Pulled:
    """Fetch the export of `version` (an id or an alias) and check it can be served."""
    if version in ALIASES and not project_id:
        raise PullError(
            f"the alias {version!r} is resolved per project: give the project id too "
            "(--project-id, on the agent's settings page)"
        )
    headers = {"authorization": api_key, "accept": "application/json"}
    if project_id:
        headers["projectid"] = project_id
    url = export_url(api_url, version)
    try:
        response = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        reason = f"GET {url}: {type(error).__name__}: {error}"
        raise PullError(redact(reason, secrets_of(api_key))) from None
    if response.status_code != 200:
        raise PullError(_refusal(response, url, version, api_key))
    try:
        data = response.json()
    except ValueError:
        raise PullError(f"GET {url}: the answer is not JSON (HTTP 200)") from None
    if not isinstance(data, dict):
        raise PullError(f"GET {url}: the answer is not a project file (a JSON object)")
    return Pulled(data, _warnings(data))


def save(pulled: Pulled, path: str | Path) -> Path:
    """Write the export as JSON (replacing the file atomically).

    Raises `PullError` (nothing written) for an export without programs under a `.vfr` name:
    that name promises a file `vftest serve` and suites can run, and a design export is not one.
    """
    target = Path(path)
    programs = pulled.data.get("programs")
    if target.suffix == ".vfr" and not (isinstance(programs, dict) and programs):
        raise PullError(
            f"{target}: not written: the export has no compiled programs, so it is a design "
            f"export (.vf) that vftest serve and suites cannot run. {STALE_HINT}, or write "
            "it to a .vf file to keep the design"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(pulled.data, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(target)
    return target


def _refusal(response: httpx.Response, url: str, version: str, api_key: str) -> str:
    status = response.status_code
    # Redact before cutting: a key straddling the cut would otherwise survive in part.
    body = redact(response.text, secrets_of(api_key))[:300].strip()
    detail = f" ({body})" if body else ""
    if status in (401, 403):
        why = "the key was refused: use an API key of this agent (Integrations tab)"
    elif status == 404:
        why = f"no version {version!r} (check the id, or the project id for an alias)"
    elif status == 429:
        why = "rate limited; try again later"
    else:
        why = "the Project API failed"
    return f"GET {url}: HTTP {status}: {why}{detail}"


def _warnings(data: Mapping[str, Any]) -> list[str]:
    programs = data.get("programs")
    if not isinstance(programs, dict) or not programs:
        return [f"the export has no compiled programs, so it cannot be served: {STALE_HINT}"]
    warnings = []
    version = data.get("version")
    version_id = version.get("_id") if isinstance(version, Mapping) else None
    foreign = sorted(
        {
            str(program["versionID"])
            for program in programs.values()
            if isinstance(program, Mapping) and program.get("versionID") not in (None, version_id)
        }
    )
    if foreign:
        warnings.append(
            f"the programs were compiled for version {', '.join(foreign)}, not {version_id}, "
            f"so they may be stale: {STALE_HINT}"
        )
    diagrams = data.get("diagrams")
    if isinstance(diagrams, dict):
        missing = sorted(d for d in diagrams if d not in programs)
        if missing:
            shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
            warnings.append(
                f"{len(missing)} diagram(s) have no compiled program ({shown}), so the programs "
                f"are older than the design: {STALE_HINT}"
            )
    from vftest.runtime.project import load_project_data

    try:
        load_project_data(dict(data), source="the export")
    except ProjectError as error:
        warnings.append(f"the local runtime cannot serve it: {error}")
    return warnings
