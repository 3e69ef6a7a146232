"""Institutions v2 and OUnits v2 at the mock, on the demo data, for any authenticated client.

Ported from the official validator's checks: known and unknown ``hei_id``
values, ``max-*`` limits, ids or codes never both, an unknown ``hei_id`` at
OUnits a 400; answers schema-valid (and valid against the official XSDs when
the reference pack is there).
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from ewp_client.codec import decode
from ewp_client.models import InstitutionsResponse, OunitsResponse
from ewp_client.security import RequestSigner
from ewp_client.xml import parse_xml
from ewp_client.xml.validate import validate
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from tests.conformance import reference
from tests.mock.conftest import key

BASE = "http://mock.test"
STRANGER = "stranger.example.org"


@pytest.fixture(scope="module")
def app() -> object:
    dataset = demo_dataset()
    config = MockConfig(
        base_url=BASE,
        server_key=key(1),
        client_key=key(2),
        hei_ids=dataset.hei_ids,
        replay_protection=False,
    )
    app = create_app(config, dataset=dataset)
    node_of_app(app).register_client(key(3).public_key, [STRANGER])  # any client may read
    return app


async def get(app: object, path: str, params: list[tuple[str, str]]) -> httpx.Response:
    target = f"{path}?{urlencode(params)}" if params else path
    signed = RequestSigner(key(3)).sign(method="GET", target=target, body=b"", host="mock.test")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        return await http.get(target, headers=dict(signed.headers))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("hei_id", UNI_A)], [UNI_A]),
        ([("hei_id", UNI_A), ("hei_id", "unknown.example.org")], [UNI_A]),
        ([("hei_id", "unknown.example.org")], []),
        ([("hei_id", UNI_B), ("hei_id", UNI_A)], [UNI_B, UNI_A]),
        ([("hei_id", UNI_A)] * MockConfig().max_ids.hei_ids, [UNI_A]),
        ([("hei_id", UNI_A)] * (MockConfig().max_ids.hei_ids + 1), None),
        ([], None),
        ([("hei_id_param", UNI_A)], None),
    ],
    ids=["known", "known-unknown", "unknown", "two", "max", "over-max", "none", "wrong-name"],
)
async def test_institutions(
    app: object, params: list[tuple[str, str]], expected: list[str] | None
) -> None:
    response = await get(app, "/ewp/institutions", params)
    validate(response.content)
    if expected is None:
        assert response.status_code == 400
        return
    assert response.status_code == 200
    heis = decode(response.content, InstitutionsResponse).heis
    assert [h.hei_id for h in heis] == expected
    if expected:
        assert heis[0].ounit_ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([("hei_id", UNI_A), ("ounit_id", "a-sci")], ["a-sci"]),
        ([("hei_id", UNI_A), ("ounit_id", "a-art"), ("ounit_id", "nope")], ["a-art"]),
        ([("hei_id", UNI_A), ("ounit_code", "SCI"), ("ounit_code", "UA")], ["a-sci", "a-root"]),
        ([("hei_id", UNI_A), ("ounit_id", "b-eng")], []),
        ([("hei_id", UNI_A), ("ounit_id", "a-sci"), ("ounit_code", "SCI")], None),
        ([("hei_id", UNI_A)], None),
        ([("hei_id", "unknown.example.org"), ("ounit_id", "a-sci")], None),
        ([("ounit_id", "a-sci")], None),
        ([("hei_id", UNI_A), *[("ounit_id", "a-sci")] * (MockConfig().max_ids.hei_ids + 1)], None),
        ([("hei_id", UNI_A), ("hei_id", UNI_B), ("ounit_id", "a-sci")], None),
    ],
    ids=[
        "by-id",
        "known-unknown",
        "by-code",
        "other-heis-unit",
        "ids-and-codes",
        "neither",
        "unknown-hei",
        "no-hei",
        "over-max",
        "two-heis",
    ],
)
async def test_ounits(
    app: object, params: list[tuple[str, str]], expected: list[str] | None
) -> None:
    response = await get(app, "/ewp/ounits", params)
    validate(response.content)
    if expected is None:
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert [u.ounit_id for u in decode(response.content, OunitsResponse).ounits] == expected


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
async def test_answers_are_valid_against_the_official_schemas(app: object) -> None:
    institutions = await get(app, "/ewp/institutions", [("hei_id", UNI_A), ("hei_id", UNI_B)])
    ounits = await get(app, "/ewp/ounits", [("hei_id", UNI_B), ("ounit_code", "ENG")])
    for response in (institutions, ounits):
        namespace = parse_xml(response.content).getroot().tag[1:].partition("}")[0]
        reference.official_schema(namespace).validate(response.content)
