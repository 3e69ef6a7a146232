"""Several mock nodes that know each other: a network of HEIs in one process.

:class:`MockNetwork` builds one node per :class:`NodeSpec` (each a
:func:`~ewp_mock.create_app` with its own configuration, HEIs and data) on
one business clock, and introduces every node to every other
(:meth:`~ewp_mock.node.MockNode.add_peer`): each node's catalogue lists all
the network's manifests and keys, so a node finds the others' APIs, trusts
their answers and verifies their requests, as if one Registry listed them
all (:attr:`MockNetwork.catalogue` is that catalogue).

In process (the default), nothing opens a socket: every node's outgoing
client (its change notifications, its catalogue reads) goes through one
:class:`NetworkTransport`, which hands each request to the app of the node
whose base URL it names (``https://<name>.test``). A test stands between
the nodes with :meth:`MockNetwork.intercept` (a partner answering 500, or
unreachable, then back), and stops a node and makes it again
(:meth:`MockNetwork.stop_node`, :meth:`MockNetwork.restart`): a node kept in
a database (:attr:`NodeSpec.state`) comes back with its IIAs, LAs and the
change notifications it still owes.

:meth:`MockNetwork.loopback` runs the same network on real loopback sockets
with TLS: one :class:`~ewp_mock.tls.LocalCa` issues every node's server
certificate, every node trusts it, and each is served by a
:class:`~ewp_mock.server.MockServer` (uvicorn in a thread).

The nodes' delivery tasks run in the event loop that enters the network
(``async with network:``), whatever thread serves the apps. With a
:class:`~ewp_client.clock.ManualClock`, :meth:`MockNetwork.advance` moves the
clock and wakes every node; :meth:`MockNetwork.idle` waits until no node has
a notification due.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import httpx
from fastapi import FastAPI

from ewp_client.client.async_ import AsyncEwpClient
from ewp_client.clock import Clock, ManualClock, ShiftedClock, SystemClock
from ewp_client.cnr import OutboxStore
from ewp_client.errors import ConfigError
from ewp_client.registry import Catalogue
from ewp_client.registry.client import AsyncRegistryClient

from .actions import NodeActions
from .app import create_app, node_of_app
from .config import MockConfig
from .data import Dataset
from .delivery import trust_context
from .directory import build_node_catalogue
from .node import MockNode
from .server import MockServer, bind_socket
from .store import SqliteState
from .tls import LocalCa, certificate_hosts, certificate_pem, server_context, tls_private_key_pem

__all__ = ["IN_PROCESS_DOMAIN", "Interceptor", "MockNetwork", "NetworkTransport", "NodeSpec"]

#: In process, node ``name`` is at ``https://<name>.test`` (a reserved top-level domain).
IN_PROCESS_DOMAIN: Final = "test"

#: What stands between a node and its callers: a response to answer instead of the
#: node, ``None`` to let the request through; raising (``httpx.ConnectError``,
#: ``httpx.ReadTimeout``) is what the caller sees.
Interceptor = Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response | None] | None]


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """One node of a network: its name (a host name label), its HEIs and its data.

    ``settings`` are further :class:`~ewp_mock.config.MockConfig` fields (keys,
    ``max_ids``, ``cnr_expiry``...); the network sets the addresses, TLS and
    trust itself. ``outbox_store`` keeps the node's change notifications
    (in memory when ``None``): a node made again over the same store carries
    on with what was pending. ``state`` keeps the whole node in a database
    (:class:`~ewp_mock.store.SqliteState`, as ``--db`` does); the data set
    then seeds it only when it is empty.
    """

    name: str
    hei_ids: tuple[str, ...]
    dataset: Dataset | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    outbox_store: OutboxStore | None = None
    state: SqliteState | None = None

    def __post_init__(self) -> None:
        label = self.name
        if not label or not label.replace("-", "").isalnum() or label != label.lower():
            raise ConfigError(f"node name {label!r} must be a lower-case host name label")
        reserved = {"hei_ids", "host", "port", "base_url", "tls", "trusted_cas", "registry_url"}
        clash = reserved & set(self.settings)
        if clash:
            raise ConfigError(f"the network sets {sorted(clash)} itself")


class NetworkTransport(httpx.AsyncBaseTransport):
    """Hands each request to the app of the node its URL names, without sockets.

    Nodes are found by ``host[:port]`` (their :attr:`MockConfig.authority`); a
    request to any other authority fails as a refused connection would
    (``httpx.ConnectError``). Interceptors (:meth:`intercept`) see a node's
    requests first.
    """

    def __init__(self, apps: Mapping[str, FastAPI]) -> None:
        self._routes = {
            authority.lower(): httpx.ASGITransport(app=app) for authority, app in apps.items()
        }
        self._interceptors: dict[str, Interceptor] = {}
        self._down: set[str] = set()

    def set_down(self, authority: str, down: bool) -> None:
        """Refuse every request to the node at ``authority`` (a stopped node), or stop refusing."""
        key = self._known(authority)
        if down:
            self._down.add(key)
        else:
            self._down.discard(key)

    async def route(self, authority: str, app: FastAPI) -> None:
        """Send the requests for ``authority`` to ``app`` from now on (a node made again)."""
        key = self._known(authority)
        old, self._routes[key] = self._routes[key], httpx.ASGITransport(app=app)
        await old.aclose()

    def _known(self, authority: str) -> str:
        key = authority.lower()
        if key not in self._routes:
            raise ConfigError(f"no node at {authority!r} in this network")
        return key

    def intercept(self, authority: str, interceptor: Interceptor | None) -> None:
        """Put ``interceptor`` in front of the node at ``authority`` (``None``: remove it)."""
        key = self._known(authority)
        if interceptor is None:
            self._interceptors.pop(key, None)
        else:
            self._interceptors[key] = interceptor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        authority = request.url.netloc.decode("ascii").lower()
        route = self._routes.get(authority)
        if route is None:
            raise httpx.ConnectError(f"no node of the network at {authority}", request=request)
        if authority in self._down:
            raise httpx.ConnectError(f"the node at {authority} is stopped", request=request)
        interceptor = self._interceptors.get(authority)
        if interceptor is not None:
            answer = interceptor(request)
            if isinstance(answer, Awaitable):
                answer = await answer
            if answer is not None:
                answer.request = request
                return answer
        return await route.handle_async_request(request)

    async def aclose(self) -> None:
        for route in self._routes.values():
            await route.aclose()


@dataclass(frozen=True, slots=True)
class NetworkNode:
    """A node of the network: its spec, configuration, app and :class:`MockNode`."""

    spec: NodeSpec
    config: MockConfig
    app: FastAPI
    node: MockNode

    @property
    def url(self) -> str:
        return self.config.public_url


class MockNetwork:
    """Nodes sharing one catalogue and one clock (see the module docstring).

    ``specs`` name the nodes (names and HEIs must not repeat); ``clock`` is
    the business clock of every node (the system time by default). Use it as
    an async context manager: entering starts every node's delivery task in
    the running loop, leaving stops them.
    """

    def __init__(self, specs: Sequence[NodeSpec], *, clock: Clock | None = None) -> None:
        self._build(specs, clock, _in_process_settings, in_process=True)

    def _build(
        self,
        specs: Sequence[NodeSpec],
        clock: Clock | None,
        configure: Callable[[NodeSpec], Mapping[str, Any]],
        *,
        in_process: bool,
    ) -> None:
        if not specs:
            raise ConfigError("a network needs at least one node")
        _check_unique(specs)
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._nodes: dict[str, NetworkNode] = {}
        for spec in specs:
            config = MockConfig(hei_ids=spec.hei_ids, **{**spec.settings, **configure(spec)})
            self._nodes[spec.name] = self._make(spec, config)
        for entry in self._nodes.values():
            for other in self._nodes.values():
                if other is not entry:
                    entry.node.add_peer(other.node)
        self.transport: NetworkTransport | None = None
        if in_process:
            self.transport = NetworkTransport({n.config.authority: n.app for n in self})
            for entry in self:
                entry.node.use_transport(self.transport)
        #: Each running node's lifespan (its delivery task); ``None``: the network is not started.
        self._running: dict[str, AsyncExitStack] | None = None

    def _make(self, spec: NodeSpec, config: MockConfig) -> NetworkNode:
        app = create_app(
            config, spec.dataset, clock=self.clock, outbox_store=spec.outbox_store, state=spec.state
        )
        return NetworkNode(spec, config, app, node_of_app(app))

    # ------------------------------------------------------------ reading

    def __iter__(self) -> Iterator[NetworkNode]:
        return iter(tuple(self._nodes.values()))

    def __getitem__(self, name: str) -> NetworkNode:
        try:
            return self._nodes[name]
        except KeyError:
            raise KeyError(f"no node {name!r} in this network") from None

    def node(self, name: str) -> MockNode:
        return self[name].node

    def app(self, name: str) -> FastAPI:
        return self[name].app

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._nodes)

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue the network shares: every node's manifests and keys."""
        first = next(iter(self._nodes.values()))
        manifests = [m for n in self for m in n.node.manifests]
        return build_node_catalogue(first.config, manifests, ())

    # ------------------------------------------------------------ faults

    def intercept(self, name: str, interceptor: Interceptor | None) -> None:
        """Stand ``interceptor`` between node ``name`` and its callers (in process only)."""
        if self.transport is None:
            raise ConfigError("interceptors need the in-process network")
        self.transport.intercept(self[name].config.authority, interceptor)

    # ------------------------------------------------------------ time

    def advance(self, delta: timedelta) -> datetime:
        """Move the shared clock forward by ``delta`` and wake every node; the new time.

        The clock must be one that advances (:class:`~ewp_client.clock.ManualClock`,
        :class:`~ewp_client.clock.ShiftedClock`): :class:`ConfigError` otherwise.
        """
        clock = self.clock
        if not isinstance(clock, ManualClock | ShiftedClock):
            raise ConfigError(f"the network's clock {clock!r} cannot be advanced")
        now = clock.advance(delta)
        self.wake()
        return now

    def wake(self) -> None:
        """Make every node's delivery task look at its outbox now."""
        for entry in self:
            entry.node.outbox.wake()

    async def idle(self) -> None:
        """Wait until no node has a notification due now or a received CNR still to act on.

        The CNRs delivered make their receivers refresh their copies
        (:mod:`ewp_mock.refresh`); this waits for those refreshes too, and
        again for the outboxes, until the network is quiet.
        """
        while True:
            await asyncio.gather(*(entry.node.outbox.idle() for entry in self))
            refreshers = [entry.node.actions.refresher for entry in self]
            if not any(r.busy for r in refreshers):
                return
            await asyncio.gather(*(r.wait() for r in refreshers))

    def actions(self, name: str) -> NodeActions:
        """What node ``name``'s HEIs do on it (:class:`~ewp_mock.actions.NodeActions`)."""
        return self[name].node.actions

    # ------------------------------------------------------------ calling

    def http(self) -> httpx.AsyncClient:
        """An HTTP client that reaches the nodes (in process: through the network's transport)."""
        if self.transport is not None:
            return httpx.AsyncClient(transport=self.transport)
        first = next(iter(self._nodes.values()))
        return httpx.AsyncClient(verify=trust_context(first.config.trusted_cas))

    @asynccontextmanager
    async def client(self, name: str) -> AsyncIterator[AsyncEwpClient]:
        """An EWP client acting as node ``name`` (its client key and HEIs, its catalogue)."""
        entry = self[name]
        async with (
            self.http() as http,
            AsyncRegistryClient(entry.config.catalogue_url, http=http) as registry,
            AsyncEwpClient(
                registry, key=entry.config.client_key, http=http, hei_ids=entry.config.hei_ids
            ) as client,
        ):
            yield client

    # ------------------------------------------------------------ running

    async def start(self) -> None:
        """Start every node's delivery task (each app's lifespan) in the running loop."""
        if self._running is not None:
            return
        running: dict[str, AsyncExitStack] = {}
        self._running = running
        try:
            for entry in self:
                await self._start_node(running, entry)
        except BaseException:
            await self._stop_nodes()
            raise

    @staticmethod
    async def _start_node(running: dict[str, AsyncExitStack], entry: NetworkNode) -> None:
        lifespan = AsyncExitStack()
        await lifespan.enter_async_context(entry.app.router.lifespan_context(entry.app))
        running[entry.spec.name] = lifespan

    async def _stop_nodes(self) -> None:
        running, self._running = self._running, None
        async with AsyncExitStack() as stack:
            for lifespan in (running or {}).values():
                stack.push_async_callback(lifespan.aclose)

    async def stop(self) -> None:
        """Stop every node's delivery task and close the transport."""
        await self._stop_nodes()
        if self.transport is not None:
            await self.transport.aclose()

    # ------------------------------------------------------------ restarting

    async def stop_node(self, name: str) -> None:
        """Stop node ``name`` as its process would stop (in process only).

        Its delivery task ends and every call to it is refused as a closed
        port refuses it, until :meth:`restart`; the other nodes run on. Its
        database (:attr:`NodeSpec.state`) can then be closed and opened again.
        """
        transport = self._in_process("stopping a node")
        entry = self[name]
        transport.set_down(entry.config.authority, True)
        lifespan = self._running.pop(name, None) if self._running is not None else None
        if lifespan is not None:
            await lifespan.aclose()

    async def restart(self, name: str, *, state: SqliteState | None = None) -> NetworkNode:
        """Node ``name`` made again, as a restarted process (in process only); the new node.

        The new node has the old one's configuration (URL, keys, HEIs) and
        spec, over ``state`` when given (its database, opened again after
        :meth:`stop_node`). What it kept in its database (IIAs, LAs, the
        change notifications still owed, its copies of the partners' data)
        it has again; what it kept only in memory is gone. It is introduced
        to the other nodes again and, when the network runs, started: its
        pending notifications are tried at once.
        """
        transport = self._in_process("restarting a node")
        old = self[name]
        if self._running is not None and name in self._running:
            await self.stop_node(name)
        spec = old.spec if state is None else dataclasses.replace(old.spec, state=state)
        entry = self._make(spec, old.config)
        for other in self:
            if other.spec.name != name:
                entry.node.add_peer(other.node)
                other.node.add_peer(entry.node)
        entry.node.use_transport(transport)
        await transport.route(old.config.authority, entry.app)
        self._nodes[name] = entry
        transport.set_down(old.config.authority, False)
        if self._running is not None:
            await self._start_node(self._running, entry)
        return entry

    def _in_process(self, what: str) -> NetworkTransport:
        if self.transport is None:
            raise ConfigError(f"{what} needs the in-process network")
        return self.transport

    async def __aenter__(self) -> MockNetwork:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @classmethod
    @asynccontextmanager
    async def loopback(
        cls,
        specs: Sequence[NodeSpec],
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        directory: Path | None = None,
    ) -> AsyncIterator[MockNetwork]:
        """The network served on loopback sockets over TLS, started; stopped on leaving.

        One local CA (its certificate written to ``directory``, a temporary
        directory by default) issues each node's server certificate for
        ``host`` and the loopback names; every node trusts it. Each node gets
        a free port.
        """
        _check_unique(specs)
        with contextlib.ExitStack() as files:
            if directory is None:
                directory = Path(
                    files.enter_context(tempfile.TemporaryDirectory(prefix="ewp-net-"))
                )
            ca = LocalCa.create("ewp_mock network CA")
            ca_file = directory / "network-ca.pem"
            ca_file.write_bytes(certificate_pem(ca.certificate))
            sockets = {spec.name: bind_socket(host, 0) for spec in specs}
            try:

                def configure(spec: NodeSpec) -> Mapping[str, Any]:
                    port = sockets[spec.name].getsockname()[1]
                    return {"host": host, "port": port, "tls": True, "trusted_cas": (ca_file,)}

                network = cls.__new__(cls)
                network._build(specs, clock, configure, in_process=False)
                certificate = ca.issue(certificate_hosts(host))
                cert_file = directory / "network-server.pem"
                key_file = directory / "network-server.key"
                cert_file.write_bytes(certificate_pem(certificate.certificate))
                key_file.touch(mode=0o600)
                key_file.write_bytes(tls_private_key_pem(certificate.private_key))
                context = server_context(cert_file, key_file)
                servers = [
                    MockServer(entry.app, sockets[entry.spec.name], tls=context, lifespan=False)
                    for entry in network
                ]
            except BaseException:
                for sock in sockets.values():
                    sock.close()
                raise
            started: list[MockServer] = []
            try:
                for server in servers:
                    await asyncio.to_thread(server.start)
                    started.append(server)
                async with network:
                    yield network
            finally:
                for server in started:
                    await asyncio.to_thread(server.stop)
                for sock in sockets.values():
                    sock.close()


def _in_process_settings(spec: NodeSpec) -> Mapping[str, Any]:
    return {"base_url": f"https://{spec.name}.{IN_PROCESS_DOMAIN}"}


def _check_unique(specs: Sequence[NodeSpec]) -> None:
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ConfigError(f"node names repeat: {names}")
    heis = [h.lower() for s in specs for h in s.hei_ids]
    if len(set(heis)) != len(heis):
        raise ConfigError(f"a HEI is served by two nodes: {heis}")
