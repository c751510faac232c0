"""One local runtime address for several agent files: each environment served by its own file.

`vftest serve --env development=dev.vfr --env production=live.vfr` (issue 13): every file gets
its own runtime app (sessions, v4 keys, knobs); this ASGI app routes each request to the app of
the environment it names, where the wire protocol names it:

- v1: the `/state/{versionID}/...` or `/interact/{versionID}` path segment, else the `versionID`
  header;
- v2: the `environment` query parameter; v2beta1: the `{tag}` path segment;
- v4: the `/environment/{environmentID}/session` path segment when a session starts; later
  turns go to the app that issued the session key.

A version id goes to the file that holds that version. A request that names no environment
goes to the default (the plain `PROJECT.vfr`, else `development`, else the first mapping); one
that names an environment nobody serves goes there too and gets that runtime's own "not found"
answer, as a single-file runtime would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from vftest.environments import known_environments
from vftest.runtime.app import create_app
from vftest.runtime.options import RuntimeOptions
from vftest.runtime.project import Project

__all__ = ["EnvironmentDispatcher", "create_environments_app"]


def create_environments_app(
    mapped: Mapping[str, Project],
    default: Project | None = None,
    options: RuntimeOptions | None = None,
) -> EnvironmentDispatcher:
    """An app serving each environment of `mapped` from its own file; `default` for the rest.

    A file mapped to several environments is served by one app answering to all their names.
    """
    if not mapped and default is None:
        raise ValueError("nothing to serve: no project and no environment mapping")
    base = options or RuntimeOptions()
    by_source: dict[str, tuple[Project, list[str]]] = {}
    for environment, project in mapped.items():
        by_source.setdefault(project.source, (project, []))[1].append(environment)
    apps: dict[str, Any] = {}
    routes: dict[str, Any] = {}
    for source, (project, names) in by_source.items():
        app = create_app(project, _with_environments(base, names))
        apps[source] = app
        for name in names:
            routes[name] = app
        for version in known_environments(project)[1:]:
            if version != "production":
                routes.setdefault(version, app)
    if default is not None:
        fallback = apps.get(default.source) or create_app(default, base)
        for version in known_environments(default):
            routes.setdefault(version, fallback)
    else:
        fallback = routes.get("development") or next(iter(apps.values()))
    return EnvironmentDispatcher(routes, fallback, [*apps.values(), fallback])


def _with_environments(options: RuntimeOptions, names: list[str]) -> RuntimeOptions:
    return replace(options, environments=tuple(dict.fromkeys([*options.environments, *names])))


class EnvironmentDispatcher:
    """The ASGI app; `routes` maps an environment name or version id to a runtime app."""

    def __init__(self, routes: dict[str, Any], fallback: Any, apps: list[Any]) -> None:
        self.routes = routes
        self.fallback = fallback
        self.apps = list({id(app): app for app in apps}.values())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer lifespan messages; hand every other request to its environment's app."""
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        app: ASGIApp = self._app_for(scope)
        await app(scope, receive, send)

    def _app_for(self, scope: Scope) -> Any:
        path: str = scope.get("path", "")
        parts = path.strip("/").split("/")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if parts[:2] == ["v4", "interact"]:
            key = headers.get("authorization", "").split(" ")[-1]
            for app in self.apps:
                if app.state.v4.resolve(key) is not None:
                    return app
            return self.fallback
        # Naming none means `development`, as in a single-file runtime.
        return self.routes.get(_environment(parts, headers, scope) or "development", self.fallback)


def _environment(parts: list[str], headers: dict[str, str], scope: Scope) -> str:
    """The environment (or version id) a request names, "" when none."""
    if parts[0] == "state" and len(parts) > 2 and parts[1] != "user":
        return parts[1]  # /state/{versionID}/user/{userID}
    if parts[0] == "interact" and len(parts) > 1 and parts[1] != "state":
        return parts[1]  # /interact/{versionID}[/state]
    if parts[0] == "v2beta1" and len(parts) > 3:
        return parts[3]  # /v2beta1/interact/{projectID}/{tag}/stream
    if parts[0] == "v4" and "environment" in parts:
        index = parts.index("environment")
        return parts[index + 1] if index + 1 < len(parts) else ""
    if parts[0] == "v2":
        raw: bytes = scope.get("query_string", b"")
        return parse_qs(raw.decode("latin-1")).get("environment", [""])[0]
    return headers.get("versionid", "")


async def _lifespan(receive: Receive, send: Send) -> None:
    # The runtime apps have no startup or shutdown work; answer uvicorn's lifespan protocol.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
