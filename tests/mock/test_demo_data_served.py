"""The demo data set served by the mock's IIA endpoints, read with the library's clients."""

from __future__ import annotations

import httpx
import pytest

from ewp_client import AsyncEwpClient, AsyncIiaApprovalClient, AsyncIiasClient, AsyncRegistryClient
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"


@pytest.fixture
def app() -> object:
    dataset = demo_dataset()
    config = MockConfig(
        base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=dataset.hei_ids
    )
    app = create_app(config, dataset=dataset)
    node = node_of_app(app)
    node.register_client(key(3).public_key, [UNI_B])
    node.register_client(key(4).public_key, ["portal.example.org"])
    node.stats_portal_keys.add(key(4).key_id)
    return app


async def test_uni_b_reads_uni_as_agreements_hashed_and_approvals(app: object) -> None:
    served = [s.iia_id for s in demo_dataset().served_iias(UNI_A)]
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as client,
    ):
        iias = AsyncIiasClient(client)
        assert sorted(await iias.index(UNI_A)) == sorted(served)
        copies = [await iias.get_one(UNI_A, iia_id) for iia_id in served]
        assert all(c is not None and c.hash_verified for c in copies)
        ours = [r.iia_id for r in demo_dataset().hei(UNI_A).approvals]  # type: ignore[union-attr]
        approvals = await AsyncIiaApprovalClient(client).get(UNI_A, [*ours, "unknown"])
        assert sorted(a.iia_id for a in approvals.approvals) == sorted(ours)


async def test_the_stats_portal_counts_uni_as_agreements_by_approval(app: object) -> None:
    served = demo_dataset().served_iias(UNI_A)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(4), http=http) as client,
    ):
        stats = await AsyncIiasClient(client).stats(UNI_A)
    both = [s for s in served if s.partner_hash and s.partner_approved_hash == s.iia_hash]
    assert stats.iia_fetchable == len(served)
    assert stats.iia_both_approved == len(both)
    assert stats.iia_both_approved >= 1
    assert stats.iia_local_unapproved_partner_approved >= 1
