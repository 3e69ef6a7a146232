"""IIAs v7 get and index at the mock, read with the library's IiasClient (in process).

The mock announces the API in its HEI's manifest (``max-iia-ids`` included),
verifies the client's signatures, shows the client only the agreements its
HEI is a partner of, and signs its answers; the client checks the signatures
and the ``iia-hash`` of each copy.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from ewp_client import AsyncEwpClient, AsyncIiaApprovalClient, AsyncIiasClient, AsyncRegistryClient
from ewp_client.errors import BadRequest, Forbidden
from ewp_client.iia.approval import ApprovalRecord
from ewp_mock import MockConfig, create_app, node_of_app
from tests.iia.served_copies import NORTH, SOUTH, north
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"


@pytest.fixture
def app() -> FastAPI:
    app = create_app(
        MockConfig(base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=(NORTH,))
    )
    node = node_of_app(app)
    node.register_client(key(3).public_key, [SOUTH])
    node.iias.put(north("n-1", "s-1"))
    node.iias.put(north("n-2", None))
    return app


async def test_iias_client_gets_and_indexes_the_mocks_agreements(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as client,
    ):
        iias = AsyncIiasClient(client)
        copies = await iias.get(NORTH, ["n-2", "unknown", "n-1"])
        assert [c.iia_id for c in copies] == ["n-2", "n-1"]
        assert all(c.hash_verified for c in copies)
        one = await iias.get_one(NORTH, "n-1")
        assert one is not None
        assert one.iia.partners[1].iia_id == "s-1"
        assert sorted(await iias.index(NORTH)) == ["n-1", "n-2"]
        assert await iias.index(NORTH, receiving_academic_year_id="2031/2032") == ()


async def test_a_client_of_another_hei_sees_nothing(app: FastAPI) -> None:
    node_of_app(app).register_client(key(4).public_key, ["other.example.org"])
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(4), http=http) as client,
    ):
        iias = AsyncIiasClient(client)
        assert await iias.get(NORTH, ["n-1"]) == ()
        assert await iias.index(NORTH) == ()


async def test_a_malformed_year_is_a_bad_request(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as client,
    ):
        with pytest.raises(BadRequest) as caught:
            await AsyncIiasClient(client).index(NORTH, receiving_academic_year_id="2031-2032")
        assert caught.value.status == 400
        assert "receiving_academic_year_id" in (caught.value.developer_message or "")


async def test_iias_stats_are_for_the_stats_portal(app: FastAPI) -> None:
    node = node_of_app(app)
    node.register_client(key(4).public_key, ["portal.example.org"])
    node.stats_portal_keys.add(key(4).key_id)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport) as http:
        for signer, expected in ((key(4), 2), (key(3), None)):
            async with AsyncEwpClient(
                AsyncRegistryClient(CATALOGUE, http=http), key=signer, http=http
            ) as client:
                if expected is None:
                    with pytest.raises(Forbidden):
                        await AsyncIiasClient(client).stats(NORTH)
                else:
                    stats = await AsyncIiasClient(client).stats(NORTH)
                    assert stats.iia_fetchable == expected
                    assert stats.iia_both_approved == 0


async def test_iia_approval_client_reads_the_mocks_approvals_of_its_agreements(
    app: FastAPI,
) -> None:
    node = node_of_app(app)
    node.approvals.put(NORTH, ApprovalRecord(partner_hei_id=SOUTH, iia_id="s-1", iia_hash="a" * 64))
    node.approvals.put(
        NORTH, ApprovalRecord(partner_hei_id="x.org", iia_id="s-2", iia_hash="b" * 64)
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as client,
    ):
        answer = await AsyncIiaApprovalClient(client).get(NORTH, ["s-1", "s-2", "unknown"])
    assert [(a.iia_id, a.iia_hash) for a in answer.approvals] == [("s-1", "a" * 64)]
