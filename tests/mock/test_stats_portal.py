"""The Stats Portal's role at the mock: who the three ``stats`` endpoints answer.

The architecture spec's permissions for statistics endpoints: a server MUST let
the EWP Stats Portal (the key covering ``stats.erasmuswithoutpaper.eu``) read
them; others are the server's choice. The mock answers the Stats Portal and
the keys admitted in its role (``MockNode.admit_stats_portal``, ``ewp-mock serve
--stats-portal``), and refuses every other key with 403, the partner of the
agreements included. The node serves the demo data's ``uni-a`` alone, as
``ewp-mock serve`` does by default.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from ewp_client import (
    AsyncEwpClient,
    AsyncIiasClient,
    AsyncLaCnrClient,
    AsyncLasClient,
    AsyncRegistryClient,
)
from ewp_client.errors import ConfigError, Forbidden
from ewp_client.models import IiasStatsResponse, LaCnrStatsResponse, LasStatsResponse
from ewp_client.ola import VersionStatus
from ewp_client.security import SigningKey, public_key_pem
from ewp_client.server import STATS_PORTAL_HEI
from ewp_mock import DEFAULT_HEI, UNI_A, UNI_B, MockConfig, create_app, demo_dataset, node_of_app
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"

PORTAL = 5  # admitted with admit_stats_portal, no HEI
PORTAL_HEI = 6  # covers the Stats Portal's HEI id
PARTNER = 3  # admitted for uni-b, the partner of uni-a's agreements and LAs
NO_HEI = 4  # admitted for no HEI

Stats = Callable[[AsyncEwpClient], Awaitable[Any]]
#: Each stats endpoint, called for the served HEI through the library's client (which
#: verifies the signed answer and validates it), and the document it answers.
ENDPOINTS: dict[str, tuple[Stats, type]] = {
    "iias": (lambda ewp: AsyncIiasClient(ewp).stats(UNI_A), IiasStatsResponse),
    "las": (lambda ewp: AsyncLasClient(ewp).stats(UNI_A), LasStatsResponse),
    "la-cnr": (lambda ewp: AsyncLaCnrClient(ewp).stats(UNI_A), LaCnrStatsResponse),
}


@pytest.fixture
def app() -> FastAPI:
    config = MockConfig(base_url=BASE, server_key=key(1), client_key=key(2))
    app = create_app(config, demo_dataset())
    node = node_of_app(app)
    node.register_client(key(PARTNER).public_key, [UNI_B])
    node.register_client(key(NO_HEI).public_key)
    node.register_client(key(PORTAL_HEI).public_key, [STATS_PORTAL_HEI])
    node.admit_stats_portal(key(PORTAL).public_key)
    return app


@asynccontextmanager
async def ewp(app: FastAPI, signer: SigningKey) -> AsyncIterator[AsyncEwpClient]:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=signer, http=http) as client,
    ):
        yield client


def test_the_default_hei_is_the_demo_datas_first() -> None:
    assert MockConfig().hei_ids == (DEFAULT_HEI,) == (UNI_A,)
    assert demo_dataset().hei(DEFAULT_HEI) is not None


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=list(ENDPOINTS))
@pytest.mark.parametrize("signer", [PORTAL, PORTAL_HEI], ids=["admitted", "portal-hei"])
async def test_the_stats_portal_reads_every_stats_endpoint(
    app: FastAPI, signer: int, endpoint: str
) -> None:
    call, answer = ENDPOINTS[endpoint]
    async with ewp(app, key(signer)) as client:
        stats = await call(client)
    assert isinstance(stats, answer)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=list(ENDPOINTS))
@pytest.mark.parametrize("signer", [PARTNER, NO_HEI], ids=["partner", "no-hei"])
async def test_other_keys_are_refused_403_naming_the_portal(
    app: FastAPI, signer: int, endpoint: str
) -> None:
    async with ewp(app, key(signer)) as client:
        with pytest.raises(Forbidden) as caught:
            await ENDPOINTS[endpoint][0](client)
    assert caught.value.status == 403
    assert STATS_PORTAL_HEI in (caught.value.developer_message or "")


async def test_the_counts_are_those_of_the_demo_data(app: FastAPI) -> None:
    data = demo_dataset()
    published = [s for s in data.outgoing_las(UNI_A) if s.status is not VersionStatus.DRAFT]
    incoming = data.incoming_las(UNI_A)
    async with ewp(app, key(PORTAL)) as client:
        iias = await AsyncIiasClient(client).stats(UNI_A)
        las = await AsyncLasClient(client).stats(UNI_A)
        cnr = await AsyncLaCnrClient(client).stats(UNI_A)
    assert iias.iia_fetchable == len(data.served_iias(UNI_A))
    assert sum(y.la_outgoing_total for y in las.academic_years) == len(published)
    assert sum(y.la_incoming_total for y in cnr.academic_years) == len(incoming) >= 1


def test_admitting_publishes_the_key_for_no_hei_and_returns_its_key_id() -> None:
    app = create_app(MockConfig(base_url=BASE, server_key=key(1), client_key=key(2)))
    node = node_of_app(app)
    kid = node.admit_stats_portal(public_key_pem(key(PORTAL).public_key))
    assert kid == key(PORTAL).key_id
    assert kid in node.stats_portal_keys
    published = node.catalogue.client_key(kid)
    assert published is not None
    assert published.hei_ids == frozenset()


async def test_a_partners_key_admitted_in_the_role_too_keeps_its_heis(app: FastAPI) -> None:
    node = node_of_app(app)
    assert node.admit_stats_portal(key(PARTNER).public_key) == key(PARTNER).key_id
    published = node.catalogue.client_key(key(PARTNER).key_id)
    assert published is not None
    assert published.hei_ids == frozenset({UNI_B})
    async with ewp(app, key(PARTNER)) as client:
        assert await AsyncIiasClient(client).index(UNI_A)
        assert (await AsyncIiasClient(client).stats(UNI_A)).iia_fetchable >= 1


def test_a_short_key_is_refused_and_not_put_in_the_role() -> None:
    node = node_of_app(create_app(MockConfig(base_url=BASE, server_key=key(1), client_key=key(2))))
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(ConfigError, match="bits"):
        node.admit_stats_portal(short)
    assert node.stats_portal_keys == set()
    assert node.clients == ()
