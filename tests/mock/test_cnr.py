"""The mock's CNR endpoints, called by the library's CNR clients (in process, signed both ways).

A valid notification is answered 200 at once, unknown ids included; a bad
one 400; a GET 405; the incoming-LA stats go to the Stats Portal only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from ewp_client import AsyncEwpClient, AsyncRegistryClient
from ewp_client.client import AsyncIiaCnrClient, AsyncLaCnrClient
from ewp_client.error_response import parse_error_response
from ewp_client.errors import Forbidden
from ewp_client.iia.approval import ApprovalRecord
from ewp_client.security import RequestSigner
from ewp_client.server import STATS_PORTAL_HEI
from ewp_mock import DEFAULT_HEI, MockConfig, create_app, node_of_app
from tests.mock.conftest import key

BASE = "http://mock.test"
CATALOGUE = f"{BASE}/catalogue-v1.xml"
US = "client.example.org"


@pytest.fixture
def app() -> FastAPI:
    app = create_app(MockConfig(base_url=BASE, server_key=key(1), client_key=key(2)))
    node_of_app(app).register_client(key(3).public_key, [US])
    return app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncEwpClient]:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(3), http=http) as ewp,
    ):
        yield ewp


async def test_iia_and_approval_cnrs_are_answered_even_for_unknown_ids(
    client: AsyncEwpClient,
) -> None:
    cnr = AsyncIiaCnrClient(client)
    assert await cnr.notify(DEFAULT_HEI, ["unknown-1", "unknown-2"]) == 2
    record = ApprovalRecord(partner_hei_id=DEFAULT_HEI, iia_id="x-1", iia_hash="0" * 64)
    await cnr.notify_approval(record)


async def test_la_cnrs_are_answered_and_stats_need_the_stats_portal(
    client: AsyncEwpClient,
) -> None:
    cnr = AsyncLaCnrClient(client)
    assert await cnr.notify(DEFAULT_HEI, US, ["m-1", "m-2", "m-1"]) == 1
    with pytest.raises(Forbidden) as caught:
        await cnr.stats(DEFAULT_HEI)
    assert caught.value.status == 403
    assert STATS_PORTAL_HEI in (caught.value.developer_message or "")


async def test_the_stats_portal_reads_the_incoming_la_stats(app: FastAPI) -> None:
    node_of_app(app).register_client(key(4).public_key, [STATS_PORTAL_HEI])
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport) as http,
        AsyncEwpClient(AsyncRegistryClient(CATALOGUE, http=http), key=key(4), http=http) as ewp,
    ):
        stats = await AsyncLaCnrClient(ewp).stats(DEFAULT_HEI)
    assert stats.academic_years == ()


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [
        ("POST", b"iia_id=a&iia_id=b", 400),
        ("POST", b"", 400),
        ("GET", b"", 405),
    ],
    ids=["two-ids", "no-id", "get"],
)
async def test_bad_iia_cnrs_are_refused(
    app: FastAPI, method: str, body: bytes, status: int
) -> None:
    path = f"/ewp/iia-cnr/{DEFAULT_HEI}"
    headers = [("Content-Type", "application/x-www-form-urlencoded")] if body else []
    signed = RequestSigner(key(3)).sign(
        method=method, target=path, body=body, headers=headers, host="mock.test"
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        response = await http.request(
            method, path, content=body, headers={**dict(signed.headers), **dict(headers)}
        )
    assert response.status_code == status
    assert parse_error_response(response.content).developer
