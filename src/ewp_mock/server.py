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

Hostile or broken callers do not take the node down (:class:`ServerLimits`):

* a request must arrive whole (headers and body) within ``request_read_timeout``
  seconds of the connection's start or of the previous answer on it; a client
  that stalls or trickles bytes (slowloris) is disconnected then. Time the app
  spends answering does not count;
* an idle keep-alive connection is closed after ``keep_alive_timeout``;
* a request head (request line and headers) still incomplete once
  ``max_header_bytes`` have arrived is refused (h11's bound on an incomplete
  event), and so is any request HTTP cannot parse: both with a 400 EWP
  ``error-response``, never a text page or a traceback;
* at most ``max_connections`` connections are served at once; beyond that a
  request is answered 503 at once (uvicorn's ``limit_concurrency``);
* a TLS handshake must finish within asyncio's 60 s (uvicorn does not expose
  it), and stopping waits at most ``graceful_shutdown`` seconds for answers
  in progress.

SIGTERM and SIGINT (Ctrl-C) stop a foreground node gracefully and
:func:`serve_forever` returns: the process exits 0 (uvicorn's own server
re-raises the signal after stopping, which would end the process by it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from email.utils import formatdate
from types import TracebackType
from typing import Any, Final, Literal

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from ewp_client.error_response import render_error_response
from ewp_client.errors import ConfigError

from .exchange_log import EXCHANGE_LOGGER

__all__ = [
    "NODELAY_HTTP_PROTOCOL",
    "GuardedHttpProtocol",
    "MockServer",
    "ServerLimits",
    "bind_socket",
    "guarded_protocol",
    "serve_forever",
    "set_tcp_nodelay",
]

log = logging.getLogger("ewp_mock.server")

_TCP_FAMILIES: Final = (socket.AF_INET, socket.AF_INET6)
_STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)

#: What uvicorn is handed: any ASGI 3 application (the FastAPI app, or it wrapped).
AsgiApp = Callable[..., Any]


@dataclass(frozen=True)
class ServerLimits:
    """How long and how much the server waits for and holds per caller (see the module doc)."""

    request_read_timeout: float = 30.0
    keep_alive_timeout: int = 5
    max_header_bytes: int = 16 * 1024
    max_connections: int = 512
    graceful_shutdown: int = 5

    def __post_init__(self) -> None:
        for name in ("request_read_timeout", "keep_alive_timeout", "max_header_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be positive, not {getattr(self, name)}")
        if self.max_connections < 1 or self.graceful_shutdown < 0:
            raise ConfigError("max_connections must be at least 1 and graceful_shutdown >= 0")


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


class GuardedHttpProtocol(H11Protocol):
    """uvicorn's h11 protocol with ``TCP_NODELAY``, a request read deadline and EWP 400s.

    Configured by class attributes; :func:`guarded_protocol` makes the subclass
    for given limits (uvicorn instantiates the class itself).
    """

    tcp_nodelay: bool = True
    request_read_timeout: float = ServerLimits.request_read_timeout
    _read_deadline: asyncio.TimerHandle | None = None

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        if self.tcp_nodelay:
            set_tcp_nodelay(transport)
        super().connection_made(transport)
        self._arm_read_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_read_deadline()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_read_deadline()

    def send_400_response(self, msg: str) -> None:
        """A request HTTP cannot parse: a 400 EWP ``error-response``, then the connection closes."""
        body = render_error_response(f"malformed HTTP request: {msg}")
        headers = [
            (b"content-type", b"text/xml; charset=utf-8"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                h11.Data(data=body),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event) or b"")
        except h11.LocalProtocolError:
            pass  # an answer was already under way: closing is all that is left
        logging.getLogger(EXCHANGE_LOGGER).info(
            "exchange method=- path=- status=400 key=- verdict=malformed-http "
            "response=unsigned ms=0.0"
        )
        self.transport.close()

    def _arm_read_deadline(self) -> None:
        self._disarm_read_deadline()
        self._read_deadline = self.loop.call_later(
            self.request_read_timeout, self._read_deadline_passed
        )

    def _disarm_read_deadline(self) -> None:
        if self._read_deadline is not None:
            self._read_deadline.cancel()
            self._read_deadline = None

    def _read_deadline_passed(self) -> None:
        self._read_deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state not in (h11.IDLE, h11.SEND_BODY):
            return  # the request is in: the app is answering, which is not the caller's delay
        log.info(
            "closing a connection whose request did not arrive within %s s",
            self.request_read_timeout,
        )
        self.transport.close()


def guarded_protocol(
    limits: ServerLimits | None = None, *, tcp_nodelay: bool = True
) -> type[GuardedHttpProtocol]:
    """The HTTP protocol class uvicorn runs for ``limits``."""
    limits = limits or ServerLimits()
    name = "NoDelayGuardedHttpProtocol" if tcp_nodelay else "GuardedHttpProtocol"
    attributes = {"tcp_nodelay": tcp_nodelay, "request_read_timeout": limits.request_read_timeout}
    return type(name, (GuardedHttpProtocol,), attributes)


#: uvicorn's HTTP protocol (h11) with TCP_NODELAY and the default :class:`ServerLimits`.
NODELAY_HTTP_PROTOCOL: Final = guarded_protocol()


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, except that a stop signal is not raised again once it has stopped."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


def _lifespan_mode(app: AsgiApp) -> Literal["on", "auto"]:
    """``on`` for a node's app, ``auto`` for any other ASGI app.

    A node's lifespan runs its CNR delivery task: a failure to start it must
    stop the server, where ``auto`` would log it as "lifespan unsupported" and
    serve a node that never notifies. Other apps may not speak lifespan at all.
    """
    from .node import MockNode

    layer: object = app
    for _ in range(16):  # through wrappers such as ExchangeLog(app)
        if isinstance(getattr(getattr(layer, "state", None), "node", None), MockNode):
            return "on"
        layer = getattr(layer, "app", None)
        if layer is None:
            break
    return "auto"


def _uvicorn(
    app: AsgiApp,
    *,
    tcp_nodelay: bool = True,
    tls: ssl.SSLContext | None = None,
    limits: ServerLimits | None = None,
    log_level: str = "warning",
    lifespan: bool = True,
) -> uvicorn.Server:
    limits = limits or ServerLimits()
    context_factory = None if tls is None else (lambda _config, _default: tls)
    config = uvicorn.Config(
        DateHeader(app),
        http=guarded_protocol(limits, tcp_nodelay=tcp_nodelay),
        log_level=log_level,
        access_log=False,
        lifespan=_lifespan_mode(app) if lifespan else "off",
        timeout_keep_alive=limits.keep_alive_timeout,
        h11_max_incomplete_event_size=limits.max_header_bytes,
        limit_concurrency=limits.max_connections,
        timeout_graceful_shutdown=limits.graceful_shutdown,
        ssl_context_factory=context_factory,
        server_header=False,
        date_header=False,  # DateHeader: uvicorn's would stand beside the app's own
    )
    return _Uvicorn(config)


class DateHeader:
    """Adds ``Date`` (real time) to a response that has none; one the app set is left alone.

    uvicorn's own ``Date`` is added whatever the app sent, so a response whose
    ``Date`` the app signed (or a fault scenario wrote) would carry two.
    """

    def __init__(self, app: AsgiApp) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_dated(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"date" for name, _ in headers):
                    headers.append((b"date", formatdate(usegmt=True).encode("ascii")))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_dated)


def serve_forever(
    app: AsgiApp,
    sock: socket.socket,
    *,
    tls: ssl.SSLContext | None = None,
    limits: ServerLimits | None = None,
    log_level: str = "warning",
) -> None:
    """Serve ``app`` on ``sock`` until SIGTERM or SIGINT (Ctrl-C); then return."""
    _uvicorn(app, tls=tls, limits=limits, log_level=log_level).run(sockets=[sock])


class MockServer:
    """``app`` served on ``sock`` by uvicorn in a background thread; a context manager.

    ``tls`` serves HTTPS with that server context (see :mod:`ewp_mock.tls`);
    ``limits`` bounds what callers may hold. ``tcp_nodelay=False`` leaves
    Nagle's algorithm to whatever ``sock``'s protocol makes asyncio do
    (benchmarks measure what it costs); keep the default otherwise.
    ``lifespan=False`` leaves the app's lifespan (a node's CNR delivery task)
    to the caller, who runs it in its own event loop (as
    :meth:`ewp_mock.network.MockNetwork.loopback` does).
    """

    def __init__(
        self,
        app: AsgiApp,
        sock: socket.socket,
        *,
        tcp_nodelay: bool = True,
        tls: ssl.SSLContext | None = None,
        limits: ServerLimits | None = None,
        lifespan: bool = True,
    ) -> None:
        self.app = app
        self.sock = sock
        self._server = _uvicorn(
            app, tcp_nodelay=tcp_nodelay, tls=tls, limits=limits, lifespan=lifespan
        )
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
