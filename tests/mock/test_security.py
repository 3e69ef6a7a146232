"""Client authentication at the mock, and its signed answers, over ASGI (no sockets).

Each request is signed with ewp_client's RequestSigner (or through EwpAuth);
each answer is checked with ewp_client's ResponseVerifier against the
catalogue the mock itself publishes.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.errors import ResponseBindingError, UnsignedResponseError
from ewp_client.models import EchoResponse
from ewp_client.security import (
    RequestSignature,
    RequestSigner,
    SentRequest,
    SigningKey,
    VerifyResult,
    new_request_id,
)
from tests.mock.conftest import BASE, CLIENT_HEI, auth, key, verifier

ECHO_URL = f"{BASE}/ewp/echo"
FORM = "application/x-www-form-urlencoded"


def sign(
    target: str = "/ewp/echo",
    *,
    method: str = "GET",
    body: bytes = b"",
    signing_key: SigningKey | None = None,
    host: str = "mock.test",
    **kwargs: float | str,
) -> RequestSignature:
    headers = [("Content-Type", FORM)] if body else []
    return RequestSigner(signing_key or key(3)).sign(
        method=method,
        target=target,
        body=body,
        headers=headers,
        host=host,
        **kwargs,  # type: ignore[arg-type]
    )


def wire_headers(signed: RequestSignature, body: bytes = b"") -> dict[str, str]:
    headers = dict(signed.headers)
    if body:
        headers["Content-Type"] = FORM
    return headers


def verify_answer(app: FastAPI, signed: SentRequest, response: httpx.Response) -> VerifyResult:
    return verifier(app).verify(
        request=signed,
        endpoint=ECHO_URL,
        headers=response.headers.multi_items(),
        body=response.content,
    )


async def test_signed_get_is_answered_with_a_signed_echo(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    signed = sign("/ewp/echo?echo=a&echo=b%20c&echo=")
    response = await http.get("/ewp/echo?echo=a&echo=b%20c&echo=", headers=wire_headers(signed))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    result = verify_answer(app, SentRequest.from_signature(signed), response)
    assert result.key_id == key(1).key_id
    assert {"digest", "x-request-id", "x-request-signature"} <= set(result.covered)
    echo = decode(response.content, EchoResponse)
    assert echo.echoes == ("a", "b c", "")
    assert echo.hei_ids == (CLIENT_HEI,)


async def test_signed_post_through_ewp_auth_echoes_the_form_values(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        "/ewp/echo", data={"echo": ["één", "two"], "other": "x"}, auth=auth(app)
    )
    assert response.status_code == 200
    assert response.extensions["ewp_verified"].key_id == key(1).key_id
    assert decode(response.content, EchoResponse).echoes == ("één", "two")


async def test_post_with_a_non_form_body_is_415(app: FastAPI, http: httpx.AsyncClient) -> None:
    # 415, as the official validator's reference servers answer (it was 400 before).
    response = await http.post(
        "/ewp/echo", content=b"<echo/>", headers={"Content-Type": "text/xml"}, auth=auth(app)
    )
    assert response.status_code == 415
    assert "x-www-form-urlencoded" in (parse_error_response(response.content).developer or "")


async def test_no_signature_is_401_with_the_challenge(http: httpx.AsyncClient) -> None:
    response = await http.get("/ewp/echo?echo=a")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Signature realm="EWP"'
    assert response.headers["want-digest"] == "SHA-256"
    assert parse_error_response(response.content).developer
    assert "signature" not in response.headers  # nobody asked for a signed answer


async def test_a_body_changed_after_signing_is_400_digest(http: httpx.AsyncClient) -> None:
    signed = sign(method="POST", body=b"echo=a")
    response = await http.post(
        "/ewp/echo", content=b"echo=b", headers=wire_headers(signed, b"echo=a")
    )
    assert response.status_code == 400
    assert "digest mismatch" in (parse_error_response(response.content).developer or "")


async def test_an_unknown_key_is_403(http: httpx.AsyncClient) -> None:
    signed = sign(signing_key=key(9))
    response = await http.get("/ewp/echo", headers=wire_headers(signed))
    assert response.status_code == 403
    assert key(9).key_id in (parse_error_response(response.content).developer or "")


async def test_the_server_key_is_not_a_client_key(http: httpx.AsyncClient) -> None:
    signed = sign(signing_key=key(1))
    response = await http.get("/ewp/echo", headers=wire_headers(signed))
    assert response.status_code == 403


async def test_a_replayed_request_id_is_400(app: FastAPI, http: httpx.AsyncClient) -> None:
    signed = sign("/ewp/echo?echo=once")
    first = await http.get("/ewp/echo?echo=once", headers=wire_headers(signed))
    again = await http.get("/ewp/echo?echo=once", headers=wire_headers(signed))
    assert first.status_code == 200
    assert again.status_code == 400
    assert signed.request_id in (parse_error_response(again.content).developer or "")


async def test_replay_protection_can_be_turned_off(http: httpx.AsyncClient) -> None:
    from ewp_mock import create_app, node_of_app
    from tests.mock.conftest import make_config

    app = create_app(make_config(replay_protection=False))
    node_of_app(app).register_client(key(3).public_key, [CLIENT_HEI])
    signed = sign()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        statuses = [
            (await c.get("/ewp/echo", headers=wire_headers(signed))).status_code for _ in range(2)
        ]
    assert statuses == [200, 200]


async def test_a_request_signed_for_another_host_is_400(http: httpx.AsyncClient) -> None:
    signed = sign(host="other.test")
    response = await http.get("/ewp/echo", headers=wire_headers(signed))
    assert response.status_code == 400
    assert "other.test" in (parse_error_response(response.content).developer or "")


async def test_a_stale_date_is_400(http: httpx.AsyncClient) -> None:
    signed = sign(now=1_000_000_000.0)
    response = await http.get("/ewp/echo", headers=wire_headers(signed))
    assert response.status_code == 400
    assert "Date" in (parse_error_response(response.content).developer or "")


@pytest.mark.parametrize(
    ("signing_key", "status"), [(9, 403), (None, 401)], ids=["unknown-key", "unsigned"]
)
async def test_error_responses_are_signed_too(
    app: FastAPI, http: httpx.AsyncClient, signing_key: int | None, status: int
) -> None:
    if signing_key is None:
        request_id = new_request_id()
        sent = SentRequest(request_id=request_id)
        headers = {"X-Request-Id": request_id, "Accept-Signature": "rsa-sha256"}
    else:
        signed = sign(signing_key=key(signing_key))
        sent = SentRequest.from_signature(signed)
        headers = wire_headers(signed)
    response = await http.get("/ewp/echo", headers=headers)
    assert response.status_code == status
    result = verify_answer(app, sent, response)
    assert result.key_id == key(1).key_id
    if status == 401:
        assert {"www-authenticate", "want-digest"} <= set(result.covered)


async def test_the_response_echoes_the_request_signature(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    signed = sign()
    response = await http.get("/ewp/echo", headers=wire_headers(signed))
    other = SentRequest(request_id=signed.request_id, signature="not-ours")
    with pytest.raises(ResponseBindingError):
        verify_answer(app, other, response)


async def test_without_accept_signature_the_answer_is_unsigned(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    signed = RequestSigner(key(3), ask_signed_response=False).sign(
        method="GET", target="/ewp/echo", body=b"", host="mock.test"
    )
    response = await http.get("/ewp/echo", headers=dict(signed.headers))
    assert response.status_code == 200
    with pytest.raises(UnsignedResponseError):
        verify_answer(app, SentRequest.from_signature(signed), response)


async def test_unknown_paths_and_methods_answer_error_responses(http: httpx.AsyncClient) -> None:
    missing = await http.get("/ewp/nothing-here")
    wrong = await http.put("/ewp/echo")
    assert missing.status_code == 404
    assert wrong.status_code == 405
    for response in (missing, wrong):
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        assert parse_error_response(response.content).developer


async def test_a_post_whose_content_type_is_not_signed_is_still_read(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    # The spec makes clients sign (request-target), host, date, digest, x-request-id only.
    body = b"echo=a&echo=b"
    signed = RequestSigner(key(3), also_sign=()).sign(
        method="POST",
        target="/ewp/echo",
        body=body,
        headers=[("Content-Type", FORM)],
        host="mock.test",
    )
    assert "content-type" not in signed.covered
    response = await http.post("/ewp/echo", content=body, headers=wire_headers(signed, body))
    assert response.status_code == 200
    assert decode(response.content, EchoResponse).echoes == ("a", "b")
