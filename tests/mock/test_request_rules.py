"""The request rules of ewp_client.server, as the mock's Echo endpoint applies them.

Every combination of {GET, POST} × {response signature asked or not} is
answered 200 with a schema-valid echo; each refusal has its status and a
schema-valid ``error-response``, signed when the client asked.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.models import EchoResponse
from ewp_client.security import RequestSigner, SentRequest
from ewp_client.xml.validate import validate
from tests.mock.conftest import BASE, CLIENT_HEI, key, verifier

FORM = "application/x-www-form-urlencoded"
PATH = "/ewp/echo"


async def send(
    http: httpx.AsyncClient,
    method: str,
    *,
    query: str = "",
    body: bytes = b"",
    content_type: str | None = None,
    ask_signed: bool = True,
) -> tuple[httpx.Response, SentRequest]:
    target = f"{PATH}?{query}" if query else PATH
    headers = [("Content-Type", content_type)] if content_type else []
    signed = RequestSigner(key(3), ask_signed_response=ask_signed).sign(
        method=method, target=target, body=body, headers=headers, host="mock.test"
    )
    sent = dict(signed.headers)
    if content_type:
        sent["Content-Type"] = content_type
    response = await http.request(method, target, content=body, headers=sent)
    return response, SentRequest.from_signature(signed)


def signature_of(app: FastAPI, sent: SentRequest, response: httpx.Response) -> set[str]:
    return set(
        verifier(app)
        .verify(
            request=sent,
            endpoint=f"{BASE}{PATH}",
            headers=response.headers.multi_items(),
            body=response.content,
        )
        .covered
    )


@pytest.mark.parametrize("ask_signed", [True, False], ids=["signed-answer", "unsigned-answer"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_get_and_post_with_or_without_a_signed_answer(
    app: FastAPI, http: httpx.AsyncClient, method: str, ask_signed: bool
) -> None:
    if method == "GET":
        response, sent = await send(http, "GET", query="echo=a&echo=", ask_signed=ask_signed)
    else:
        response, sent = await send(
            http, "POST", body=b"echo=a&echo=", content_type=FORM, ask_signed=ask_signed
        )
    assert response.status_code == 200
    validate(response.content)
    answer = decode(response.content, EchoResponse)
    assert answer.echoes == ("a", "")
    assert answer.hei_ids == (CLIENT_HEI,)
    assert ("signature" in response.headers) is ask_signed
    if ask_signed:
        assert "x-request-signature" in signature_of(app, sent, response)


@pytest.mark.parametrize(
    ("method", "body", "content_type", "status"),
    [
        ("PUT", b"", None, 405),
        ("DELETE", b"", None, 405),
        ("PATCH", b"echo=a", FORM, 405),
        ("POST", b"<echo/>", "text/xml", 415),
        ("POST", b"echo=a", f"{FORM}; charset=ISO-8859-1", 415),
        ("POST", b"echo=%ff", FORM, 400),
        ("POST", b"echo=%00", FORM, 400),
    ],
    ids=["put", "delete", "patch", "xml-body", "latin-1-form", "not-utf8", "nul"],
)
async def test_refusals_are_signed_error_responses(
    app: FastAPI,
    http: httpx.AsyncClient,
    method: str,
    body: bytes,
    content_type: str | None,
    status: int,
) -> None:
    response, sent = await send(http, method, body=body, content_type=content_type)
    assert response.status_code == status
    validate(response.content)
    assert parse_error_response(response.content).developer
    assert "x-request-signature" in signature_of(app, sent, response)


async def test_a_form_with_a_utf8_charset_is_read(http: httpx.AsyncClient) -> None:
    response, _ = await send(
        http, "POST", body=b"echo=%C3%A9", content_type=f"{FORM}; charset=UTF-8"
    )
    assert response.status_code == 200
    assert decode(response.content, EchoResponse).echoes == ("é",)


async def test_an_unsigned_put_is_405_before_authentication(http: httpx.AsyncClient) -> None:
    response = await http.put(PATH, content=b"echo=a")
    assert response.status_code == 405
    assert "GET or POST" in (parse_error_response(response.content).developer or "")
