"""Loopback helpers shared by tests that need a runtime that is not there."""

from __future__ import annotations

import socket

__all__ = ["closed_port_url"]


def closed_port_url() -> str:
    """A loopback URL where nothing listens (connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
