"""vftest: conversation tests for Voiceflow agents (library; never imports pytest)."""

from __future__ import annotations

from vftest.errors import (
    AuthError,
    CaseFailed,
    ConfigError,
    ContractError,
    InfrastructureError,
    ProjectError,
    SuiteError,
    VftestError,
)

__version__ = "0.1.0"

__all__ = [
    "AuthError",
    "CaseFailed",
    "ConfigError",
    "ContractError",
    "InfrastructureError",
    "ProjectError",
    "SuiteError",
    "VftestError",
    "__version__",
]
