"""A mock partner ready for a test suite: its app and node, our admitted key, trusting clients.

Three shapes, each a context manager that tears down everything it started
(threads, servers, sockets, temporary files):

* :meth:`Partner.in_process`: the app with no socket. Blocking clients reach
  it through :class:`AppTransport` (the app on an event loop in a background
  thread, as Starlette's ``TestClient`` does), async clients through
  ``httpx.ASGITransport``. The node's own outgoing calls (its change
  notifications) reach only itself: nothing leaves the process.
* :meth:`Partner.served`: the same node on a real loopback port with TLS
  (uvicorn in a thread); a local CA issued its certificate and the clients
  trust that CA (:attr:`Partner.ca_file`).
* :class:`PartnerNetwork`: several nodes sharing one catalogue
  (:class:`~ewp_mock.network.MockNetwork`), in process or on loopback ports.

A partner's control API is on (:attr:`Partner.control`, a
:class:`~ewp_mock.control.ControlClient`; ``control=False`` turns it off).
In each, our key (:attr:`Partner.key`) is admitted for the HEIs we speak for
(``admit``), and :meth:`Partner.client` / :meth:`Partner.async_client` give
ready :class:`~ewp_client.EwpClient` / :class:`~ewp_client.AsyncEwpClient`
objects reading the node's catalogue. By default the node serves
:data:`~ewp_mock.data.UNI_A` with the demo data and we are its partner
:data:`~ewp_mock.data.UNI_B`.

:func:`route_partner` routes a respx router's requests for the node's host
to the app, for suites that already mock httpx with respx.

The pytest plugin (:mod:`ewp_mock.pytest_plugin`) builds its fixtures from
these.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import ssl
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, TypeVar

import httpx
from fastapi import FastAPI

from ewp_client.client import AsyncEwpClient, EwpClient
from ewp_client.clock import Clock
from ewp_client.errors import ConfigError
from ewp_client.registry import AsyncRegistryClient, Catalogue, RegistryClient
from ewp_client.security import SigningKey, generate_private_key

from .app import create_app, node_of_app
from .config import MockConfig
from .control import ControlClient, NodeClock
from .data import UNI_A, UNI_B, Dataset, demo_dataset, load_dataset
from .exchange_log import EXCHANGES_FILE, ExchangeRing
from .faults import Faults, ScenarioRegistry
from .network import IN_PROCESS_DOMAIN, MockNetwork, NetworkTransport, NodeSpec
from .node import MockNode
from .routes.registry import PATH as CATALOGUE_PATH
from .server import MockServer, bind_socket
from .state_dir import CA_FILE, TLS_CERTIFICATE_FILE, TLS_KEY_FILE, StateDir
from .tls import certificate_hosts, node_certificate, server_context

__all__ = [
    "DEFAULT_ADMIT",
    "DEFAULT_HEIS",
    "AppTransport",
    "DataChoice",
    "Partner",
    "PartnerKeys",
    "PartnerNetwork",
    "check_scenarios",
    "resolve_dataset",
    "route_partner",
]

#: The HEIs a partner serves unless told otherwise (the first HEI of the demo data).
DEFAULT_HEIS: Final = (UNI_A,)
#: The HEIs our key is admitted for unless told otherwise (the demo data's partner HEI).
DEFAULT_ADMIT: Final = (UNI_B,)

#: The name of the CA that issues a served partner's certificate.
TEST_CA: Final = "ewp_mock test CA"

#: A data set: ``"demo"`` (the built-in demo data), ``None`` (bare institutions),
#: a :class:`~ewp_mock.data.Dataset`, or a directory of fixture files.
DataChoice = Dataset | str | Path | None

_T = TypeVar("_T")

_IN_PROCESS_NUMBERS: Final = itertools.count(1)


def resolve_dataset(data: DataChoice) -> Dataset | None:
    """The data set ``data`` names (see :data:`DataChoice`; the demo data is built once)."""
    if data is None or isinstance(data, Dataset):
        return data
    if isinstance(data, str) and data == "demo":
        return _demo()
    if isinstance(data, str | Path):
        return load_dataset(Path(data))
    raise ConfigError(f"data must be 'demo', None, a Dataset or a directory, not {data!r}")


@functools.cache
def _demo() -> Dataset:
    """The demo data set, built once per process (it is immutable; building it takes a while)."""
    return demo_dataset()


def check_scenarios(
    scenarios: Iterable[str] | str, files: Iterable[str | Path] = ()
) -> tuple[str, ...]:
    """``scenarios`` as a tuple of names (one name may be given alone), each a fault
    scenario built in or declared in ``files``; :class:`ConfigError` naming the known
    ones for a name that is neither."""
    names = (scenarios,) if isinstance(scenarios, str) else tuple(scenarios)
    ScenarioRegistry.load([Path(f) for f in files]).resolve(names)
    return names


def _heis(value: Iterable[str] | str, what: str) -> tuple[str, ...]:
    heis = (value,) if isinstance(value, str) else tuple(value)
    if any(not isinstance(h, str) or not h.strip() for h in heis):
        raise ConfigError(f"{what} must be HEI ids, not {value!r}")
    return heis


@dataclass(frozen=True)
class PartnerKeys:
    """The RSA keys of one partner set-up: ours (a client), the node's server and client keys.

    Generating RSA keys is the slow part of making a partner; a suite may make
    one :class:`PartnerKeys` and reuse it (the keys carry no state).
    """

    ours: SigningKey
    server: SigningKey
    client: SigningKey

    @classmethod
    def generate(cls) -> PartnerKeys:
        return cls(*(SigningKey(generate_private_key()) for _ in range(3)))


# ---------------------------------------------------------------- transports


class AppTransport(httpx.BaseTransport):
    """An ASGI app (or an async transport) served to a blocking ``httpx.Client``.

    The app runs on an event loop in a background thread (as Starlette's
    ``TestClient`` does); each request is read whole, handed to
    ``httpx.ASGITransport`` on that loop, and its answer read whole there.
    ``requests`` (when given) records every request sent. :meth:`run` runs
    any coroutine on the loop (a node's lifespan, a network's start).
    :meth:`close` (called by ``httpx.Client.close``) stops the loop and joins
    the thread; :meth:`shared` gives a view that ``httpx.Client.close``
    leaves running, for several clients over one loop.
    """

    def __init__(
        self,
        app: FastAPI | Callable[..., Any] | httpx.AsyncBaseTransport,
        requests: list[httpx.Request] | None = None,
    ) -> None:
        self.asgi: httpx.AsyncBaseTransport = (
            app if isinstance(app, httpx.AsyncBaseTransport) else httpx.ASGITransport(app=app)
        )
        self.requests = requests
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="ewp-mock-asgi-loop", daemon=True
        )
        self.thread.start()
        self._closing: list[Callable[[], Coroutine[Any, Any, object]]] = []

    def run(self, coroutine: Coroutine[Any, Any, _T], timeout: float | None = 30.0) -> _T:
        """Run ``coroutine`` on the transport's loop; its result."""
        if self.loop.is_closed():
            coroutine.close()
            raise ConfigError("this transport is closed")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def enter(self, context: AbstractAsyncContextManager[_T]) -> _T:
        """Enter ``context`` on the loop; left (last in, first out) when the transport closes."""
        value = self.run(context.__aenter__())

        async def leave() -> None:
            await context.__aexit__(None, None, None)

        self._closing.append(leave)
        return value

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if self.requests is not None:
            self.requests.append(request)

        async def send() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            forwarded = httpx.Request(
                request.method,
                request.url,
                headers=request.headers,
                content=body,
                extensions=request.extensions,
            )
            answer = await self.asgi.handle_async_request(forwarded)
            try:
                content = await _raw_body(answer)
            finally:
                await answer.aclose()
            return answer.status_code, answer.headers.raw, content

        status, headers, content = self.run(send(), timeout=None)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def shared(self) -> httpx.BaseTransport:
        """This transport, except that closing what holds it leaves the loop running."""
        return _Shared(self)

    def close(self) -> None:
        if self.loop.is_closed():
            return
        try:
            while self._closing:
                self.run(self._closing.pop()())
            self.run(self.loop.shutdown_default_executor())  # asyncio.to_thread's threads
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join()
            self.loop.close()


class _Shared(httpx.BaseTransport):
    def __init__(self, transport: AppTransport) -> None:
        self.transport = transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.transport.handle_request(request)

    def close(self) -> None:
        pass


class _SharedAsync(httpx.AsyncBaseTransport):
    def __init__(self, transport: httpx.AsyncBaseTransport) -> None:
        self.transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        pass


def route_partner(router: Any, target: Partner | PartnerNetwork) -> list[Any]:
    """Route ``router``'s requests for ``target``'s node(s) to their apps; the respx routes.

    ``router`` is a respx router (``respx.mock``, the ``respx_mock`` fixture,
    ``respx.MockRouter()``). Requests to other hosts are left to the router's
    other routes. A blocking client is served through ``target``'s
    :class:`AppTransport`, an async one through the app on the caller's loop;
    a blocking client called from inside a running event loop is not (use
    :meth:`Partner.client` there).
    """
    sync, asynchronous = target._bridge, target._async_transport()

    def answer(request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return sync.handle_request(request)
        return _answer_async(asynchronous, request)

    return [
        router.route(**_where(authority)).mock(side_effect=answer)
        for authority in target._authorities()
    ]


def _where(authority: str) -> dict[str, Any]:
    """respx patterns for ``host[:port]``."""
    host, _, port = authority.rpartition(":")
    if host and port.isdigit():
        return {"host": host, "port": int(port)}
    return {"host": authority}


async def _answer_async(
    transport: httpx.AsyncBaseTransport, request: httpx.Request
) -> httpx.Response:
    body = await request.aread()
    forwarded = httpx.Request(request.method, request.url, headers=request.headers, content=body)
    answer = await transport.handle_async_request(forwarded)
    try:
        content = await _raw_body(answer)
    finally:
        await answer.aclose()
    return httpx.Response(answer.status_code, headers=answer.headers.raw, content=content)


async def _raw_body(answer: httpx.Response) -> bytes:
    """The body as the node sent it, still in its ``Content-Encoding``: the client that
    receives it decodes it (and checks the ``Digest`` over these bytes), as over a socket."""
    return b"".join([chunk async for chunk in answer.aiter_raw()])


# ---------------------------------------------------------------- clients


class _Clients:
    """What hands out clients and closes them: shared by partners and networks."""

    _bridge: AppTransport
    _verify: ssl.SSLContext | bool = True
    _served: bool = False

    def __init__(self) -> None:
        self._sync_clients: list[EwpClient | RegistryClient | httpx.Client] = []
        self._async_clients: list[AsyncEwpClient] = []
        self._closed = False

    # subclasses say where things are
    def _authorities(self) -> tuple[str, ...]:
        raise NotImplementedError

    def _async_transport(self) -> httpx.AsyncBaseTransport:
        raise NotImplementedError

    def http(self) -> httpx.Client:
        """A blocking HTTP client reaching the node(s) (closed with the partner)."""
        self._check_open()
        if self._served:
            http = httpx.Client(verify=self._verify)
        else:
            http = httpx.Client(transport=self._bridge.shared())
        self._sync_clients.append(http)
        return http

    def async_http(self) -> httpx.AsyncClient:
        """An async HTTP client reaching the node(s); close it (``async with``)."""
        self._check_open()
        if self._served:
            return httpx.AsyncClient(verify=self._verify)
        return httpx.AsyncClient(transport=_SharedAsync(self._async_transport()))

    def _sync_client(
        self, catalogue_url: str, key: SigningKey, hei_ids: Iterable[str], kw: dict[str, Any]
    ) -> EwpClient:
        http = self.http()
        registry = RegistryClient(catalogue_url, http=http)
        kw.setdefault("hei_ids", tuple(hei_ids))
        client = EwpClient(registry, key=key, http=http, **kw)
        client._own_http = client._own_registry = True  # closing the client closes both
        self._sync_clients.append(client)
        return client

    def _async_client(
        self, catalogue_url: str, key: SigningKey, hei_ids: Iterable[str], kw: dict[str, Any]
    ) -> AsyncEwpClient:
        http = self.async_http()
        registry = AsyncRegistryClient(catalogue_url, http=http)
        kw.setdefault("hei_ids", tuple(hei_ids))
        client = AsyncEwpClient(registry, key=key, http=http, **kw)
        client._own_http = client._own_registry = True
        self._async_clients.append(client)
        return client

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError("this partner is closed")

    def _close_clients(self) -> None:
        clients, self._sync_clients = self._sync_clients, []
        for client in reversed(clients):
            client.close()
        # Async clients belong to the loop that made them; a served partner's
        # server closes their connections when it stops.
        self._async_clients.clear()

    async def aclose_clients(self) -> None:
        """Close the async clients handed out (call it from their event loop)."""
        clients, self._async_clients = self._async_clients, []
        for client in reversed(clients):
            await client.aclose()


class Partner(_Clients):
    """One mock partner node, our key admitted to it, clients that trust it.

    Made by :meth:`in_process` or :meth:`served`; a context manager
    (:meth:`close` on leaving). ``node`` is the :class:`~ewp_mock.MockNode`
    (its stores, clock, outbox, admitted clients), ``config`` its
    :class:`~ewp_mock.MockConfig`, ``key`` our client key, admitted for
    ``admitted`` (the HEIs we speak for).
    """

    def __init__(
        self,
        app: FastAPI,
        *,
        key: SigningKey,
        admitted: tuple[str, ...],
        scenarios: tuple[str, ...] = (),
        bridge: AppTransport,
        server: MockServer | None = None,
        state: StateDir | None = None,
    ) -> None:
        super().__init__()
        self.app = app
        self.key = key
        self.admitted = admitted
        self.scenarios = scenarios
        self._bridge = bridge
        self.server = server
        self._state = state
        self._served = server is not None
        self.ca_file: Path | None = state.file(CA_FILE) if state is not None else None
        if self.ca_file is not None:
            self._verify = ssl.create_default_context(cafile=str(self.ca_file))
        self._asgi = httpx.ASGITransport(app=app)
        self._control: ControlClient | None = None

    # ------------------------------------------------------------ making

    @classmethod
    def in_process(
        cls,
        *,
        heis: Iterable[str] | str = DEFAULT_HEIS,
        data: DataChoice = "demo",
        admit: Iterable[str] | str = DEFAULT_ADMIT,
        stats_portal: bool = False,
        scenarios: Iterable[str] = (),
        keys: PartnerKeys | None = None,
        clock: Clock | None = None,
        base_url: str | None = None,
        settings: Mapping[str, Any] | None = None,
        control: bool = True,
        keep_personal_data: bool = False,
    ) -> Partner:
        """A node serving ``heis`` with ``data``, in process; our key admitted for ``admit``.

        Its lifespan (the change-notification delivery task) runs on the
        blocking clients' loop, and its outgoing calls reach only itself.
        ``base_url`` is where clients find it (``https://partner-<n>.test``
        by default, ``n`` counting the partners of the process, so that two
        partners never share a host).
        ``settings`` are further :class:`~ewp_mock.MockConfig` fields
        (``max_ids``, ``cnr_expiry``, ``scenario_files``...); ``stats_portal``
        admits our key in the Stats Portal's role too. ``scenarios`` names the
        fault scenarios the node plays (:mod:`ewp_mock.faults`). ``control``
        serves the node's control API (:attr:`control`; with no ``clock``
        given, the node runs on a :class:`~ewp_mock.control.NodeClock` it
        sets). ``keep_personal_data`` keeps students' personal data in the
        recorded exchanges (:attr:`exchanges`).
        """
        scenarios = check_scenarios(scenarios, _scenario_files(settings))
        keys = keys or PartnerKeys.generate()
        config = MockConfig(
            **_config_fields(heis, keys, settings, scenarios, control, keep_personal_data),
            base_url=base_url or f"https://partner-{next(_IN_PROCESS_NUMBERS)}.{IN_PROCESS_DOMAIN}",
        )
        app = create_app(config, resolve_dataset(data), clock=clock)
        node = node_of_app(app)
        node.use_transport(NetworkTransport({config.authority: app}))
        bridge = AppTransport(app)
        try:
            admitted = _admit(node, keys.ours, admit, stats_portal)
            bridge.enter(app.router.lifespan_context(app))
        except BaseException:
            bridge.close()
            raise
        return cls(app, key=keys.ours, admitted=admitted, scenarios=scenarios, bridge=bridge)

    @classmethod
    def served(
        cls,
        *,
        heis: Iterable[str] | str = DEFAULT_HEIS,
        data: DataChoice = "demo",
        admit: Iterable[str] | str = DEFAULT_ADMIT,
        stats_portal: bool = False,
        scenarios: Iterable[str] = (),
        keys: PartnerKeys | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        settings: Mapping[str, Any] | None = None,
        control: bool = True,
        keep_personal_data: bool = False,
    ) -> Partner:
        """The node of :meth:`in_process` on a free port of ``host``, over TLS, started.

        A local CA made for it issued its certificate; the clients (and the
        node's own outgoing calls) trust that CA, whose certificate is
        :attr:`ca_file`. A TLS scenario (``tls-expired``...) makes a
        certificate that fails them. Its exchanges are also
        appended to ``exchanges.jsonl`` beside it (removed with the partner).
        """
        scenarios = check_scenarios(scenarios, _scenario_files(settings))
        keys = keys or PartnerKeys.generate()
        sock = bind_socket(host, 0)
        state = StateDir.open(None)
        bridge: AppTransport | None = None
        server: MockServer | None = None
        try:
            config = MockConfig(
                **_config_fields(heis, keys, settings, scenarios, control, keep_personal_data),
                host=host,
                port=sock.getsockname()[1],
                tls=True,
                trusted_cas=(state.file(CA_FILE),),
            )
            defect = Faults(config.fault_scenarios()).certificate_defect()
            ca, certificate = node_certificate(certificate_hosts(host), defect, common_name=TEST_CA)
            state.write_tls(ca, certificate)
            app = create_app(
                config,
                resolve_dataset(data),
                clock=clock,
                exchanges_file=state.file(EXCHANGES_FILE),
            )
            admitted = _admit(node_of_app(app), keys.ours, admit, stats_portal)
            context = server_context(state.file(TLS_CERTIFICATE_FILE), state.file(TLS_KEY_FILE))
            server = MockServer(app, sock, tls=context)
            server.start()
            bridge = AppTransport(app)
            return cls(
                app,
                key=keys.ours,
                admitted=admitted,
                scenarios=scenarios,
                bridge=bridge,
                server=server,
                state=state,
            )
        except BaseException:
            if bridge is not None:
                bridge.close()
            if server is not None:
                server.stop()
            sock.close()
            state.close()
            raise

    # ------------------------------------------------------------ reading

    @property
    def node(self) -> MockNode:
        return node_of_app(self.app)

    @property
    def config(self) -> MockConfig:
        return self.node.config

    @property
    def exchanges(self) -> ExchangeRing:
        """Every exchange the node received and sent, latest last (``.records()``, ``.as_json()``).

        Students' personal data in the bodies is masked unless the partner
        was made with ``keep_personal_data=True``.
        """
        return self.node.exchanges

    @property
    def hei_ids(self) -> tuple[str, ...]:
        """The HEIs the node serves."""
        return self.config.hei_ids

    @property
    def url(self) -> str:
        """The node's base URL (``https://127.0.0.1:<port>`` when served)."""
        return self.config.public_url

    @property
    def catalogue_url(self) -> str:
        """Where the node publishes its catalogue (our clients' Registry)."""
        return self.config.url(CATALOGUE_PATH)

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue the node publishes now (manifests, admitted keys)."""
        return self.node.catalogue

    @property
    def catalogue_xml(self) -> bytes:
        return self.node.published.xml

    @property
    def served_on(self) -> tuple[str, int] | None:
        """``(host, port)`` of the real socket, ``None`` in process."""
        if self.server is None:
            return None
        return self.config.host, self.config.port

    @property
    def control(self) -> ControlClient:
        """The node's control API (:class:`~ewp_mock.control.ControlClient`), when it is on."""
        if self._control is None:
            if not self.config.control:
                raise ConfigError("this partner's control API is off (control=False)")
            self._control = ControlClient(self.url, http=self.http())
        return self._control

    def admit(self, key: SigningKey, heis: Iterable[str] | str = DEFAULT_ADMIT) -> str:
        """Admit another client key for ``heis``; its keyId."""
        return self.node.register_client(key.public_key, _heis(heis, "heis"))

    # ------------------------------------------------------------ clients

    def client(self, *, key: SigningKey | None = None, **kw: Any) -> EwpClient:
        """Our blocking client (``key``: another one), reading the node's catalogue.

        ``kw`` are further :class:`~ewp_client.EwpClient` options (``retry``,
        ``sleep``, ``hei_ids``...). Closed with the partner, or by the caller.
        """
        return self._sync_client(self.catalogue_url, key or self.key, self.admitted, kw)

    def async_client(self, *, key: SigningKey | None = None, **kw: Any) -> AsyncEwpClient:
        """Our async client; close it in its loop (``async with partner.async_client() as c``)."""
        return self._async_client(self.catalogue_url, key or self.key, self.admitted, kw)

    def registry(self) -> RegistryClient:
        """A Registry client reading the node's catalogue (closed with the partner)."""
        registry = RegistryClient(self.catalogue_url, http=self.http())
        self._sync_clients.append(registry)
        return registry

    def _authorities(self) -> tuple[str, ...]:
        return (self.config.authority,)

    def _async_transport(self) -> httpx.AsyncBaseTransport:
        return self._asgi

    # ------------------------------------------------------------ closing

    def close(self) -> None:
        """Close the clients, stop the server and the loop, remove temporary files."""
        if self._closed:
            return
        self._closed = True
        try:
            self._close_clients()
        finally:
            try:
                if self.server is not None:
                    self.server.stop()
            finally:
                self._bridge.close()
                self.node.exchanges.close()
                if self._state is not None:
                    self._state.close()

    def __enter__(self) -> Partner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        where = "served" if self.server is not None else "in process"
        return f"<Partner {', '.join(self.hei_ids)} at {self.url} ({where})>"


def _scenario_files(settings: Mapping[str, Any] | None) -> tuple[Path, ...]:
    return tuple(Path(f) for f in (settings or {}).get("scenario_files", ()))


def _config_fields(
    heis: Iterable[str] | str,
    keys: PartnerKeys,
    settings: Mapping[str, Any] | None,
    scenarios: tuple[str, ...] = (),
    control: bool = True,
    keep_personal_data: bool = False,
) -> dict[str, Any]:
    fields = dict(settings or {})
    fields.setdefault("control", control)
    if keep_personal_data:
        fields["keep_personal_data"] = True
    reserved = {"hei_ids", "host", "port", "base_url", "tls", "trusted_cas", "registry_url"}
    reserved.add("scenarios")  # the scenarios argument says them
    clash = reserved & set(fields)
    if clash:
        raise ConfigError(f"the partner sets {sorted(clash)} itself")
    fields.setdefault("server_key", keys.server)
    fields.setdefault("client_key", keys.client)
    if "scenario_files" in fields:
        fields["scenario_files"] = _scenario_files(settings)
    return {"hei_ids": _heis(heis, "heis"), "scenarios": scenarios, **fields}


def _admit(
    node: MockNode, key: SigningKey, admit: Iterable[str] | str, stats_portal: bool
) -> tuple[str, ...]:
    admitted = _heis(admit, "admit")
    node.register_client(key.public_key, admitted)
    if stats_portal:
        node.admit_stats_portal(key.public_key)
    return admitted


# ---------------------------------------------------------------- networks

#: The nodes of a network unless told otherwise: ``a`` serves UNI_A, ``b`` serves UNI_B.
DEFAULT_NODES: Final[Mapping[str, tuple[str, ...]]] = {"a": (UNI_A,), "b": (UNI_B,)}


class PartnerNetwork(_Clients):
    """Several nodes sharing one catalogue and one clock, our key admitted to each.

    Made by :meth:`start`; a context manager. ``network`` is the
    :class:`~ewp_mock.network.MockNetwork` (``network.node("a")``,
    ``network.intercept(...)`` in process); its delivery tasks run on a
    background loop. Our key is admitted at every node for ``admit`` (by
    default: every HEI of the network the node does not serve).
    ``client()`` is our client; ``client("b")`` acts as node ``b`` (its
    client key and HEIs).
    """

    def __init__(
        self,
        network: MockNetwork,
        *,
        key: SigningKey,
        admitted: Mapping[str, tuple[str, ...]],
        bridge: AppTransport,
        served: bool,
        ca_file: Path | None,
    ) -> None:
        super().__init__()
        self.network = network
        self.key = key
        self.admitted = dict(admitted)
        self._bridge = bridge
        self._served = served
        self.ca_file = ca_file
        if ca_file is not None:
            self._verify = ssl.create_default_context(cafile=str(ca_file))

    @classmethod
    def start(
        cls,
        nodes: Mapping[str, Iterable[str] | str] = DEFAULT_NODES,
        *,
        data: DataChoice = "demo",
        admit: Iterable[str] | str | None = None,
        key: SigningKey | None = None,
        clock: Clock | None = None,
        mode: Literal["in-process", "loopback"] = "in-process",
        settings: Mapping[str, Any] | None = None,
        control: bool = True,
        scenarios: Mapping[str, Iterable[str] | str] | None = None,
    ) -> PartnerNetwork:
        """A network of ``nodes`` (name -> HEIs), each loading its HEIs from ``data``, started.

        ``mode="loopback"`` serves every node on a loopback port with TLS
        (one local CA; :attr:`ca_file`). ``control`` serves each node's control
        API (:meth:`control`); with no ``clock`` given, the nodes then share a
        :class:`~ewp_mock.control.NodeClock`: moving it (or resetting a node)
        moves it for all. ``scenarios`` names the fault scenarios each node
        plays (node name -> scenario names, e.g. ``{"b": ["iia-hash-invalid"]}``;
        the others play none); the nodes share one certificate, so TLS
        scenarios are for :meth:`Partner.served`.
        """
        if len(nodes) < 1:
            raise ConfigError("a network needs at least one node")
        dataset = resolve_dataset(data)
        extra = dict(settings or {})
        extra.setdefault("control", control)
        if "scenarios" in extra:
            raise ConfigError("a network's scenarios are given per node: scenarios={'b': [...]}")
        played = _network_scenarios(scenarios or {}, nodes, _scenario_files(settings))
        if extra["control"] and clock is None:
            clock = NodeClock()  # one clock for every node, which their control APIs move
        specs = [
            NodeSpec(
                name,
                _heis(heis, f"the HEIs of node {name}"),
                dataset,
                {**extra, "scenarios": played[name]} if played.get(name) else extra,
            )
            for name, heis in nodes.items()
        ]
        everyone = tuple(h for spec in specs for h in spec.hei_ids)
        key = key or SigningKey(generate_private_key())
        bridge: AppTransport
        if mode == "in-process":
            network = MockNetwork(specs, clock=clock)
            assert network.transport is not None
            bridge = AppTransport(network.transport)
            ca_file = None
            try:
                bridge.enter(_running(network))
            except BaseException:
                bridge.close()
                raise
        elif mode == "loopback":
            bridge = AppTransport(_NoTransport())
            try:
                state = bridge.enter(_TemporaryState())
                network = bridge.enter(
                    MockNetwork.loopback(specs, clock=clock, directory=state.path)
                )
            except BaseException:
                bridge.close()
                raise
            ca_file = state.path / "network-ca.pem"
        else:
            raise ConfigError(f"mode must be 'in-process' or 'loopback', not {mode!r}")
        admitted: dict[str, tuple[str, ...]] = {}
        try:
            for spec in specs:
                heis = (
                    tuple(h for h in everyone if h not in spec.hei_ids)
                    if admit is None
                    else _heis(admit, "admit")
                )
                network.node(spec.name).register_client(key.public_key, heis)
                admitted[spec.name] = heis
        except BaseException:
            bridge.close()
            raise
        return cls(
            network,
            key=key,
            admitted=admitted,
            bridge=bridge,
            served=mode == "loopback",
            ca_file=ca_file,
        )

    @property
    def names(self) -> tuple[str, ...]:
        return self.network.names

    def node(self, name: str) -> MockNode:
        return self.network.node(name)

    def app(self, name: str) -> FastAPI:
        return self.network.app(name)

    def url(self, name: str) -> str:
        return self.network[name].url

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue every node shares (all manifests and node keys)."""
        return self.network.catalogue

    def catalogue_url(self, name: str | None = None) -> str:
        """Node ``name``'s catalogue (the first node's when ``None``)."""
        return self.network[name or self.names[0]].config.url(CATALOGUE_PATH)

    def _who(self, name: str | None, key: SigningKey | None) -> tuple[str, SigningKey, Any]:
        if name is None:
            first = self.names[0]
            heis = {h for admitted in self.admitted.values() for h in admitted}
            return self.catalogue_url(first), key or self.key, sorted(heis)
        entry = self.network[name]
        return self.catalogue_url(name), key or entry.config.client_key, entry.config.hei_ids

    def client(self, name: str | None = None, **kw: Any) -> EwpClient:
        """Our blocking client (``name``: one acting as that node)."""
        url, key, heis = self._who(name, kw.pop("key", None))
        return self._sync_client(url, key, heis, kw)

    def async_client(self, name: str | None = None, **kw: Any) -> AsyncEwpClient:
        """Our async client (``name``: one acting as that node); close it in its loop."""
        url, key, heis = self._who(name, kw.pop("key", None))
        return self._async_client(url, key, heis, kw)

    def control(self, name: str) -> ControlClient:
        """Node ``name``'s control API (a :class:`~ewp_mock.control.ControlClient`)."""
        entry = self.network[name]
        if not entry.config.control:
            raise ConfigError(f"node {name!r} has its control API off (control=False)")
        return ControlClient(entry.url, http=self.http())

    def advance(self, delta: timedelta) -> datetime:
        """Move the shared clock (a ManualClock or ShiftedClock) and wake every node."""
        return self.network.advance(delta)

    def idle(self, timeout: float = 30.0) -> None:
        """Wait until no node has a change notification due now."""
        self._bridge.run(self.network.idle(), timeout)

    def _authorities(self) -> tuple[str, ...]:
        return tuple(self.network[name].config.authority for name in self.names)

    def _async_transport(self) -> httpx.AsyncBaseTransport:
        if self.network.transport is None:
            raise ConfigError("a loopback network is reached over its sockets")
        return self.network.transport

    def close(self) -> None:
        """Close the clients, stop the nodes (and their servers), remove temporary files."""
        if self._closed:
            return
        self._closed = True
        try:
            self._close_clients()
        finally:
            self._bridge.close()

    def __enter__(self) -> PartnerNetwork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _network_scenarios(
    scenarios: Mapping[str, Iterable[str] | str],
    nodes: Mapping[str, object],
    files: tuple[Path, ...],
) -> dict[str, tuple[str, ...]]:
    """``scenarios`` checked: each for a node of ``nodes``, each known, none a TLS one."""
    stray = sorted(set(scenarios) - set(nodes))
    if stray:
        raise ConfigError(
            f"scenarios for {', '.join(map(repr, stray))}, not a node of the network "
            f"(its nodes: {', '.join(nodes)})"
        )
    played = {name: check_scenarios(names, files) for name, names in scenarios.items()}
    registry = ScenarioRegistry.load(files)
    for name, names in played.items():
        tls = [s.name for s in registry.resolve(names) if s.tls]
        if tls:
            raise ConfigError(
                f"node {name}: {', '.join(tls)} changes the TLS certificate, which the nodes "
                "of a network share; play it with Partner.served(scenarios=[...])"
            )
    return played


class _running(AbstractAsyncContextManager[MockNetwork]):  # noqa: N801 (a context helper)
    def __init__(self, network: MockNetwork) -> None:
        self.network = network

    async def __aenter__(self) -> MockNetwork:
        await self.network.start()
        return self.network

    async def __aexit__(self, *exc_info: object) -> None:
        await self.network.stop()


class _TemporaryState(AbstractAsyncContextManager[StateDir]):
    async def __aenter__(self) -> StateDir:
        self.state = StateDir.open(None)
        return self.state

    async def __aexit__(self, *exc_info: object) -> None:
        self.state.close()


class _NoTransport(httpx.AsyncBaseTransport):
    """A loopback network is reached over sockets, never through the bridge."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("a loopback network is reached over its sockets", request=request)
