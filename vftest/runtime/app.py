"""The HTTP surface of the local runtime: Voiceflow's Conversations API routes as a Starlette app.

`create_app(project, options)` serves v1 state + stateless routes, hosted v2 (+SSE), OSS
v2beta1 SSE, v4 sessions, `/public`, and `/health`; the engine (`vftest.runtime.engine`) runs
the turns. Auth, version aliases, error bodies and headers follow API.md (the captured runtime).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from vftest.jsonlimits import deeper_than
from vftest.runtime.cors import CORS
from vftest.runtime.engine import TurnConfig, TurnOutput, filter_traces, initial_state, run_turn
from vftest.runtime.errors import (
    HTTPFailure,
    JSONBody,
    express_not_found,
    response_builder,
    syntax_error,
    syntax_error_message,
    unexpected_token,
    validation_error,
    verror,
)
from vftest.runtime.faults import (
    BEFORE_HANDLING,
    CutResponse,
    FaultInjector,
    RateLimiter,
    malformed_json,
    too_many_requests,
)
from vftest.runtime.options import RuntimeOptions
from vftest.runtime.project import Project
from vftest.runtime.sessions import SessionStore, V4Sessions, session_key
from vftest.runtime.streaming import (
    HOSTED_HEADERS,
    V2BETA1_HEADERS,
    SSEResponse,
    hosted_events,
    v2beta1_events,
)

__all__ = ["create_app"]

log = logging.getLogger("vftest.runtime")

Handler = Callable[[Request, Any], Awaitable[Response]]
State = dict[str, Any]

BODY_LIMIT = 1024 * 1024  # bodyParser.json({limit: '1mb'})
# Node parses deeper JSON than Python's recursive engine code can walk; past this, a 400 (a known
# difference, docs/local-runtime.md) rather than a crash.
MAX_BODY_DEPTH = 200
LOG_LEVELS = frozenset({"off", "error", "warn", "info", "verbose", "true", "false"})
ALIASES = ("development", "production")
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")

BAD_KEY = "Cannot resolve project version, please verify that your API key is correct."
NOT_PUBLISHED = "Voiceflow project was not published to production"


def create_app(project: Project, options: RuntimeOptions | None = None) -> Starlette:
    """Build the runtime app serving `project`; every app has its own sessions and knobs.

    `app.state.sessions` (a `SessionStore`) and `app.state.project` are exposed for tests.
    """
    runtime = _Runtime(project, options or RuntimeOptions())
    app = Starlette(
        routes=runtime.routes(),
        # Express answers unknown routes *and* known paths with another method with its 404 page.
        exception_handlers={404: runtime.not_found, 405: runtime.not_found},
    )
    app.state.sessions = runtime.sessions
    app.state.v4 = runtime.v4  # the environments dispatcher finds a session key's app here
    app.state.project = project
    # Browsers (Voiceflow's chat widget) call the runtime cross-origin, as from a website.
    app.add_middleware(CORS)
    return app


@dataclass(frozen=True, slots=True)
class _Policy:
    """What the middleware chain does before a handler (mirrors the OSS router middlewares)."""

    key_required: bool = True  # rateLimit.verify: 401 without `authorization`
    rate_limited: bool = True  # rateLimit.consume: budget + X-RateLimit-* headers


_OPEN = _Policy(key_required=False)
_UNLIMITED = _Policy(rate_limited=False)


class _Runtime:
    """One app's state: the project, sessions, v4 keys, limiter and fault injector."""

    def __init__(self, project: Project, options: RuntimeOptions) -> None:
        self.project = project
        self.options = options
        self.sessions = SessionStore()
        self.v4 = V4Sessions()
        self.faults = FaultInjector(options)
        self.limiter = RateLimiter(options.rate_limit) if options.rate_limit else None
        self.api_keys = frozenset(_strip_key(k) for k in options.api_keys)
        # A .vfr holds one compiled version; every id the file names for it resolves to it.
        self.version_ids = {project.version_id, project.dev_version_id}
        if project.live_version_id:
            self.version_ids.add(project.live_version_id)

    # --- routing ----------------------------------------------------------------------------

    def routes(self) -> list[Route]:
        """Every route of API.md §1, each wrapped in its middleware policy."""
        ep = self._endpoint
        routes = [Route("/health", self.health, methods=["GET"])]
        for prefix in ("/state/user/{userID}", "/state/{versionID}/user/{userID}"):
            routes += [
                Route(prefix + "/interact", ep(self.v1_interact), methods=["POST"]),
                Route(prefix, ep(self.v1_get), methods=["GET"]),
                Route(prefix, ep(self.v1_put), methods=["PUT"]),
                Route(prefix, ep(self.v1_delete), methods=["DELETE"]),
                Route(prefix, ep(self.v1_reset), methods=["POST"]),
                Route(prefix + "/variables", ep(self.v1_variables), methods=["PATCH"]),
            ]
        routes += [
            Route("/interact/state", ep(self.stateless_state), methods=["GET"]),
            Route("/interact/{versionID}/state", ep(self.stateless_state), methods=["GET"]),
            Route("/interact", ep(self.stateless_interact), methods=["POST"]),
            Route("/interact/{versionID}", ep(self.stateless_interact), methods=["POST"]),
            Route(
                "/public/{projectID}/state/user/{userID}/interact",
                ep(self.public_interact, _OPEN),
                methods=["POST"],
            ),
            Route(
                "/public/{projectID}/publishing", ep(self.public_publishing, _OPEN), methods=["GET"]
            ),
            Route(
                "/public/{projectID}/transcripts",
                ep(self.public_transcripts, _OPEN),
                methods=["POST"],
            ),
            Route(
                "/v2/project/{projectID}/user/{userID}/interact",
                ep(self.v2_interact),
                methods=["POST"],
            ),
            Route(
                "/v2/project/{projectID}/user/{userID}/interact/stream",
                ep(self.v2_stream),
                methods=["POST"],
            ),
            Route(
                "/v2/project/{projectID}/session/{sessionID}/event",
                ep(self.v2_event, _OPEN),
                methods=["POST"],
            ),
            Route(
                "/v2beta1/interact/{projectID}/{tag}/stream",
                ep(self.v2beta1_stream, _UNLIMITED),
                methods=["POST"],
            ),
            Route("/v4/project/{projectID}/session", ep(self.v4_start), methods=["POST"]),
            Route(
                "/v4/project/{projectID}/environment/{environmentID}/session",
                ep(self.v4_start),
                methods=["POST"],
            ),
            Route("/v4/interact", ep(self.v4_interact), methods=["POST"]),
            Route("/v4/interact/stream", ep(self.v4_stream), methods=["POST"]),
        ]
        return routes

    async def health(self, request: Request) -> Response:
        """`GET /health`: `"<NODE_ENV> Healthy"` as text (capture 00); never delayed or faulted."""
        return Response(f"{self.options.node_env} Healthy", media_type="text/html; charset=utf-8")

    async def not_found(self, request: Request, exc: Exception) -> Response:
        """Express's 404 page; a malformed JSON body still fails first, as bodyParser runs first."""
        try:
            await _read_json(request)
        except HTTPFailure as failure:
            return failure.response
        raw = request.scope.get("raw_path") or request.url.path.encode()
        query = request.scope.get("query_string") or b""
        path = raw.decode("latin-1") + ("?" + query.decode("latin-1") if query else "")
        return express_not_found(request.method, path)

    def _endpoint(
        self, handler: Handler, policy: _Policy = _Policy()
    ) -> Callable[[Request], Awaitable[Response]]:
        """Wrap `handler` in latency, faults, body parsing, auth and the rate limiter."""

        async def endpoint(request: Request) -> Response:
            fault = None
            if self.faults.active:
                await self.faults.delay()
                fault = self.faults.pick()
                if fault in BEFORE_HANDLING:
                    return await self.faults.answer_before(fault)
            rate_headers: dict[str, str] = {}
            try:
                body = await _read_json(request)
                key = request.headers.get("authorization")
                if policy.key_required and not key:
                    raise HTTPFailure(response_builder(401, "Auth Key Required"))
                if policy.rate_limited and self.limiter is not None:
                    # Keyless routes share a budget per project, as the public limiter does.
                    bucket = key or "public:" + request.path_params.get("projectID", "")
                    allowed, rate_headers = self.limiter.consume(bucket)
                    if not allowed:
                        return too_many_requests(rate_headers)
                response = await handler(request, body)
            except HTTPFailure as failure:
                response = failure.response
            except ClientDisconnect:
                # the client went away mid-body (a cancelled run): nobody to answer, nothing wrong
                return Response(status_code=499)
            except Exception as error:  # an engine bug must not kill the server: answer 500
                log.exception("local runtime: %s %s failed", request.method, request.url.path)
                response = response_builder(500, f"{type(error).__name__}: {error}")
            response.headers.update(rate_headers)
            return _deliver(response, fault)

        return endpoint

    # --- auth and versions --------------------------------------------------------------------

    def _v1_version(self, request: Request) -> str:
        """`unifyVersionID` + `resolveVersionAlias` + `attachProjectID` of the OSS runtime."""
        key = _strip_key(request.headers.get("authorization", ""))
        version = request.path_params.get("versionID") or request.headers.get("versionid")
        if not key.startswith("VF.DM."):
            if not version:
                raise HTTPFailure(verror("Missing versionID in request"))
            if version in ALIASES:
                raise HTTPFailure(verror("Cannot resolve version alias"))
        if self.api_keys and key not in self.api_keys:
            raise HTTPFailure(verror(BAD_KEY))
        version = version or "development"
        if version in self.options.environments:
            return self.project.version_id
        if version == "development":
            version = self.project.dev_version_id
        elif version == "production":
            if not self.project.live_version_id:
                raise HTTPFailure(verror(NOT_PUBLISHED))
            version = self.project.live_version_id
        if version not in self.version_ids:
            raise HTTPFailure(verror(f"Could not resolve project with version ID {version}"))
        return version

    def _hosted_access(self, request: Request, environment: str | None) -> str:
        """Key, project and environment checks of the hosted v2/v4 routes; returns the version.

        Their error bodies are not evidenced; the ResponseBuilder shape is used throughout.
        """
        key = _strip_key(request.headers.get("authorization", ""))
        if not key.startswith("VF.DM.") or (self.api_keys and key not in self.api_keys):
            raise HTTPFailure(response_builder(401, "Invalid Dialog Manager API key"))
        if request.path_params.get("projectID") != self.project.project_id:
            raise HTTPFailure(response_builder(401, "no access to project"))
        return self._environment(environment or "development", not_found=404)

    def _environment(self, environment: str, *, not_found: int) -> str:
        """Resolve an environment / version tag (alias or ObjectID) to this file's version."""
        if environment in self.options.environments:
            return self.project.version_id
        if environment == "development":
            return self.project.dev_version_id
        if environment == "production":
            if not self.project.live_version_id:
                raise HTTPFailure(response_builder(not_found, NOT_PUBLISHED))
            return self.project.live_version_id
        if not OBJECT_ID.match(environment):
            raise HTTPFailure(
                response_builder(
                    not_found,
                    f"Environment {environment!r} not found (local runtime has only "
                    "development, production and its version ID)",
                )
            )
        if environment not in self.version_ids:
            raise HTTPFailure(
                response_builder(
                    not_found, f"Could not resolve project with version ID {environment}"
                )
            )
        return environment

    # --- turns -------------------------------------------------------------------------------

    async def _session_turn(
        self,
        user_id: str,
        action: Any,
        config: dict[str, Any],
        variables: Any = None,
        logs: str | None = None,
    ) -> TurnOutput:
        """Load (or start) `user_id`'s state, merge `variables`, run one turn, save it."""
        key = session_key(self.project.project_id, user_id)
        turn_config = _turn_config(config, logs=logs, user_id=user_id)
        async with self.sessions.locked(key):
            state = self.sessions.get(key) or initial_state(self.project, user_id=user_id)
            if isinstance(variables, dict) and variables:
                state = {**state, "variables": _merge(state.get("variables") or {}, variables)}
            output = run_turn(self.project, state, action, turn_config)
            self.sessions.put(key, output.state)
        return output

    # --- v1 stateful ---------------------------------------------------------------------------

    async def v1_interact(self, request: Request, body: Any) -> Response:
        """`POST /state/user/{userID}/interact`: traces, or `{state, trace, request}` if verbose."""
        self._v1_version(request)
        return await self._interact(request, body)

    async def _interact(self, request: Request, body: Any) -> Response:
        logs = request.query_params.get("logs")
        if logs is not None and logs not in LOG_LEVELS:
            raise HTTPFailure(
                validation_error({"logs": "must be a known log level, boolean, or undefined"})
            )
        body = _object(body)
        config = _object(body.get("config"))
        output = await self._session_turn(
            request.path_params["userID"],
            _action(body),
            config,
            variables=_object(body.get("state")).get("variables"),
            logs=logs,
        )
        traces = _filtered(output.traces, config)
        if request.query_params.get("verbose") == "true":
            return JSONBody({"state": output.state, "trace": traces, "request": output.request})
        return JSONBody(traces)

    async def v1_get(self, request: Request, body: Any) -> Response:
        """`GET /state/user/{userID}`: the stored state, or `{}` (capture 15)."""
        self._v1_version(request)
        return JSONBody(self.sessions.get(self._v1_key(request)) or {})

    async def v1_put(self, request: Request, body: Any) -> Response:
        """`PUT /state/user/{userID}`: replace the state after the OSS schema check (capture 32)."""
        self._v1_version(request)
        problems = _state_problems(body)
        if problems:
            raise HTTPFailure(validation_error({"": ", ".join(problems)}))
        self.sessions.put(self._v1_key(request), body)
        return JSONBody(body)

    async def v1_delete(self, request: Request, body: Any) -> Response:
        """`DELETE /state/user/{userID}`: 200 with an empty body (capture 14)."""
        self._v1_version(request)
        self.sessions.delete(self._v1_key(request))
        return Response(b"", media_type="application/json; charset=utf-8")

    async def v1_reset(self, request: Request, body: Any) -> Response:
        """`POST /state/user/{userID}`: store and return the initial state (capture 16)."""
        self._v1_version(request)
        state = initial_state(self.project)
        self.sessions.put(self._v1_key(request), state)
        return JSONBody(state)

    async def v1_variables(self, request: Request, body: Any) -> Response:
        """`PATCH .../variables`: shallow-merge into the state (captures 11, 35)."""
        self._v1_version(request)
        key = self._v1_key(request)
        async with self.sessions.locked(key):
            state = self.sessions.get(key)
            patch = _object(body)
            if state:
                state = {**state, "variables": {**(state.get("variables") or {}), **patch}}
            else:
                state = {"variables": patch}
            self.sessions.put(key, state)
        return JSONBody(state)

    def _v1_key(self, request: Request) -> str:
        return session_key(self.project.project_id, request.path_params["userID"])

    # --- v1 stateless ----------------------------------------------------------------------------

    async def stateless_state(self, request: Request, body: Any) -> Response:
        """`GET /interact/state`: the version's initial state (capture 19)."""
        self._v1_version(request)
        return JSONBody(initial_state(self.project))

    async def stateless_interact(self, request: Request, body: Any) -> Response:
        """`POST /interact`: one turn on the state the caller carries (capture 18)."""
        self._v1_version(request)
        body = _object(body)
        config = _object(body.get("config"))
        state = body.get("state")
        if not isinstance(state, dict) or not state:
            state = initial_state(self.project)
        output = run_turn(self.project, state, _action(body), _turn_config(config))
        traces = _filtered(output.traces, config)
        return JSONBody({"request": output.request, "state": output.state, "trace": traces})

    def _public_access(self, request: Request) -> None:
        project = self.project.raw.get("project") or {}
        public = self.options.public or project.get("apiPrivacy") == "public"
        if request.path_params["projectID"] != self.project.project_id or not public:
            raise HTTPFailure(response_builder(401, "no access to project"))

    async def public_interact(self, request: Request, body: Any) -> Response:
        """`/public/{projectID}/...`: public projects only (capture 42); `{"trace": [...]}`.

        The chat widget reads the traces from `trace` (the route answers in the verbose
        envelope), unlike the private state route's bare array.
        """
        self._public_access(request)
        response = await self._interact(request, body)
        if request.query_params.get("verbose") == "true":
            return response
        return JSONBody({"trace": json.loads(bytes(response.body))})

    async def public_publishing(self, request: Request, body: Any) -> Response:
        """`GET /public/{projectID}/publishing`: the version's publishing settings, or `{}`."""
        self._public_access(request)
        version = self.project.raw.get("version") or {}
        platform = version.get("platformData") or {}
        publishing = platform.get("publishing") if isinstance(platform, dict) else None
        return JSONBody(publishing if isinstance(publishing, dict) else {})

    async def public_transcripts(self, request: Request, body: Any) -> Response:
        """`POST /public/{projectID}/transcripts`: the widget saves its transcript; kept nowhere."""
        self._public_access(request)
        return JSONBody({"_id": secrets.token_hex(12), **_object(body)})

    # --- v2 (hosted) ---------------------------------------------------------------------------

    async def _v2_turn(
        self, request: Request, body: Any
    ) -> tuple[TurnOutput, list[dict[str, Any]]]:
        self._hosted_access(request, request.query_params.get("environment"))
        body = _object(body)
        config = _object(body.get("config"))
        output = await self._session_turn(
            request.path_params["userID"], _action(body), config, variables=body.get("variables")
        )
        return output, _filtered(output.traces, config)

    async def v2_interact(self, request: Request, body: Any) -> Response:
        """`POST /v2/project/{projectID}/user/{userID}/interact`: a bare array of traces."""
        _, traces = await self._v2_turn(request, body)
        return JSONBody(traces)

    async def v2_stream(self, request: Request, body: Any) -> Response:
        """`.../interact/stream`: hosted SSE; `?state=true` adds an `event: state`."""
        output, traces = await self._v2_turn(request, body)
        state = output.state if request.query_params.get("state") == "true" else None
        return SSEResponse(hosted_events(traces, state), HOSTED_HEADERS)

    async def v2_event(self, request: Request, body: Any) -> Response:
        """`POST /v2/project/{projectID}/session/{sessionID}/event`.

        Hosted, this is broadcast to a live stream; locally the event runs as a turn of the
        stored session `sessionID` (if any; its traces are dropped), then 200 with no body.
        """
        if request.path_params["projectID"] != self.project.project_id:
            raise HTTPFailure(response_builder(401, "project does not exist or is not public"))
        action = _object(body).get("action")
        if not isinstance(action, dict) or action.get("type") != "event":
            raise HTTPFailure(response_builder(400, "action must be an event request"))
        key = session_key(self.project.project_id, request.path_params["sessionID"])
        async with self.sessions.locked(key):
            state = self.sessions.get(key)
            if state:
                config = TurnConfig(user_id=request.path_params["sessionID"])
                self.sessions.put(key, run_turn(self.project, state, action, config).state)
        return Response(b"")

    # --- v2beta1 (OSS) -------------------------------------------------------------------------

    async def v2beta1_stream(self, request: Request, body: Any) -> Response:
        """`POST /v2beta1/interact/{projectID}/{tag}/stream` (captures 37, 38, 40, 41)."""
        tag = request.path_params["tag"]
        if tag not in ALIASES and not OBJECT_ID.match(tag):
            raise HTTPFailure(response_builder(400, "Invalid project version tag"))
        issues = _v2beta1_issues(body)
        if issues:
            # zod's error escapes to the route wrapper: 500 with the issues as the message.
            raise HTTPFailure(response_builder(500, json.dumps(issues, indent=2)))
        if request.path_params["projectID"] != self.project.project_id:
            raise HTTPFailure(response_builder(401, "no access to project"))
        self._environment(tag, not_found=400)
        session = body["session"]
        # The OSS runtime keys these sessions by userID + sessionID (capture 40's user_id).
        output = await self._session_turn(
            session["userID"] + session["sessionID"],
            _action(body),
            _object(body.get("config")),
            variables=_object(body.get("state")).get("variables"),
        )
        return SSEResponse(v2beta1_events(output.traces, output.state), V2BETA1_HEADERS)

    # --- v4 (hosted) ---------------------------------------------------------------------------

    async def v4_start(self, request: Request, body: Any) -> Response:
        """`POST /v4/project/{projectID}[/environment/{env}]/session` -> `{sessionKey}`.

        A new session starts a new conversation: the user's stored state is cleared.
        """
        version = self._hosted_access(request, request.path_params.get("environmentID"))
        user_id = _object(body).get("userID")
        if not isinstance(user_id, str) or not 1 <= len(user_id) <= 256:
            raise HTTPFailure(
                response_builder(400, "userID must be a string of 1 to 256 characters")
            )
        self.sessions.delete(session_key(self.project.project_id, user_id))
        return JSONBody({"sessionKey": self.v4.start(self.project.project_id, user_id, version)})

    async def _v4_turn(self, request: Request, body: Any) -> list[dict[str, Any]]:
        session = self.v4.resolve(_strip_key(request.headers.get("authorization", "")))
        if session is None:
            raise HTTPFailure(response_builder(401, "Invalid or expired session key"))
        body = _object(body)
        if not isinstance(body.get("action"), dict):
            raise HTTPFailure(response_builder(400, "action is required"))
        variables = body.get("variables")
        if not isinstance(variables, dict):
            variables = _object(body.get("state")).get("variables")
        config = _object(body.get("config"))
        output = await self._session_turn(session.user_id, body["action"], config, variables)
        return _v4_shaped(_filtered(output.traces, config))

    async def v4_interact(self, request: Request, body: Any) -> Response:
        """`POST /v4/interact`: `{traces: [...]}` (an object, unlike v1)."""
        return JSONBody({"traces": await self._v4_turn(request, body)})

    async def v4_stream(self, request: Request, body: Any) -> Response:
        """`POST /v4/interact/stream`: hosted-style SSE."""
        return SSEResponse(hosted_events(await self._v4_turn(request, body), None), HOSTED_HEADERS)


# --- helpers ---------------------------------------------------------------------------------


async def _read_json(request: Request) -> Any:
    """bodyParser.json: parse `application/json` bodies; anything else reads as `{}`."""
    if "application/json" not in request.headers.get("content-type", ""):
        return {}
    raw = await _read_limited(request)
    text = raw.decode("utf-8", errors="replace")
    stripped = text.lstrip(" \t\n\r")
    if not stripped:
        return {}
    if stripped[0] not in "{[":
        # body-parser's strict mode rejects bare values the way JSON.parse words it.
        raise HTTPFailure(syntax_error(unexpected_token(text, len(text) - len(stripped))))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise HTTPFailure(syntax_error(syntax_error_message(text, error))) from None
    except RecursionError:
        value = None
    if value is None or deeper_than(value, MAX_BODY_DEPTH):
        raise HTTPFailure(response_builder(400, "request body is nested too deeply"))
    return value


async def _read_limited(request: Request) -> bytes:
    """The body, refused with body-parser's 413 as soon as it passes the limit (not buffered)."""
    too_large = HTTPFailure(
        JSONBody(
            {"name": "PayloadTooLargeError", "message": "request entity too large"},
            status_code=413,
        )
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > BODY_LIMIT:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_LIMIT:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def _deliver(response: Response, fault: str | None) -> Response:
    """Apply a delivery fault (`cut`, `malformed`) to an answer that is already computed."""
    if fault == "cut":
        if isinstance(response, SSEResponse):
            response.cut = True
            return response
        return CutResponse(response)
    if fault == "malformed":
        if isinstance(response, SSEResponse):
            # Break the first data line but keep the event framing: a parser must cope.
            first = next((i for i, e in enumerate(response.events) if b"\ndata:" in e), None)
            if first is not None:
                response.events[first] = malformed_json(response.events[first]) + b"\n\n"
            return response
        response.body = malformed_json(bytes(response.body))
        response.headers["content-length"] = str(len(response.body))
    return response


def _strip_key(value: str) -> str:
    """`isolateAPIKey`: drop an `ApiKey ` / `Bearer ` prefix."""
    for prefix in ("ApiKey ", "Bearer "):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def _object(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else `{}` (JS property access on anything else)."""
    return value if isinstance(value, dict) else {}


def _action(body: dict[str, Any]) -> Any:
    """`action ?? request`, with `{type: launch, payload: null}` made payload-less (react-chat)."""
    action = body.get("action")
    if action is None:
        action = body.get("request")
    if not isinstance(action, dict):
        # `"action": "launch"`: JavaScript reads `.type` of a string as undefined, so the turn
        # runs with no request (a fresh user is launched), never a crash.
        return None
    if (
        isinstance(action, dict)
        and action.get("type") == "launch"
        and action.get("payload", 0) is None
    ):
        action = {k: v for k, v in action.items() if k != "payload"}
    return action


def _turn_config(
    config: dict[str, Any], *, logs: str | None = None, user_id: str | None = None
) -> TurnConfig:
    stop_types = config.get("stopTypes")
    return TurnConfig(
        stop_types=tuple(t for t in stop_types if isinstance(t, str))
        if isinstance(stop_types, list)
        else (),
        stop_all=config.get("stopAll") is True,
        logs=logs,
        user_id=user_id,
    )


def _filtered(traces: list[dict[str, Any]], config: dict[str, Any]) -> list[dict[str, Any]]:
    exclude = config.get("excludeTypes")
    return filter_traces(
        traces,
        exclude_types=exclude if isinstance(exclude, list) else None,
        strip_ssml=config.get("stripSSML") is not False,
    )


def _merge(target: Any, source: Any) -> Any:
    """Deep-merge like lodash `merge`: objects key by key, arrays index by index, else replace."""
    if isinstance(target, dict) and isinstance(source, dict):
        merged = dict(target)
        for key, value in source.items():
            merged[key] = _merge(target.get(key), value) if key in target else value
        return merged
    if isinstance(target, list) and isinstance(source, list):
        return [_merge(t, s) for t, s in zip(target, source, strict=False)] + (
            source[len(target) :] if len(source) > len(target) else target[len(source) :]
        )
    return source


def _state_problems(body: Any) -> list[str]:
    """AJV (v6, allErrors) messages for the PUT state schema, in AJV's order (capture 32)."""
    if not isinstance(body, dict):
        return ["data should be object"]
    problems = [
        "data should NOT have additional properties"
        for key in body
        if key not in ("stack", "storage", "variables")
    ]
    for name, kind in (("stack", "array"), ("storage", "object"), ("variables", "object")):
        if name not in body:
            problems.append(f"data should have required property '{name}'")
        elif not isinstance(body[name], list if kind == "array" else dict):
            problems.append(f"data.{name} should be {kind}")
    for index, frame in enumerate(body["stack"] if isinstance(body.get("stack"), list) else []):
        if not isinstance(frame, dict):
            problems.append(f"data.stack[{index}] should be object")
        elif not isinstance(frame.get("diagramID"), str):
            problems.append(
                f"data.stack[{index}] should have required property 'diagramID'"
                if "diagramID" not in frame
                else f"data.stack[{index}].diagramID should be string"
            )
    return problems


def _v2beta1_issues(body: Any) -> list[dict[str, Any]]:
    """The zod issues for the v2beta1 body `{action: {type}, session: {userID, sessionID}}`."""
    issues: list[dict[str, Any]] = []

    def expect(value: Any, path: list[str], kind: str) -> bool:
        ok = isinstance(value, dict if kind == "object" else str)
        if not ok:
            received = _zod_type(value)
            message = (
                "Required" if received == "undefined" else f"Expected {kind}, received {received}"
            )
            issues.append(
                {
                    "code": "invalid_type",
                    "expected": kind,
                    "received": received,
                    "path": path,
                    "message": message,
                }
            )
        return ok

    body = _object(body) if isinstance(body, dict) else body
    if not expect(body, [], "object"):
        return issues
    if expect(body.get("action", _MISSING), ["action"], "object"):
        expect(body["action"].get("type", _MISSING), ["action", "type"], "string")
    if expect(body.get("session", _MISSING), ["session"], "object"):
        for field in ("userID", "sessionID"):
            expect(body["session"].get(field, _MISSING), ["session", field], "string")
    return issues


_MISSING = object()


def _zod_type(value: Any) -> str:
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _v4_shaped(traces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Traces as the hosted v4 runtime sends them.

    A `turnID` on each (API.md §1.5) and a `payload.messageID` on text traces (required by the
    v4 contract's TextTrace).
    """
    turn_id = secrets.token_hex(12)
    shaped = []
    for trace in traces:
        trace = {**trace, "turnID": turn_id}
        if trace.get("type") == "text" and isinstance(trace.get("payload"), dict):
            trace["payload"] = {**trace["payload"], "messageID": secrets.token_hex(12)}
        shaped.append(trace)
    return shaped
