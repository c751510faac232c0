"""Serve a runtime app with uvicorn: blocking (`serve`) or in a background thread (`RunningServer`).

`RunningServer` binds 127.0.0.1 port 0 itself, so `.url` is known before the first request
and parallel test sessions never fight over a port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp

__all__ = ["RunningServer", "serve"]


def _config(app: ASGIApp, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        # Only h11 and asyncio are guaranteed to be installed; pin them so behaviour (and the
        # benchmark) does not change with whatever optional speedups happen to be present.
        http="h11",
        loop="asyncio",
        lifespan="off",
        access_log=False,
        server_header=False,
        date_header=True,
        # uvicorn closes an idle kept-alive connection after 5 s; a client reusing it at that
        # moment gets a reset (a POST is not resent): under load, users idle that long between
        # turns. Keep connections as long as the hosted runtime's load balancer does.
        timeout_keep_alive=65,
    )


def serve(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 3000,
    *,
    log_level: str = "info",
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve `app` until interrupted (Ctrl-C / SIGTERM).

    The socket is bound here, so a busy port raises `OSError` instead of uvicorn's sys.exit;
    `announce` then gets the URL actually listened on (port 0 picks a free one).
    """
    sock = _bind(host, port)
    if announce is not None:
        announce(f"http://{_url_host(host)}:{sock.getsockname()[1]}")
    try:
        uvicorn.Server(_config(app, host, port, log_level)).run(sockets=[sock])
    finally:
        sock.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    # proto must say TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto is IPPROTO_TCP, and without it every response pays Nagle + delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class RunningServer:
    """uvicorn serving `app` on 127.0.0.1 in a daemon thread, for the length of a `with` block.

    ```python
    with RunningServer(create_app(load_project("agent.vfr"))) as server:
        httpx.get(server.url + "/health")
    ```
    """

    def __init__(
        self, app: ASGIApp, *, host: str = "127.0.0.1", start_timeout: float = 10.0
    ) -> None:
        self._app = app
        self._host = host
        self._start_timeout = start_timeout
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.url = ""

    def start(self) -> RunningServer:
        """Bind, start serving, and wait until uvicorn accepts connections."""
        if self._server is not None:
            raise RuntimeError("RunningServer is already started")
        sock = _bind(self._host, 0)
        port = sock.getsockname()[1]
        self._socket = sock
        server = uvicorn.Server(_config(self._app, self._host, port, "warning"))
        self._server = server
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"vftest-runtime-{port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + self._start_timeout
        while not server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            self.stop()
            raise RuntimeError(f"the local runtime did not start on {self._host}:{port}")
        self.url = f"http://{_url_host(self._host)}:{port}"
        return self

    def stop(self) -> None:
        """Ask uvicorn to finish (it drains open requests) and join its thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=self._start_timeout)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> RunningServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
