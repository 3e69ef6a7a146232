"""Mobility Factsheet v1 at the mock, for any authenticated client (in-process ASGI, signed).

Ported from the official validator's Factsheet checks: a known ``hei_id``
answered, an unknown one left out with a 200, none or more than
``max-hei-ids`` (known or unknown) a 400, a wrong parameter name a 400;
GET and POST alike. Answers are schema-valid, and valid against the official
XSD when the reference pack is there. The manifests announce the API with
the node's ``max-hei-ids``.
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from ewp_client import validate
from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.models import FactsheetEntry, FactsheetResponse, Manifest
from ewp_client.namespaces import FACTSHEET_API, FACTSHEET_ENTRY_NS, FACTSHEET_NS
from ewp_client.security import RequestSigner
from ewp_client.xml import parse_xml
from ewp_mock import IdLimits, MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, Dataset, bare_factsheet, demo_dataset
from ewp_mock.directory import manifest_url
from tests.conformance import reference
from tests.mock.conftest import key

BASE = "http://mock.test"
PATH = "/ewp/factsheet"
FORM = "application/x-www-form-urlencoded"
UNKNOWN = "unknown.example.org"
MAX = 3


def config(hei_ids: tuple[str, ...], max_hei_ids: int = MAX) -> MockConfig:
    return MockConfig(
        base_url=BASE,
        server_key=key(1),
        client_key=key(2),
        hei_ids=hei_ids,
        replay_protection=False,
        max_ids=IdLimits(hei_ids=max_hei_ids),
    )


def node(hei_ids: tuple[str, ...], dataset: Dataset | None = None) -> FastAPI:
    app = create_app(config(hei_ids), dataset=dataset)
    node_of_app(app).register_client(key(3).public_key, [])  # a key covering no HEI may read
    return app


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return demo_dataset()


@pytest.fixture(scope="module")
def app(demo: Dataset) -> FastAPI:
    return node(demo.hei_ids, demo)


async def send(
    app: FastAPI, params: list[tuple[str, str]], method: str = "GET", path: str = PATH
) -> httpx.Response:
    form = urlencode(params)
    target = f"{path}?{form}" if method != "POST" and form else path
    body = form.encode() if method == "POST" else b""
    headers = [("Content-Type", FORM)] if method == "POST" else []
    signed = RequestSigner(key(3)).sign(
        method=method, target=target, body=body, headers=headers, host="mock.test"
    )
    sent = {**dict(signed.headers), **dict(headers)}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        return await http.request(method, target, content=body, headers=sent)


def hei_ids_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    validate(response.content)
    return [f.hei_id for f in decode(response.content, FactsheetResponse).factsheets]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("hei_id", UNI_A)], [UNI_A]),
        ([("hei_id", UNI_A), ("hei_id", UNKNOWN)], [UNI_A]),
        ([("hei_id", UNKNOWN)], []),
        ([("hei_id", UNI_B), ("hei_id", UNI_A)], [UNI_B, UNI_A]),
        ([("hei_id", UNI_A)] * MAX, [UNI_A]),
    ],
    ids=["known", "known-unknown", "unknown", "two-in-order", "max"],
)
async def test_known_heis_get_their_factsheet_unknown_ones_are_left_out(
    app: FastAPI, method: str, params: list[tuple[str, str]], expected: list[str]
) -> None:
    assert hei_ids_of(await send(app, params, method)) == expected


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "params",
    [
        [],
        [("hei_id", UNI_A)] * (MAX + 1),
        [("hei_id", UNKNOWN)] * (MAX + 1),
        [("hei_id_param", UNI_A)],
    ],
    ids=["none", "over-max-known", "over-max-unknown", "wrong-name"],
)
async def test_no_hei_id_or_more_than_max_hei_ids_is_a_400(
    app: FastAPI, method: str, params: list[tuple[str, str]]
) -> None:
    response = await send(app, params, method)
    assert response.status_code == 400
    validate(response.content)
    assert "hei_id" in (parse_error_response(response.content).developer or "")


async def test_put_is_a_405(app: FastAPI) -> None:
    response = await send(app, [("hei_id", UNI_A)], "PUT")
    assert response.status_code == 405
    validate(response.content)


async def test_the_answer_is_the_data_sets_factsheet(app: FastAPI, demo: Dataset) -> None:
    response = await send(app, [("hei_id", UNI_B), ("hei_id", UNI_A)])
    served = decode(response.content, FactsheetResponse).factsheets
    assert served == (demo.heis[UNI_B].factsheet, demo.heis[UNI_A].factsheet)


async def test_each_manifest_announces_the_api_with_the_nodes_max_hei_ids(
    app: FastAPI,
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        for hei_id in (UNI_A, UNI_B):
            manifest = await http.get(manifest_url(node_of_app(app).config, hei_id))
            host = decode(manifest.content, Manifest).host
            assert host is not None
            assert host.apis_implemented is not None
            (entry,) = [e for e in host.apis_implemented.entries if isinstance(e, FactsheetEntry)]
            assert (entry.url, entry.max_hei_ids) == (f"{BASE}{PATH}", MAX)
            assert entry.version == FACTSHEET_API.version


async def test_a_node_without_data_serves_a_bare_factsheet_for_its_hei() -> None:
    app = node(("mock.example.org",))
    response = await send(app, [("hei_id", "mock.example.org"), ("hei_id", UNI_A)])
    served = decode(response.content, FactsheetResponse).factsheets
    assert served == (bare_factsheet("mock.example.org"),)
    validate(response.content)


async def test_a_hei_the_data_gives_no_factsheet_keeps_the_bare_one(demo: Dataset) -> None:
    without = demo.with_hei(demo.heis[UNI_B].with_factsheet(None))
    app = node(demo.hei_ids, without)
    served = decode(
        (await send(app, [("hei_id", UNI_A), ("hei_id", UNI_B)])).content, FactsheetResponse
    ).factsheets
    assert served == (demo.heis[UNI_A].factsheet, bare_factsheet(UNI_B))


async def test_an_unsigned_request_is_refused(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.get(PATH, params={"hei_id": UNI_A})
    assert response.status_code == 401


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
@pytest.mark.parametrize(
    "params",
    [[("hei_id", UNI_A), ("hei_id", UNI_B)], [("hei_id", UNKNOWN)]],
    ids=["demo", "empty"],
)
async def test_answers_are_valid_against_the_official_schema(
    app: FastAPI, params: list[tuple[str, str]]
) -> None:
    response = await send(app, params)
    reference.official_schema(FACTSHEET_NS).validate(response.content)


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
async def test_the_bare_factsheet_is_valid_against_the_official_schema() -> None:
    response = await send(node(("localhost", "mock.example.org")), [("hei_id", "localhost")])
    assert hei_ids_of(response) == ["localhost"]
    reference.official_schema(FACTSHEET_NS).validate(response.content)


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
async def test_the_manifest_entry_is_valid_against_the_official_schema() -> None:
    secure = MockConfig(
        base_url="https://mock.test", server_key=key(1), client_key=key(2), hei_ids=(UNI_A,)
    )
    transport = httpx.ASGITransport(app=create_app(secure))
    async with httpx.AsyncClient(transport=transport, base_url="https://mock.test") as http:
        manifest = await http.get(manifest_url(secure, UNI_A))
    entry = parse_xml(manifest.content).getroot().find(f".//{{{FACTSHEET_ENTRY_NS}}}factsheet")
    assert entry is not None
    reference.official_schema(FACTSHEET_ENTRY_NS).validate(entry)
