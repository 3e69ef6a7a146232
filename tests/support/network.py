"""A broken partner: a two-university EWP network in memory whose partner misbehaves on cue.

Client tests of CORRECT partner behaviour run against the mock partner app in
process (:mod:`tests.support.mock_partner`). This module is for what a correct
node never does, scripted per test: answering 5xx, 409 or a scripted 400,
losing an answer (a timeout after applying an update), answering batches out
of order, tampering with a body (a wrong declared iia-hash, a schema-invalid
document, a value of a newer spec version), leaving answers unsigned or
signing with a key the Registry does not publish, serving a broken Echo URL.
It stays until the mock node gets such behaviours (the known-problems issue),
and for the parts the mock node does not serve yet (LA ``update``).

``uni-a.example.org`` is us (a client key); ``uni-b.example.org`` is the
partner, served by ``https://b.example.org`` with a server key. The catalogue
is built by our own Registry builder and read back through a real
:class:`RegistryClient` (from a file). The partner is an ``httpx.MockTransport``
handler that verifies our request signatures with the library's verifier
(failures answered by :func:`ewp_client.server.error_answer`) and signs
whatever the test's handler answers with the library's response signer (or
not, with ``sign=False``). :meth:`Network.client` and
:meth:`Network.async_client` make our sync and async clients talking to it,
with a ``sleep`` that records the retry delays instead of waiting.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ewp_client.client import AsyncEwpClient, EwpClient
from ewp_client.errors import HttpSignatureError
from ewp_client.namespaces import (
    CLIAUTH_HTTPSIG_NS,
    ECHO_API,
    ECHO_ENTRY_NS,
    IIA_APPROVAL_CNR_API,
    IIA_APPROVAL_CNR_ENTRY_NS,
    IIA_CNR_API,
    IIA_CNR_ENTRY_NS,
    IIAS_API,
    IIAS_APPROVAL_API,
    IIAS_APPROVAL_V2_ENTRY_NS,
    IIAS_V7_ENTRY_NS,
    LA_CNR_ENTRY_NS,
    LAS_ENTRY_NS,
    OMOBILITY_LA_CNR_API,
    OMOBILITY_LAS_API,
    SRVAUTH_HTTPSIG_NS,
    ApiVersion,
)
from ewp_client.registry import (
    ApiEntry,
    AsyncRegistryClient,
    AuthMethod,
    Hei,
    Host,
    HttpSecurity,
    LocalizedName,
    RegistryClient,
    build_catalogue,
    render_catalogue,
)
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    RequestVerifier,
    ResponseSigner,
    SigningKey,
    generate_private_key,
    public_key_der,
)
from ewp_client.server import error_answer

US = "uni-a.example.org"
PARTNER = "uni-b.example.org"
PARTNER_BASE = "https://b.example.org/ewp"
US_BASE = "https://a.example.org/ewp"

HTTPSIG = HttpSecurity(
    client_auth=(AuthMethod(namespace=CLIAUTH_HTTPSIG_NS, name="httpsig"),),
    server_auth=(AuthMethod(namespace=SRVAUTH_HTTPSIG_NS, name="httpsig"),),
)


def failure(status: int) -> httpx.Response:
    """A server failure as a partner's application answers it: ``status``, an ``error-response``.

    For tests about retries and status codes; an empty or HTML body is the
    known issue ``error-response-malformed``, tested on its own.
    """
    answer = error_answer(f"failure {status}", status)
    return httpx.Response(answer.status, content=answer.body, headers=list(answer.headers))


@functools.cache
def key(n: int) -> SigningKey:
    """Test key number ``n``, generated once per session."""
    return SigningKey(generate_private_key(2048))


def _entry(api: ApiVersion, ns: str, props: Iterable[tuple[str, str]]) -> ApiEntry:
    return ApiEntry(
        name=api.name,
        namespace=ns,
        version=api.version,
        properties=tuple(props),
        http_security=HTTPSIG,
    )


def partner_apis(base: str, *, max_ids: int = 3) -> tuple[ApiEntry, ...]:
    """The APIs a partner host implements, under ``base``, in the versions the client speaks."""
    return (
        _entry(ECHO_API, ECHO_ENTRY_NS, [("url", f"{base}/echo")]),
        _entry(
            IIAS_API,
            IIAS_V7_ENTRY_NS,
            [
                ("get-url", f"{base}/iias/get"),
                ("index-url", f"{base}/iias/index"),
                ("stats-url", f"{base}/iias/stats"),
                ("max-iia-ids", str(max_ids)),
            ],
        ),
        _entry(
            IIAS_APPROVAL_API,
            IIAS_APPROVAL_V2_ENTRY_NS,
            [
                ("url", f"{base}/iias-approval"),
                ("max-iia-ids", str(max_ids)),
            ],
        ),
        _entry(IIA_CNR_API, IIA_CNR_ENTRY_NS, [("url", f"{base}/iia-cnr")]),
        _entry(
            IIA_APPROVAL_CNR_API, IIA_APPROVAL_CNR_ENTRY_NS, [("url", f"{base}/iia-approval-cnr")]
        ),
        _entry(
            OMOBILITY_LAS_API,
            LAS_ENTRY_NS,
            [
                ("get-url", f"{base}/las/get"),
                ("index-url", f"{base}/las/index"),
                ("update-url", f"{base}/las/update"),
                ("stats-url", f"{base}/las/stats"),
                ("max-omobility-ids", str(max_ids)),
            ],
        ),
        _entry(OMOBILITY_LA_CNR_API, LA_CNR_ENTRY_NS, [("url", f"{base}/la-cnr")]),
    )


Handler = Callable[[httpx.Request], httpx.Response]


class Sleeps(list[float]):
    """A client's ``sleep`` that records each delay instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class AsyncSleeps(list[float]):
    """The async client's ``sleep`` that records each delay instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


class AsyncPartner(httpx.AsyncBaseTransport):
    """A sync partner transport served to an ``httpx.AsyncClient``."""

    def __init__(self, transport: httpx.BaseTransport) -> None:
        self.transport = transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.transport.handle_request(request)


@dataclass
class Network:
    """The catalogue file, our key, the broken partner's key, and the requests it received."""

    catalogue_path: Path
    our_key: SigningKey
    partner_key: SigningKey
    requests: list[httpx.Request] = field(default_factory=list)

    def registry(self) -> RegistryClient:
        return RegistryClient(self.catalogue_path)

    def partner(self, handler: Handler, *, sign: bool = True) -> httpx.MockTransport:
        """The broken partner's transport: checks our signature, answers with ``handler``."""
        registry = self.registry()
        verifier = RequestVerifier(CatalogueKeyResolver(registry.catalogue()))
        signer = ResponseSigner(self.partner_key)

        def serve(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            try:
                verifier.verify(
                    method=request.method,
                    target=request.url.raw_path.decode("ascii"),
                    headers=request.headers.multi_items(),
                    body=request.content,
                    host=request.url.netloc.decode("ascii"),
                )
            except HttpSignatureError as exc:
                answer = error_answer(exc)  # what a server answers (401: challenge headers)
                response = httpx.Response(
                    answer.status, content=answer.body, headers=list(answer.headers)
                )
            else:
                response = handler(request)
            if sign:
                body = response.content
                for name, value in signer.sign(
                    request_headers=request.headers.multi_items(),
                    headers=response.headers.multi_items(),
                    body=body,
                ):
                    response.headers[name] = value
            return response

        return httpx.MockTransport(serve)

    def client(self, handler: Handler, *, sign: bool = True, **kw: Any) -> EwpClient:
        """Our client, talking to the partner ``handler`` (``sleep`` records by default)."""
        kw.setdefault("sleep", Sleeps())
        http = httpx.Client(transport=self.partner(handler, sign=sign))
        return EwpClient(self.registry(), key=self.our_key, http=http, **kw)

    def async_client(self, handler: Handler, *, sign: bool = True, **kw: Any) -> AsyncEwpClient:
        """The async twin of :meth:`client`."""
        kw.setdefault("sleep", AsyncSleeps())
        http = httpx.AsyncClient(transport=AsyncPartner(self.partner(handler, sign=sign)))
        return AsyncEwpClient(
            AsyncRegistryClient(self.catalogue_path), key=self.our_key, http=http, **kw
        )


def make_network(
    tmp_path: Path, *, max_ids: int = 3, echo_url: str | None = None, partner_key: int = 2
) -> Network:
    """The two-HEI network; ``echo_url`` replaces the partner's Echo URL in the catalogue,
    ``partner_key`` picks the partner's (server and client) key."""
    ours, theirs = key(1), key(partner_key)
    apis = partner_apis(PARTNER_BASE, max_ids=max_ids)
    if echo_url is not None:
        apis = (_entry(ECHO_API, ECHO_ENTRY_NS, [("url", echo_url)]), *apis[1:])
    hosts = [
        Host(
            apis=partner_apis(US_BASE, max_ids=max_ids),
            hei_ids=(US,),
            client_keys=(ours.key_id,),
            server_keys=(ours.key_id,),
        ),
        Host(
            apis=apis,
            hei_ids=(PARTNER,),
            client_keys=(theirs.key_id,),
            server_keys=(theirs.key_id,),
        ),
    ]
    heis = [
        Hei(id=US, names=(LocalizedName(text="University A", lang="en"),)),
        Hei(id=PARTNER, names=(LocalizedName(text="University B", lang="en"),)),
    ]
    catalogue = build_catalogue(
        hosts, heis=heis, public_keys=[public_key_der(k.public_key) for k in (ours, theirs)]
    )
    path = tmp_path / "catalogue.xml"
    path.write_bytes(render_catalogue(catalogue))
    return Network(catalogue_path=path, our_key=ours, partner_key=theirs)
