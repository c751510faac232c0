"""The exception tree of vftest: every error the library raises on purpose.

```
VftestError
├── SuiteError               a suite file is broken (one or more `path:line: problem`)
├── ConfigError              options/settings are inconsistent (bad URL, missing project id...)
├── ProjectError             a compiled project file (.vfr) cannot be loaded
├── ContractError            an OpenAPI contract cannot be loaded or converted
├── InfrastructureError      the runtime could not be reached or misbehaved: not the agent's fault
│   ├── TransportError       connection refused / reset, timeout, malformed response, cut stream
│   ├── ServerError          5xx after retries
│   ├── RateLimitedError     429 that did not clear within the retry budget
│   └── AuthError            401 / bad key / unknown version: stops the remaining cases
└── CaseFailed (also AssertionError)   the agent did not do what the suite expects
```

Messages never contain the API key: `redact()` is applied wherever request data is quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vftest.models import CaseResult

__all__ = [
    "AuthError",
    "BaselineMismatch",
    "CaseFailed",
    "ConfigError",
    "ContractError",
    "InfrastructureError",
    "NoAnswerError",
    "ProjectError",
    "RateLimitedError",
    "ServerError",
    "SuiteError",
    "SuiteProblem",
    "TransportError",
    "VftestError",
]


class VftestError(Exception):
    """Base of every error vftest raises on purpose."""


@dataclass(frozen=True, slots=True)
class SuiteProblem:
    """One defect in a suite file, located for a compiler-style message.

    Attributes:
        path: the suite file as given (relative paths stay relative).
        line: 1-based line number, or 0 when the file as a whole is at fault.
        where: the JSON path inside the document (`cases[0].turns[1].expect[0]`), or "".
        message: what is wrong, in plain words.
    """

    path: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        location = f"{self.path}:{self.line}" if self.line else self.path
        where = f"{self.where}: " if self.where else ""
        return f"{location}: {where}{self.message}"


class SuiteError(VftestError):
    """A suite file is broken; carries every problem found, best match first."""

    def __init__(self, problems: list[SuiteProblem]) -> None:
        if not problems:
            raise ValueError("SuiteError needs at least one problem")
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConfigError(VftestError):
    """Settings from the command line, ini file, environment or suite do not fit together."""


class ProjectError(VftestError):
    """A compiled Voiceflow project file cannot be loaded (names what is missing)."""


class ContractError(VftestError):
    """An OpenAPI contract cannot be read or converted to JSON Schema."""


class InfrastructureError(VftestError):
    """The runtime was unreachable or misbehaved; the case is an error, not a failure."""

    kind = "infrastructure"


class TransportError(InfrastructureError):
    """Connection refused or reset, timeout, malformed body, or a stream cut short."""

    kind = "transport"


class NoAnswerError(TransportError):
    """The runtime took the request and did not answer within the timeout."""


class ServerError(InfrastructureError):
    """The runtime answered 5xx (after any retries that were safe to make)."""

    kind = "server"


class RateLimitedError(InfrastructureError):
    """The runtime kept answering 429 beyond the retry budget."""

    kind = "rate-limited"


class AuthError(InfrastructureError):
    """The API key, project or version was refused; retrying other cases would only hammer."""

    kind = "auth"


class BaselineMismatch(VftestError, AssertionError):
    """The conversation differs from its recorded baseline, or has none (a test *failure*)."""


class CaseFailed(VftestError, AssertionError):
    """The agent's answers did not meet the case's expectations (a test *failure*)."""

    def __init__(self, result: CaseResult, message: str) -> None:
        self.result = result
        super().__init__(message)
