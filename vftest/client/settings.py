"""Settings of the Voiceflow client and the hook through which a rate limiter paces it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from vftest.errors import ConfigError
from vftest.models import ApiGeneration, Target

__all__ = ["ClientSettings", "RequestGate"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings:
    """How to reach one runtime; the API key never shows in `repr`.

    `timeout` bounds each network operation (connect, each read); `max_429_wait` is the total
    time one request may spend waiting out 429 answers; `connect_retries` counts resends of
    requests that never reached the server; `verbose_state` asks v1 for the state with every
    turn (`?verbose=true`) so variables can be read without an extra request.
    """

    base_url: str
    api: ApiGeneration = ApiGeneration.V1
    stream: bool = False
    environment: str = "development"
    project_id: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_429_wait: float = 60.0
    connect_retries: int = 3
    verbose_state: bool = False
    connect_backoff: float = 0.25  # first wait before resending after a refused connection
    config: Mapping[str, Any] | None = None  # v1/v4 `config` body field (stopTypes...)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"runtime URL must start with http:// or https://: {self.base_url!r}")
        # A trailing slash would double up with every path we append.
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if self.api in (ApiGeneration.V2, ApiGeneration.V4) and not self.project_id:
            raise ConfigError(f"api {self.api.value} needs a project id (target.project_id)")
        if self.stream and self.api is ApiGeneration.V1:
            raise ConfigError("api v1 has no streaming endpoint; use api v2 or v4 to stream")
        if self.timeout <= 0 or self.max_429_wait < 0 or self.connect_retries < 0:
            raise ConfigError("timeout must be > 0, max_429_wait and connect_retries >= 0")

    @classmethod
    def from_target(
        cls,
        target: Target,
        *,
        api_key: str | None,
        timeout: float = 30.0,
        base_url: str | None = None,
        **overrides: Any,
    ) -> ClientSettings:
        """Settings for a suite's target; `base_url` wins over `target.url` (local runtime)."""
        url = base_url or target.url
        if not url:
            raise ConfigError("target has no url and no local runtime URL was given")
        return cls(
            base_url=url,
            api=target.api,
            stream=target.stream,
            environment=target.environment,
            project_id=target.project_id,
            api_key=api_key,
            timeout=timeout,
            **overrides,
        )


class RequestGate(Protocol):
    """Paces requests: awaited before every attempt, told every status that came back."""

    async def acquire(self) -> None:
        """Wait until one more request may be sent."""
        ...

    def observe(self, status: int, headers: httpx.Headers) -> None:
        """Learn from a response's status and rate-limit headers."""
        ...
