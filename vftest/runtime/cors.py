"""CORS for the local runtime, so a browser page (Voiceflow's chat widget) can talk to it.

Voiceflow's runtime answers cross-origin requests the way Express's `cors` middleware does with
`{origin: true, credentials: true}`: the request's `Origin` is reflected in
`Access-Control-Allow-Origin`, with `Access-Control-Allow-Credentials: true` and `Vary: Origin`,
on every route; a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered 204 with
the methods allowed and the request's own `Access-Control-Request-Headers`. Requests without an
`Origin` (every non-browser client) are untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ALLOWED_METHODS", "CORS"]

ALLOWED_METHODS = b"GET,HEAD,PUT,PATCH,POST,DELETE"


class CORS:
    """ASGI middleware adding CORS headers around an app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a preflight, or pass the request on and add the headers to its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        common = [
            (b"access-control-allow-origin", origin),
            (b"access-control-allow-credentials", b"true"),
        ]
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            vary = b"Origin, Access-Control-Request-Headers"
            answer = [*common, (b"vary", vary), (b"access-control-allow-methods", ALLOWED_METHODS)]
            requested = headers.get(b"access-control-request-headers")
            if requested:
                answer.append((b"access-control-allow-headers", requested))
            answer.append((b"content-length", b"0"))
            await send({"type": "http.response.start", "status": 204, "headers": answer})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                existing = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"access-control-allow-origin", b"vary")
                ]
                message = {**message, "headers": [*existing, *common, (b"vary", b"Origin")]}
            await send(message)

        await self.app(scope, receive, with_cors)
