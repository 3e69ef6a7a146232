"""``create_app(config)``: the FastAPI application of one mock partner node.

Layers, outermost first: :class:`~ewp_mock.exchange_log.ExchangeLog`
(records every exchange in the node's ring, :attr:`MockNode.exchanges
<ewp_mock.node.MockNode.exchanges>`, refused and too large requests
included; it logs no line: ``ewp-mock serve`` wraps the app in another
``ExchangeLog`` for those), :class:`~ewp_client.server.EwpSignatureMiddleware`
(bounds and verifies the requests to the partner APIs' endpoints, signs the
final bytes of every response), FastAPI's exception handlers (every error
becomes an EWP ``error-response``), the routers of :mod:`ewp_mock.routes`.
The :class:`~ewp_mock.node.MockNode` is ``app.state.node``. The fault
scenarios of ``config.scenarios`` (:mod:`ewp_mock.faults`) act in two
:class:`~ewp_mock.faults.FaultLayer` s: one inside the signature middleware
(requests, and answers before they are signed), one outside it (signed
answers); ``app.state.faults`` is their :class:`~ewp_mock.faults.Faults`. The app's
lifespan runs the node's change-notification delivery task (started with
the server, stopped with it; see :mod:`ewp_mock.delivery`).
:func:`prepare_tls` makes the TLS side of serving it (a local CA and a server
certificate in a :class:`~ewp_mock.state_dir.StateDir`, kept across
restarts when the directory is).
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificatePublicKeyTypes,
    PublicKeyTypes,
)
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from ewp_client.clock import Clock
from ewp_client.cnr import OutboxStore
from ewp_client.errors import HttpSignatureError, PartnerError
from ewp_client.server import EwpSignatureMiddleware

from .config import MockConfig
from .control.api import ControlDispatch, control_app
from .control.clock import NodeClock
from .data import Dataset
from .exchange_log import ExchangeLog
from .faults import FaultLayer, Faults, Stage
from .node import MockNode
from .routes import PARTNER_APIS, discovery_router, registry_router
from .security import error_response
from .state_dir import CA_FILE, TLS_CERTIFICATE_FILE, TLS_KEY_FILE, StateDir
from .store import SqliteState
from .tls import certificate_hosts, node_certificate, server_context

__all__ = ["create_app", "faults_of", "node_of_app", "prepare_tls"]


def create_app(
    config: MockConfig | None = None,
    dataset: Dataset | None = None,
    *,
    clock: Clock | None = None,
    outbox_store: OutboxStore | None = None,
    state: SqliteState | None = None,
    data_source: str | None = None,
    exchanges_file: Path | None = None,
) -> FastAPI:
    """A mock partner node serving ``config`` (a default configuration when ``None``).

    ``dataset`` (the demo data, or fixtures read by ``--data``) fills the
    node's stores for the HEIs the configuration serves (see
    :meth:`MockNode.load_dataset`). ``clock`` is the node's business clock
    (the system time by default; a :class:`~ewp_client.clock.ManualClock`
    lets a test move it; with ``config.control``, a
    :class:`~ewp_mock.control.NodeClock` the control API sets), ``outbox_store``
    keeps its change notifications (in memory by default). The clock is not
    configuration: it is a live object a test or a network of nodes shares.

    With ``config.control`` the control API (:mod:`ewp_mock.control`) answers
    under ``/_mock/control``, outside the EWP layers; a reset goes back to
    ``dataset``.

    ``state`` (an open :class:`~ewp_mock.store.SqliteState`, which the caller
    closes) keeps the node's whole state, outbox included (unless
    ``outbox_store`` names another); ``dataset`` then seeds only an empty
    database (recorded with ``data_source``), and ``node.dataset_loaded``
    says whether it did. A node over a database tries its pending
    notifications as soon as it starts.

    ``exchanges_file`` is where the node's exchange ring appends its records
    as JSON lines (``exchanges.jsonl`` in a state directory; ``None``: kept
    in memory only).
    """
    config = config or MockConfig()
    if config.control and clock is None:
        clock = NodeClock()  # real time, until the control API moves it
    entries = {h: [api.manifest_entry(config, h) for api in PARTNER_APIS] for h in config.hei_ids}
    node = MockNode(
        config,
        entries,
        clock=clock,
        outbox_store=outbox_store,
        state=state,
        exchanges_file=exchanges_file,
    )
    if dataset is not None:
        node.load_dataset(dataset, source=data_source)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        node.outbox.start(retry_at_once=node.state is not None)
        try:
            yield
        finally:
            await node.outbox.stop()

    app = FastAPI(
        title="ewp_mock", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.node = node
    for api in PARTNER_APIS:
        app.include_router(api.router)
    app.include_router(discovery_router)
    app.include_router(registry_router)
    app.add_exception_handler(HttpSignatureError, _ewp_error)
    app.add_exception_handler(PartnerError, _ewp_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    faults = Faults(config.fault_scenarios())
    app.state.faults = faults
    node.outbox.gate = faults.queued_at
    inside = (Stage.REQUEST, Stage.RESPONSE)
    app.add_middleware(FaultLayer, faults=faults, node=node, stages=inside)
    app.add_middleware(
        EwpSignatureMiddleware,
        verifier=node.request_verifier,
        signer=node.response_signer,
        host=config.authority,
        max_body_bytes=config.max_request_bytes,
        routes={p: r for api in PARTNER_APIS for p, r in api.endpoints(config).items()},
        logger=logging.getLogger("ewp_mock"),
    )
    app.add_middleware(
        FaultLayer, faults=faults, node=node, stages=(Stage.SIGNED,)
    )  # on the wire: the log sees it
    app.add_middleware(  # outside the faults: records what went over the wire
        ExchangeLog,
        ring=node.exchanges,
        heis_of=lambda key_id: node.catalogue.heis_covered_by(key_id),
        lines=False,
    )
    if config.control:  # outermost: the control API meets neither the log nor the signatures
        app.add_middleware(ControlDispatch, control=control_app(node, dataset, faults=faults))
    return app


def faults_of(app: FastAPI) -> Faults:
    """The fault scenarios an app made by :func:`create_app` plays (changeable while it runs)."""
    faults = app.state.faults
    if not isinstance(faults, Faults):
        raise TypeError("not an app made by ewp_mock.create_app")
    return faults


def node_of_app(app: FastAPI) -> MockNode:
    """The node of an app made by :func:`create_app` (to admit clients, read the catalogue)."""
    node = app.state.node
    if not isinstance(node, MockNode):
        raise TypeError("not an app made by ewp_mock.create_app")
    return node


def prepare_tls(config: MockConfig, state: StateDir) -> ssl.SSLContext | None:
    """The server's TLS context, its CA and certificate in ``state``; ``None`` without TLS.

    The certificate names the host of ``config.public_url``, the listen
    address and the loopback names; clients trust ``state.file("ca.pem")``.
    A kept (not temporary) state directory whose CA, certificate and key
    still fit (issued by that CA, naming those hosts, valid for another
    day, the key the certificate's) keeps them: a restarted node stays
    trusted by the peers that read its ``ca.pem`` before. Otherwise a fresh
    local CA and certificate are made and written. Nothing is written when
    ``config.tls`` is off. A TLS fault scenario (``tls-expired``...) makes
    the certificate it names, always afresh (see :func:`~ewp_mock.tls.node_certificate`).
    """
    if not config.tls:
        return None
    public_host = urlsplit(config.public_url).hostname
    hosts = certificate_hosts(config.host, public_host)
    certificate, key = state.file(TLS_CERTIFICATE_FILE), state.file(TLS_KEY_FILE)
    defect = Faults(config.fault_scenarios()).certificate_defect()
    if defect is None and not state.temporary and _kept_tls_fits(state, hosts):
        return server_context(certificate, key)
    ca, server = node_certificate(hosts, defect)
    state.write_tls(ca, server)
    return server_context(certificate, key)


#: A kept certificate is made again when it expires sooner than this.
TLS_RENEW_BEFORE: Final = timedelta(days=1)


def _kept_tls_fits(state: StateDir, hosts: Sequence[str]) -> bool:
    """Whether the CA, certificate and key already in ``state`` serve ``hosts`` (see above)."""
    files = [state.file(n) for n in (CA_FILE, TLS_CERTIFICATE_FILE, TLS_KEY_FILE)]
    if any(f.is_symlink() or not f.is_file() for f in files):
        return False
    try:
        ca = x509.load_pem_x509_certificate(files[0].read_bytes())
        certificate = x509.load_pem_x509_certificate(files[1].read_bytes())
        key = serialization.load_pem_private_key(files[2].read_bytes(), password=None)
        certificate.verify_directly_issued_by(ca)
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound, InvalidSignature):
        return False
    named = {str(n) for n in names.get_values_for_type(x509.DNSName)}
    named |= {str(n) for n in names.get_values_for_type(x509.IPAddress)}
    wanted = {_normal_host(h) for h in hosts}
    now = datetime.now(UTC)
    return (
        wanted <= {_normal_host(n) for n in named}
        and certificate.not_valid_after_utc - TLS_RENEW_BEFORE > now
        and ca.not_valid_after_utc - TLS_RENEW_BEFORE > now
        and _spki(certificate.public_key()) == _spki(key.public_key())
    )


def _spki(public_key: CertificatePublicKeyTypes | PublicKeyTypes) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _normal_host(host: str) -> str:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return host.lower()


async def _ewp_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HttpSignatureError | PartnerError):
        raise exc
    return error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise exc
    response = error_response(str(exc.detail), status=exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _validation_error(request: Request, exc: Exception) -> Response:
    return error_response(f"invalid request parameters: {exc}", status=400)
