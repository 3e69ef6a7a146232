"""The official validator's IIAs v7 and IIA Approval v2 checks that apply, run against the mock.

Ported as facts from ``ewp-registry-service`` ``validators/`` (its generic
id checks and the IIAs index checks): each row is a request and the status
and content the validator expects, sent as GET and as POST, with and without
asking for a signed answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI

from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.iia.approval import ApprovalRecord
from ewp_client.models import IiasApprovalResponse, IiasGetResponse, IiasIndexResponse
from ewp_client.security import RequestSigner, SentRequest
from ewp_client.xml import parse_xml
from ewp_client.xml.validate import validate
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.config import IdLimits
from tests.conformance import reference
from tests.iia.served_copies import NORTH, SOUTH, north
from tests.mock.conftest import key, verifier

BASE = "http://mock.test"
MAX_IDS = IdLimits().iia_ids
GET = f"/ewp/iias/{NORTH}/get"
INDEX = f"/ewp/iias/{NORTH}/index"
APPROVAL = f"/ewp/iias-approval/{NORTH}"
FAKE = "this-id-does-not-exist"


@dataclass(frozen=True)
class Check:
    id: str
    path: str
    params: list[tuple[str, str]]
    status: int
    ids: tuple[str, ...] | None = None


CHECKS = [
    Check("get-known", GET, [("iia_id", "n-1")], 200, ("n-1",)),
    Check("get-known-and-unknown", GET, [("iia_id", "n-1"), ("iia_id", FAKE)], 200, ("n-1",)),
    Check("get-unknown", GET, [("iia_id", FAKE)], 200, ()),
    Check("get-no-parameters", GET, [], 400),
    Check("get-only-unknown-parameter", GET, [("iia_id_param", "n-1")], 400),
    Check("get-max-known", GET, [("iia_id", "n-1")] * MAX_IDS, 200, ("n-1",)),
    Check("get-over-max-known", GET, [("iia_id", "n-1")] * (MAX_IDS + 1), 400),
    Check("get-over-max-unknown", GET, [("iia_id", FAKE)] * (MAX_IDS + 1), 400),
    Check("approval-known", APPROVAL, [("iia_id", "s-1"), ("iia_id", FAKE)], 200, ("s-1",)),
    Check("approval-unknown", APPROVAL, [("iia_id", FAKE)], 200, ()),
    Check("approval-no-parameters", APPROVAL, [], 400),
    Check("approval-over-max", APPROVAL, [("iia_id", "s-1")] * (MAX_IDS + 1), 400),
    Check("index-all", INDEX, [], 200, ("n-1", "n-2")),
    Check("index-year", INDEX, [("receiving_academic_year_id", "2026/2027")], 200, ("n-1", "n-2")),
    Check("index-year-outside", INDEX, [("receiving_academic_year_id", "2040/2041")], 200, ()),
    Check("index-year-malformed", INDEX, [("receiving_academic_year_id", "2026-2027")], 400),
    Check(
        "index-since-past",
        INDEX,
        [("modified_since", "2004-02-12T15:19:21+01:00")],
        200,
        ("n-1", "n-2"),
    ),
    Check("index-since-future", INDEX, [("modified_since", "2999-02-12T15:19:21+01:00")], 200, ()),
    Check("index-since-twice", INDEX, [("modified_since", "2004-02-12T15:19:21+01:00")] * 2, 400),
    Check("index-since-not-a-date", INDEX, [("modified_since", FAKE)], 400),
    Check("index-since-date-only", INDEX, [("modified_since", "2004-02-12")], 400),
    Check("index-since-us-format", INDEX, [("modified_since", "05/29/2015 05:50")], 400),
]


@pytest.fixture(scope="module")
def app() -> FastAPI:
    app = create_app(
        MockConfig(
            base_url=BASE,
            server_key=key(1),
            client_key=key(2),
            hei_ids=(NORTH,),
            replay_protection=False,
        )
    )
    node = node_of_app(app)
    node.register_client(key(3).public_key, [SOUTH])
    node.iias.put(north("n-1", "s-1"))
    node.iias.put(north("n-2", None))
    node.approvals.put(NORTH, ApprovalRecord(partner_hei_id=SOUTH, iia_id="s-1", iia_hash="a" * 64))
    return app


async def send(
    app: FastAPI, method: str, path: str, params: list[tuple[str, str]], ask_signed: bool
) -> tuple[httpx.Response, SentRequest]:
    query = urlencode(params)
    if method == "GET":
        target, body, headers = (f"{path}?{query}" if query else path), b"", {}
    else:
        target, body = path, query.encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
    signed = RequestSigner(key(3), ask_signed_response=ask_signed).sign(
        method=method, target=target, body=body, headers=list(headers.items()), host="mock.test"
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        response = await http.request(
            method, target, content=body, headers={**dict(signed.headers), **headers}
        )
    return response, SentRequest.from_signature(signed)


@pytest.mark.parametrize("ask_signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
async def test_validator_check(app: FastAPI, check: Check, method: str, ask_signed: bool) -> None:
    response, sent = await send(app, method, check.path, check.params, ask_signed)
    assert response.status_code == check.status
    validate(response.content)
    if ask_signed:
        verifier(app).verify(
            request=sent,
            endpoint=f"{BASE}{check.path}",
            headers=response.headers.multi_items(),
            body=response.content,
        )
    if check.status != 200:
        assert parse_error_response(response.content).developer
        return
    if check.path == GET:
        shown = tuple(i.partners[0].iia_id for i in decode(response.content, IiasGetResponse).iias)
    elif check.path == APPROVAL:
        shown = tuple(a.iia_id for a in decode(response.content, IiasApprovalResponse).approvals)
    else:
        shown = decode(response.content, IiasIndexResponse).iia_ids
    assert tuple(sorted(s or "" for s in shown)) == check.ids


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("path", [GET, INDEX, APPROVAL])
async def test_other_methods_are_405(app: FastAPI, path: str, method: str) -> None:
    response, _ = await send(app, method, path, [], True)
    assert response.status_code == 405


@pytest.mark.skipif(not reference.available(), reason=reference.MISSING_REASON)
async def test_answers_are_valid_against_the_official_schemas(app: FastAPI) -> None:
    get, _ = await send(app, "GET", GET, [("iia_id", "n-1"), ("iia_id", "n-2")], True)
    index, _ = await send(app, "GET", INDEX, [], True)
    approval, _ = await send(app, "GET", APPROVAL, [("iia_id", "s-1")], True)
    for response in (get, index, approval):
        root = decode_root_namespace(response.content)
        reference.official_schema(root).validate(response.content)


def decode_root_namespace(document: bytes) -> str:
    tag = parse_xml(document).getroot().tag
    return tag[1:].partition("}")[0]
