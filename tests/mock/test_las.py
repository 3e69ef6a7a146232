"""OMobility LAs get, index and stats at the mock, on the demo data, read with LasClient.

The receiving HEI's client sees every published LA sent to it (drafts never),
a client of another HEI sees none (200, empty), an unknown sending HEI is a
400, and the Stats Portal reads the counters.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from ewp_client import AsyncEwpClient, AsyncLaCnrClient, AsyncLasClient, AsyncRegistryClient
from ewp_client.error_response import parse_error_response
from ewp_client.errors import Forbidden
from ewp_client.ola import VersionStatus
from ewp_client.security import RequestSigner
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"
PUBLISHED = sorted(
    r.la.omobility_id
    for r in demo_dataset().outgoing_las(UNI_A)
    if r.status is not VersionStatus.DRAFT
)


@pytest.fixture
def app() -> object:
    dataset = demo_dataset()
    config = MockConfig(
        base_url=BASE, server_key=key(1), client_key=key(2), hei_ids=dataset.hei_ids
    )
    app = create_app(config, dataset=dataset)
    node = node_of_app(app)
    node.register_client(key(3).public_key, [UNI_B])
    node.register_client(key(4).public_key, ["other.example.org"])
    node.register_client(key(5).public_key, ["portal.example.org"])
    node.stats_portal_keys.add(key(5).key_id)
    return app


async def las_client(app: object, n: int) -> AsyncIterator[AsyncLasClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(n), http=http) as client,
    ):
        yield AsyncLasClient(client)


async def test_the_receiving_hei_indexes_and_gets_the_published_las(app: object) -> None:
    async for las in las_client(app, 3):
        assert sorted(await las.index(UNI_A)) == PUBLISHED
        assert "la-draft" not in PUBLISHED
        got = await las.get(UNI_A, [*PUBLISHED, "la-draft", "unknown"])
        assert sorted(la.omobility_id for la in got) == PUBLISHED
        assert await las.index(UNI_A, receiving_hei_id="other.example.org") == ()
        assert sorted(await las.index(UNI_A, receiving_academic_year_id="2026/2027")) == PUBLISHED
        assert await las.index(UNI_A, receiving_academic_year_id="2027/2028") == ()


async def test_another_hei_sees_nothing_and_an_unknown_sender_is_400(app: object) -> None:
    async for las in las_client(app, 4):
        assert await las.index(UNI_A) == ()
        assert await las.get(UNI_A, PUBLISHED) == ()
        with pytest.raises(Forbidden):
            await las.stats(UNI_A)
    target = "/ewp/las/index?sending_hei_id=unknown.example.org"
    signed = RequestSigner(key(4)).sign(method="GET", target=target, body=b"", host="mock.test")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.get(target, headers=dict(signed.headers))
    assert response.status_code == 400
    assert "sending_hei_id" in (parse_error_response(response.content).developer or "")


async def test_the_stats_portal_reads_the_outgoing_counters(app: object) -> None:
    async for las in las_client(app, 5):
        stats = await las.stats(UNI_A)
    (year,) = stats.academic_years
    assert year.receiving_academic_year_id == "2026/2027"
    assert year.la_outgoing_total == len(PUBLISHED)


async def test_the_stats_portal_reads_uni_bs_incoming_counters(app: object) -> None:
    async for las in las_client(app, 5):
        stats = await AsyncLaCnrClient(las.client).stats(UNI_B)
    (year,) = stats.academic_years
    assert year.receiving_academic_year_id == "2026/2027"
    assert year.la_incoming_total == len(PUBLISHED)
