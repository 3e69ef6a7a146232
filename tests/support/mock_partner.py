"""The mock partner app (``ewp_mock``) in process, for client tests of correct partner behaviour.

:func:`mock_partner` builds the app of a node serving the partner HEI
(``uni-b.example.org`` at ``https://b.example.org``) with a data set given by
the test, admits our client key for our HEI (``uni-a.example.org``) and writes
the catalogue the node publishes to a file, which our clients use as their
Registry. No sockets: the async client reaches the app through
``httpx.ASGITransport``, the blocking client through :class:`AppTransport`,
which runs the app on an event loop in a background thread (as Starlette's
``TestClient`` does). Both record the requests our client sent, and our clients
get a ``sleep`` that records retry delays instead of waiting.

Partners that misbehave on purpose (5xx, tampered or unsigned answers, lost
answers) are not this module's business: see :mod:`tests.support.network`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from ewp_client.client import AsyncEwpClient, EwpClient
from ewp_client.models import Institution, StringWithOptionalLang
from ewp_client.registry import AsyncRegistryClient, RegistryClient
from ewp_client.security import SigningKey
from ewp_mock import MockConfig, MockNode, create_app, node_of_app
from ewp_mock.config import IdLimits
from ewp_mock.data import Dataset, HeiData
from ewp_mock.testing import AppTransport
from tests.support.network import PARTNER, US, AsyncSleeps, Sleeps, key

__all__ = [
    "PARTNER",
    "PARTNER_URL",
    "US",
    "AppTransport",
    "MockPartner",
    "RecordingAsgi",
    "institution",
    "mock_partner",
    "partner_data",
]

#: Where the partner's node is (its requests must be signed for this host).
PARTNER_URL = "https://b.example.org"


class RecordingAsgi(httpx.AsyncBaseTransport):
    """``httpx.ASGITransport`` recording each request in ``requests``."""

    def __init__(self, app: FastAPI, requests: list[httpx.Request]) -> None:
        self.asgi = httpx.ASGITransport(app=app)
        self.requests = requests

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return await self.asgi.handle_async_request(request)


def institution(hei_id: str) -> Institution:
    return Institution(hei_id=hei_id, names=(StringWithOptionalLang(value=hei_id, lang="en"),))


def partner_data(data: HeiData | None = None, *, partners: Iterable[str] = (US,)) -> Dataset:
    """A data set of the partner HEI alone (``data``, or a bare institution) naming ``partners``."""
    return Dataset.of([data or HeiData(institution=institution(PARTNER))], partners)


@dataclass
class MockPartner:
    """The partner's app and node, the catalogue file it published, our key, what we sent."""

    app: FastAPI
    catalogue_path: Path
    our_key: SigningKey
    requests: list[httpx.Request] = field(default_factory=list)
    _transports: list[AppTransport] = field(default_factory=list)

    @property
    def node(self) -> MockNode:
        return node_of_app(self.app)

    def registry(self) -> RegistryClient:
        return RegistryClient(self.catalogue_path)

    def http(self) -> httpx.Client:
        """A blocking HTTP client reaching the app, recording what it sends in ``requests``."""
        transport = AppTransport(self.app, self.requests)
        self._transports.append(transport)
        return httpx.Client(transport=transport)

    def async_http(self) -> httpx.AsyncClient:
        """An async HTTP client reaching the app, recording what it sends in ``requests``."""
        return httpx.AsyncClient(transport=RecordingAsgi(self.app, self.requests))

    def client(self, **kw: Any) -> EwpClient:
        """Our blocking client, talking to the app (``sleep`` records by default)."""
        kw.setdefault("sleep", Sleeps())
        return EwpClient(self.registry(), key=self.our_key, http=self.http(), **kw)

    def async_client(self, **kw: Any) -> AsyncEwpClient:
        """Our async client, talking to the app through ``httpx.ASGITransport``."""
        kw.setdefault("sleep", AsyncSleeps())
        return AsyncEwpClient(
            AsyncRegistryClient(self.catalogue_path), key=self.our_key, http=self.async_http(), **kw
        )

    @property
    def server_key_id(self) -> str:
        """The keyId the node signs its responses with."""
        return self.node.config.server_key.key_id

    def close(self) -> None:
        """Stop the event loops of the blocking clients' transports."""
        for transport in self._transports:
            transport.close()


def mock_partner(
    tmp_path: Path,
    dataset: Dataset | None = None,
    *,
    max_ids: IdLimits | None = None,
    our_heis: Iterable[str] = (US,),
    stats_portal: bool = False,
) -> MockPartner:
    """The partner's node serving ``dataset`` (default: a bare institution) with ``max_ids``.

    Our key (the network's key 1) is admitted for ``our_heis``, and in the
    Stats Portal's role when ``stats_portal``; the node's catalogue is then
    written to ``tmp_path / "catalogue.xml"``.
    """
    config = MockConfig(
        hei_ids=(PARTNER,),
        base_url=PARTNER_URL,
        server_key=key(2),
        client_key=key(4),
        max_ids=max_ids or IdLimits(),
    )
    app = create_app(config, dataset if dataset is not None else partner_data())
    node = node_of_app(app)
    ours = key(1)
    kid = node.register_client(ours.public_key, our_heis)
    if stats_portal:
        node.stats_portal_keys.add(kid)
    path = tmp_path / "catalogue.xml"
    path.write_bytes(node.published.xml)
    return MockPartner(app=app, catalogue_path=path, our_key=ours)


@contextmanager
def running(partner: MockPartner) -> Iterator[MockPartner]:
    """``partner``, closed on the way out (for fixtures)."""
    try:
        yield partner
    finally:
        partner.close()
