"""One test user's conversation with a runtime, for each API generation (v1, v2, v4).

Paths, headers and bodies follow /work/shared/contract/API.md §1 exactly: the hosted v2/v4
endpoints cannot be tried from here, so the wire form is pinned by unit tests instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from vftest.client.settings import ClientSettings, RequestGate
from vftest.client.transport import Caller, json_body
from vftest.errors import ConfigError, TransportError
from vftest.models import ApiGeneration, Exchange, Trace
from vftest.redact import redact_obj, secrets_of
from vftest.sse import assemble_completions, read_stream

__all__ = ["Conversation", "open_conversation"]

log = logging.getLogger("vftest.client")


class Conversation:
    """One user's conversation; create one per case with `open_conversation`.

    Variables given to `start` are sent with the first turn: a state reset does not bring
    them back, and the first turn is the one request every generation has in common.
    """

    api: ApiGeneration

    def __init__(
        self,
        settings: ClientSettings,
        user_id: str,
        http: httpx.AsyncClient,
        gate: RequestGate | None = None,
    ) -> None:
        self.settings = settings
        self.user_id = user_id
        self._secrets: list[str] = list(secrets_of(settings.api_key))
        self._caller = Caller(settings, http, gate, secrets=self._secrets)
        self._pending: dict[str, Any] = {}
        self._last: Exchange | None = None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(user_id={self.user_id!r}, "
            f"base_url={self.settings.base_url!r}, environment={self.settings.environment!r})"
        )

    @property
    def last_exchange(self) -> Exchange | None:
        """The most recent turn, if any."""
        return self._last

    # ----------------------------------------------------------------- public API

    async def start(
        self, variables: Mapping[str, Any] | None = None, *, reset: bool = True
    ) -> None:
        """Give the user a fresh session; `variables` go with the first turn.

        `reset=False` skips the round trip that clears the user's state, for a user id made up
        for this conversation: no runtime can hold state for it yet. (A v4 session is then
        opened by the first turn.)
        """
        self._check_open()
        if reset:
            await self._fresh_session()
        self._last = None
        self._pending = dict(variables or {})

    async def send(
        self, action: Mapping[str, Any], *, variables: Mapping[str, Any] | None = None
    ) -> Exchange:
        """Play one turn and return it as it happened on the wire (never resent blindly)."""
        self._check_open()
        merged = {**self._pending, **(variables or {})}
        exchange = await self._interact(dict(action), merged)
        self._pending = {}
        self._last = exchange
        return exchange

    async def read_variables(self) -> dict[str, Any]:
        """The session's variables, from the last turn's state when the API sent one."""
        self._check_open()
        if self._last is not None and isinstance(self._last.state, dict):
            found = self._last.state.get("variables")
            if isinstance(found, dict):
                return dict(found)  # already redacted with the exchange
        response, _ = await self._caller.call(
            "GET", self._state_path(), headers=self._state_headers()
        )
        state = json_body(response, self._where(response), self._secrets)
        if not isinstance(state, dict):
            raise TransportError(
                self._caller.redact(f"{self._where(response)}: state is not an object")
            )
        found = state.get("variables", {})  # `{}` for a user the runtime never saw
        return redact_obj(dict(found), self._secrets) if isinstance(found, dict) else {}

    async def reset(self) -> None:
        """Throw the session away (e.g. before a retry of the case)."""
        self._check_open()
        await self._fresh_session()
        self._last = None
        self._pending = {}

    async def close(self) -> None:
        """Forget the conversation; the shared HTTP client belongs to the caller."""
        self._closed = True

    async def send_event(self, name: str) -> None:
        """Broadcast an event to the session (v2 session event endpoint only)."""
        raise ConfigError(
            f"send_event is a v2 endpoint; with api {self.api.value} send "
            '{"type": "event", "payload": {"event": {"name": ...}}} as a turn'
        )

    # ----------------------------------------------------------------- per generation

    async def _fresh_session(self) -> None:
        # v1 and v2 share the state API: deleting it is the documented way to start over.
        await self._caller.call("DELETE", self._state_path(), headers=self._state_headers())

    async def _interact(self, action: dict[str, Any], variables: dict[str, Any]) -> Exchange:
        raise NotImplementedError

    # ----------------------------------------------------------------- helpers

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError(f"{self!r} is closed")

    def _state_path(self) -> str:
        return f"/state/user/{_seg(self.user_id)}"

    def _state_headers(self) -> dict[str, str]:
        headers = {"versionID": self.settings.environment}
        if self.settings.api_key:
            headers["authorization"] = self.settings.api_key
        return headers

    def _dm_headers(self) -> dict[str, str]:
        return {"authorization": self.settings.api_key} if self.settings.api_key else {}

    @staticmethod
    def _where(response: httpx.Response) -> str:
        return f"{response.request.method} {response.request.url.path} -> {response.status_code}"

    async def _post_traces(
        self,
        path: str,
        headers: dict[str, str],
        body: dict[str, Any],
        params: dict[str, str] | None,
        *,
        envelope: str,
    ) -> Exchange:
        """A non-streaming interact: `envelope` is "array", "verbose" (v1) or "traces" (v4)."""
        response, latency = await self._caller.call(
            "POST", path, headers=headers, json_body=body, params=params
        )
        where = self._where(response)
        value = json_body(response, where, self._secrets)
        state: Any = None
        traces: Any = value if envelope == "array" else None
        # Strict per generation: a shape from another generation means a misconfigured target.
        if envelope == "verbose" and isinstance(value, dict):
            traces, state = value.get("trace"), value.get("state")
        elif envelope == "traces" and isinstance(value, dict):
            traces, state = value.get("traces"), value.get("state")
        if not isinstance(traces, list) or not all(isinstance(t, dict) for t in traces):
            shape = type(value).__name__
            raise TransportError(
                self._caller.redact(f"{where}: expected a list of traces, got a JSON {shape}")
            )
        return self._exchange(response, body, traces, latency, None, state)

    async def _stream_traces(
        self,
        path: str,
        headers: dict[str, str],
        body: dict[str, Any],
        params: dict[str, str] | None,
    ) -> Exchange:
        headers = {**headers, "accept": "text/event-stream"}
        async with self._caller.stream(
            "POST", path, headers=headers, json_body=body, params=params
        ) as (response, started):
            where = self._where(response)
            result = await read_stream(
                response, started=started, where=where, secrets=self._secrets
            )
        return self._exchange(
            response, body, result.traces, result.latency, result.first_trace, result.state
        )

    def _exchange(
        self,
        response: httpx.Response,
        body: dict[str, Any],
        traces: list[Trace],
        latency: float,
        first_trace: float | None,
        state: Any,
    ) -> Exchange:
        assembled, chunks = assemble_completions(traces)
        request = response.request
        log.debug(
            self._caller.redact(
                f"{request.method} {request.url.path} -> {response.status_code}: "
                f"{len(assembled)} traces in {latency:.3f}s"
            )
        )
        return Exchange(
            method=request.method,
            url=self._caller.redact(str(request.url)),
            request_body=redact_obj(body, self._secrets),
            status=response.status_code,
            # A runtime may echo the key (a variable set from a header, a debug trace): what it
            # sends back is stored, matched and reported without it.
            traces=redact_obj(assembled, self._secrets),
            latency=latency,
            first_trace=first_trace,
            completion_chunks=redact_obj(chunks, self._secrets),
            state=redact_obj(state, self._secrets),
        )


class V1Conversation(Conversation):
    """Legacy state API: `/state/user/{userID}/interact`, version in the `versionID` header."""

    api = ApiGeneration.V1

    async def _interact(self, action: dict[str, Any], variables: dict[str, Any]) -> Exchange:
        body: dict[str, Any] = {"action": action}
        if self.settings.config is not None:
            body["config"] = dict(self.settings.config)
        if variables:
            # Only `state.variables` of the body is honoured; it is merged into the stored
            # state, also on a fresh session (API.md §1.2, capture 05).
            body["state"] = {"variables": variables}
        params = {"verbose": "true"} if self.settings.verbose_state else None
        return await self._post_traces(
            f"{self._state_path()}/interact",
            self._state_headers(),
            body,
            params,
            envelope="verbose" if self.settings.verbose_state else "array",
        )


class V2Conversation(Conversation):
    """`/v2/project/{projectID}/user/{userID}/interact[/stream]`, environment in the query."""

    api = ApiGeneration.V2

    def _base(self) -> str:
        return f"/v2/project/{_seg(self.settings.project_id or '')}"

    async def _interact(self, action: dict[str, Any], variables: dict[str, Any]) -> Exchange:
        body: dict[str, Any] = {"action": action}
        if variables:
            body["variables"] = variables
        path = f"{self._base()}/user/{_seg(self.user_id)}/interact"
        if self.settings.stream:
            params = {
                "environment": self.settings.environment,
                "completion_events": "true",
                "state": "true",
            }
            return await self._stream_traces(f"{path}/stream", self._dm_headers(), body, params)
        params = {"environment": self.settings.environment}
        return await self._post_traces(path, self._dm_headers(), body, params, envelope="array")

    async def send_event(self, name: str) -> None:
        """`POST /v2/project/{projectID}/session/{sessionID}/event`; the session is the user."""
        self._check_open()
        body = {"action": {"type": "event", "payload": {"event": {"name": name}}}}
        await self._caller.call(
            "POST",
            f"{self._base()}/session/{_seg(self.user_id)}/event",
            headers=self._dm_headers(),
            json_body=body,
        )


class V4Conversation(Conversation):
    """Session API: the DM key buys a `sessionKey` that authorizes `/v4/interact[/stream]`."""

    api = ApiGeneration.V4

    def __init__(
        self,
        settings: ClientSettings,
        user_id: str,
        http: httpx.AsyncClient,
        gate: RequestGate | None = None,
    ) -> None:
        super().__init__(settings, user_id, http, gate)
        self._session_key: str | None = None

    async def _fresh_session(self) -> None:
        # "Starting a new session for the same userID ends the previous one" (quickstart).
        base = f"/v4/project/{_seg(self.settings.project_id or '')}"
        if self.settings.environment:
            path = f"{base}/environment/{_seg(self.settings.environment)}/session"
        else:
            path = f"{base}/session"  # the project's traffic split picks the environment
        response, _ = await self._caller.call(
            "POST", path, headers=self._dm_headers(), json_body={"userID": self.user_id}
        )
        where = self._where(response)
        value = json_body(response, where, self._secrets, quote=False)
        key = value.get("sessionKey") if isinstance(value, dict) else None
        if not isinstance(key, str) or not key:
            raise TransportError(self._caller.redact(f"{where}: no sessionKey in the answer"))
        # The session key authorizes turns like an API key: never print it either.
        self._secrets.extend(s for s in secrets_of(key) if s not in self._secrets)
        self._secrets.sort(key=len, reverse=True)
        self._session_key = key

    async def _interact(self, action: dict[str, Any], variables: dict[str, Any]) -> Exchange:
        if self._session_key is None:
            await self._fresh_session()
        assert self._session_key is not None  # for mypy: set above or raised
        body: dict[str, Any] = {"action": action}
        if variables:
            body["variables"] = variables
        if self.settings.config is not None:
            body["config"] = dict(self.settings.config)
        headers = {"authorization": self._session_key}
        if self.settings.stream:
            return await self._stream_traces("/v4/interact/stream", headers, body, None)
        return await self._post_traces("/v4/interact", headers, body, None, envelope="traces")


def _seg(value: str) -> str:
    """One URL path segment: user ids are the suite's to choose, so escape everything."""
    return quote(value, safe="")


def open_conversation(
    settings: ClientSettings,
    user_id: str,
    http: httpx.AsyncClient,
    gate: RequestGate | None = None,
) -> Conversation:
    """A conversation of the generation `settings.api` names, over the caller's HTTP client."""
    kinds: dict[ApiGeneration, type[Conversation]] = {
        ApiGeneration.V1: V1Conversation,
        ApiGeneration.V2: V2Conversation,
        ApiGeneration.V4: V4Conversation,
    }
    return kinds[settings.api](settings, user_id, http, gate)
