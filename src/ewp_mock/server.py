"""Run a mock node with uvicorn: in the foreground (``ewp-mock serve``) or in a thread.

The listening socket is bound before the configuration is made, so that port
0 ("any free port") still gives the configuration, the catalogue and the
signed ``Host`` the real port, with no window in which another process could
take it.

Every accepted connection gets ``TCP_NODELAY``. Without it, a response
written in two pieces (headers, then body) on a keep-alive connection waits
for the client's delayed ACK (about 40 ms on Linux) before its body leaves:
Nagle's algorithm. asyncio sets the option itself only on sockets created
with ``proto=IPPROTO_TCP``, which :func:`bind_socket` does; the protocol
uvicorn runs here (:data:`NODELAY_HTTP_PROTOCOL`) sets it as well, so a socket
made elsewhere (``proto=0``, as ``socket.socket()`` or gunicorn make them) is
served the same way. Started by uvicorn's own command, the mock gets it with
``uvicorn --factory ewp_mock:create_app --http ewp_mock.server:NODELAY_HTTP_PROTOCOL``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType
from typing import Final

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from ewp_client.errors import ConfigError

__all__ = ["NODELAY_HTTP_PROTOCOL", "MockServer", "bind_socket", "set_tcp_nodelay"]

_TCP_FAMILIES: Final = (socket.AF_INET, socket.AF_INET6)


def bind_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A TCP socket bound to ``host:port`` (port 0: a free port); :class:`ConfigError` if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def set_tcp_nodelay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on the TCP connection under ``transport`` (others: no-op)."""
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in _TCP_FAMILIES:
        return
    with contextlib.suppress(OSError):  # the peer is already gone: nothing to speed up
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _nodelay_protocol(base: type[asyncio.Protocol]) -> type[asyncio.Protocol]:
    """``base`` (uvicorn's HTTP protocol) setting ``TCP_NODELAY`` on each connection it gets."""

    def connection_made(self: asyncio.Protocol, transport: asyncio.BaseTransport) -> None:
        set_tcp_nodelay(transport)
        base.connection_made(self, transport)

    return type(f"NoDelay{base.__name__}", (base,), {"connection_made": connection_made})


#: uvicorn's HTTP protocol (h11 or httptools, whichever is installed), with TCP_NODELAY.
NODELAY_HTTP_PROTOCOL: Final = _nodelay_protocol(AutoHTTPProtocol)


def _uvicorn(app: FastAPI, *, tcp_nodelay: bool = True) -> uvicorn.Server:
    http: type[asyncio.Protocol] | str = NODELAY_HTTP_PROTOCOL if tcp_nodelay else "auto"
    return uvicorn.Server(
        uvicorn.Config(app, http=http, log_level="warning", access_log=False, lifespan="off")
    )


def serve_forever(app: FastAPI, sock: socket.socket) -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl-C)."""
    _uvicorn(app).run(sockets=[sock])


class MockServer:
    """``app`` served on ``sock`` by uvicorn in a background thread; a context manager.

    ``tcp_nodelay=False`` leaves Nagle's algorithm to whatever ``sock``'s
    protocol makes asyncio do (benchmarks measure what it costs); keep the
    default otherwise.
    """

    def __init__(self, app: FastAPI, sock: socket.socket, *, tcp_nodelay: bool = True) -> None:
        self.app = app
        self.sock = sock
        self._server = _uvicorn(app, tcp_nodelay=tcp_nodelay)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [sock]},
            name="ewp-mock-server",
            daemon=True,
        )

    @property
    def uvicorn(self) -> uvicorn.Server:
        """The uvicorn server (its ``server_state`` holds the open connections)."""
        return self._server

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; returns once uvicorn accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise ConfigError("the mock server did not start")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit, wait for the thread, and close the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.sock.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def __enter__(self) -> MockServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
