"""The active scenarios of a node (:class:`Faults`) and the two ASGI layers applying them.

:func:`~ewp_mock.create_app` puts :class:`FaultLayer` twice around the routes:

* inside :class:`~ewp_client.server.EwpSignatureMiddleware` (the ``request``
  and ``response`` stages): it sees the verified request and the routes'
  answer before it is signed, so a changed body is signed as the partner
  would sign it;
* outside it (the ``signed`` stage): it sees the signed answer, and what it
  changes is what a proxy or a framework changing the answer after the
  signature would change.

A layer with nothing to do for a request passes it through untouched. The
change notifications the node sends go through :meth:`Faults.queued_at`
(not sent, or queued later on the node's clock), and
:meth:`Faults.certificate_defect` tells :func:`~ewp_mock.prepare_tls` which
certificate to make. A layer that acts on an exchange adds the names of the
scenarios whose behaviours it applied to ``scope["state"]`` under
:data:`~ewp_mock.exchange_log.SCENARIOS_KEY` (the exchange log records them).
The set of scenarios can be changed while the node runs
(:meth:`Faults.use`): every request reads it afresh.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Awaitable, Callable, Iterable, MutableMapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ewp_client.cnr import OutgoingNotification
from ewp_client.server.middleware import VERIFIED_KEY, replay_body, request_target, verified_of

from ..exchange_log import SCENARIOS_KEY
from .exchange import Behaviour, ClientGone, Exchange, Stage
from .matching import endpoint_of
from .outgoing import OutgoingCnr, TlsCertificate
from .scenarios import Scenario

if TYPE_CHECKING:
    from ..node import MockNode

__all__ = ["FaultLayer", "Faults"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Faults:
    """The scenarios a node plays now, and their behaviours by stage."""

    def __init__(self, scenarios: Iterable[Scenario] = ()) -> None:
        self._lock = threading.Lock()
        self._scenarios: tuple[Scenario, ...] = tuple(scenarios)

    @property
    def scenarios(self) -> tuple[Scenario, ...]:
        return self._scenarios

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self._scenarios)

    def use(self, scenarios: Iterable[Scenario]) -> None:
        """Play ``scenarios`` from the next request on (none: a clean node)."""
        with self._lock:
            self._scenarios = tuple(scenarios)

    def behaviours(self, *stages: Stage) -> list[Behaviour]:
        """The behaviours acting at ``stages``, by :attr:`Behaviour.order` (ties: in the
        order the scenarios declare them)."""
        return [b for _, b in self.acting(*stages)]

    def acting(self, *stages: Stage) -> list[tuple[str, Behaviour]]:
        """:meth:`behaviours`, each with the name of its scenario."""
        found = [(s.name, b) for s in self._scenarios for b in s.behaviours if b.stage in stages]
        return sorted(found, key=lambda pair: pair[1].order)

    def queued_at(self, notification: OutgoingNotification, now: datetime) -> datetime | None:
        """When a notification changed ``now`` is queued: ``now``, later, or never (``None``)."""
        at: datetime | None = now
        for behaviour in self.behaviours(Stage.CNR):
            if not isinstance(behaviour, OutgoingCnr) or at is None:
                continue
            if behaviour.covers_kind(notification.kind) and behaviour.match.draw():
                at = behaviour.queued_at(notification.kind, at)
        return at

    def certificate_defect(self) -> str | None:
        """The defect the node's TLS certificate must have (the first scenario's that says)."""
        for behaviour in self.behaviours(Stage.TLS):
            if isinstance(behaviour, TlsCertificate):
                return behaviour.defect
        return None


class FaultLayer:
    """Applies the ``stages`` behaviours of ``faults`` to the exchanges of ``app`` (see module)."""

    def __init__(
        self, app: ASGIApp, *, faults: Faults, node: MockNode, stages: Sequence[Stage]
    ) -> None:
        self.app = app
        self.faults = faults
        self.node = node
        self.stages = tuple(stages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.faults.scenarios:
            await self.app(scope, receive, send)
            return
        where = endpoint_of(scope["path"])
        acting = [
            (name, b)
            for name, b in self.faults.acting(*self.stages)
            if b.match.covers(where) and b.match.draw()
        ]
        if not acting:
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {}).setdefault(SCENARIOS_KEY, []).extend(n for n, _ in acting)
        chosen = [b for _, b in acting]
        reads_body = Stage.REQUEST in self.stages
        body = await _read_body(receive) if reads_body else b""
        exchange = Exchange(
            where=where,
            method=scope["method"],
            target=request_target(scope),
            query=bytes(scope.get("query_string", b"")),
            request_headers=_text(scope.get("headers", [])),
            request_body=body,
            node=self.node,
            receive=receive,
        )
        try:
            for behaviour in chosen:
                if behaviour.stage is Stage.REQUEST and not exchange.status:
                    await behaviour.apply(exchange)
        except ClientGone:
            return
        if not exchange.status:
            app_receive = replay_body(exchange.request_body, receive) if reads_body else receive
            if exchange.request_body != body:
                scope = _with_body(scope, exchange.request_body)
            await self._call_app(scope, app_receive, send, exchange)
        for behaviour in chosen:
            if behaviour.stage is not Stage.REQUEST:
                await behaviour.apply(exchange)
        headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in exchange.headers]
        headers = [h for h in headers if h[0] != b"content-length"]
        headers.append((b"content-length", str(len(exchange.body)).encode("ascii")))
        await send({"type": "http.response.start", "status": exchange.status, "headers": headers})
        await send({"type": "http.response.body", "body": exchange.body, "more_body": False})

    async def _call_app(self, scope: Scope, receive: Receive, send: Send, ex: Exchange) -> None:
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                ex.status = int(message["status"])
                ex.headers = _text(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
            else:
                await send(message)

        await self.app(scope, receive, capture)
        ex.body = b"".join(chunks)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(bytes(message.get("body", b"")))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _with_body(scope: Scope, body: bytes) -> Scope:
    """``scope`` whose verified request carries ``body`` (what the routes read)."""
    verified = verified_of(scope)
    if verified is None:
        return scope
    state = {**scope.get("state", {}), VERIFIED_KEY: dataclasses.replace(verified, body=body)}
    return {**scope, "state": state}


def _text(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(n.decode("latin-1").lower(), v.decode("latin-1")) for n, v in headers]
