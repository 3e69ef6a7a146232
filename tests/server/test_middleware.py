"""EwpSignatureMiddleware in front of a bare ASGI app (no web framework), over httpx ASGI.

The app is twenty lines of raw ASGI: what it sees (the verified result in
``scope["state"]``, the replayed body) and what the client gets back (status,
error-response, challenge headers, a response signature that verifies) are
both asserted. One request is signed by hand from the
:mod:`ewp_client.security` primitives and sent with plain httpx, so the
middleware is not only tested against our own signer.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Iterator, MutableMapping
from typing import Any

import httpx
import pytest

from ewp_client.error_response import parse_error_response
from ewp_client.errors import DigestError, InvalidParameter, MissingSignatureError
from ewp_client.security import (
    InMemoryKeyResolver,
    RequestSignature,
    RequestSigner,
    RequestVerifier,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    combine_headers,
    digest_header,
    format_http_date,
    generate_private_key,
    new_request_id,
    request_target,
    sign_rsa_sha256,
    signing_string,
)
from ewp_client.server import (
    ECHO,
    FORM,
    IIAS_STATS,
    SIGNATURE_ERROR_KEY,
    VERIFIED_KEY,
    EwpSignatureMiddleware,
    verified_of,
)
from ewp_client.xml.validate import validate

HOST = "sis.test"
BASE = f"http://{HOST}"
CLIENT_HEI = "client.example.org"

Scope = dict[str, Any]


@functools.cache
def key(n: int) -> SigningKey:
    return SigningKey(generate_private_key())


def resolver() -> InMemoryKeyResolver:
    keys = InMemoryKeyResolver()
    keys.add_client_key(key(1).public_key, [CLIENT_HEI])
    keys.add_server_key(key(2).public_key, [f"{BASE}/"])
    return keys


seen: list[Scope] = []


async def bare_app(scope: Scope, receive: Any, send: Any) -> None:
    """Answers ``keyId|HEIs|body`` as text; ``/bad`` raises a 400, ``/boom`` crashes."""
    seen.append(scope)
    message = await receive()
    if scope["path"] == "/bad":
        raise InvalidParameter("iia_id is missing", parameter="iia_id")
    if scope["path"] == "/boom":
        raise RuntimeError("a bug in the SIS")
    verified = verified_of(scope)
    text = "unverified" if verified is None else f"{verified.key_id}|{','.join(verified.heis)}"
    body = f"{text}|".encode() + message["body"]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def middleware(**options: Any) -> EwpSignatureMiddleware:
    settings: dict[str, Any] = {
        "verifier": RequestVerifier(resolver()),
        "signer": ResponseSigner(key(2)),
        "host": HOST,
        **options,
    }
    return EwpSignatureMiddleware(bare_app, **settings)  # type: ignore[arg-type]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    seen.clear()
    transport = httpx.ASGITransport(app=middleware(max_body_bytes=100))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


def signed(target: str, *, method: str = "GET", body: bytes = b"") -> RequestSignature:
    headers = [("Content-Type", FORM)] if body else []
    return RequestSigner(key(1)).sign(
        method=method, target=target, body=body, headers=headers, host=HOST
    )


def verify_answer(signature: RequestSignature, response: httpx.Response, path: str) -> set[str]:
    result = ResponseVerifier(resolver()).verify(
        request=SentRequest.from_signature(signature),
        endpoint=f"{BASE}{path}",
        headers=response.headers.multi_items(),
        body=response.content,
    )
    return set(result.covered)


async def test_a_verified_request_reaches_the_app_with_its_result_and_body(
    http: httpx.AsyncClient,
) -> None:
    body = b"echo=a"
    signature = signed("/echo", method="POST", body=body)
    headers = {**dict(signature.headers), "Content-Type": FORM}
    response = await http.post("/echo", content=body, headers=headers)
    assert response.status_code == 200
    assert response.content == f"{key(1).key_id}|{CLIENT_HEI}|echo=a".encode()
    assert {"digest", "x-request-id", "x-request-signature"} <= verify_answer(
        signature, response, "/echo"
    )
    assert seen[0]["state"]["ewp_verified"].body == body


async def test_no_signature_is_401_with_the_challenge_and_the_app_is_not_called(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/echo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Signature realm="EWP"'
    assert response.headers["want-digest"] == "SHA-256"
    validate(response.content)
    assert seen == []


async def test_an_unknown_key_is_403(http: httpx.AsyncClient) -> None:
    signature = RequestSigner(key(3)).sign(method="GET", target="/echo", body=b"", host=HOST)
    response = await http.get("/echo", headers=dict(signature.headers))
    assert response.status_code == 403
    assert key(3).key_id in (parse_error_response(response.content).developer or "")
    assert seen == []


async def test_a_tampered_body_is_400_and_its_error_is_signed(http: httpx.AsyncClient) -> None:
    signature = signed("/echo", method="POST", body=b"echo=a")
    headers = {**dict(signature.headers), "Content-Type": FORM}
    response = await http.post("/echo", content=b"echo=b", headers=headers)
    assert response.status_code == 400
    assert "digest" in (parse_error_response(response.content).developer or "").lower()
    assert "x-request-signature" in verify_answer(signature, response, "/echo")


async def test_the_outer_layers_see_why_a_request_was_refused_or_whose_it_was() -> None:
    """The refusal, or the verified result, is left in the ``scope["state"]`` given."""
    states: list[dict[str, Any]] = []

    async def outer(scope: Scope, receive: Any, send: Any) -> None:
        state: dict[str, Any] = {}
        states.append(state)
        await middleware()({**scope, "state": state}, receive, send)

    body = b"echo=a"
    signature = signed("/echo", method="POST", body=body)
    headers = {**dict(signature.headers), "Content-Type": FORM}
    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        assert (await client.post("/echo", content=body, headers=headers)).status_code == 200
        tampered = await client.post("/echo", content=b"echo=b", headers=headers)
        assert tampered.status_code == 400
        assert (await client.get("/echo")).status_code == 401
    verified, digest, unsigned = states
    assert verified[VERIFIED_KEY].key_id == key(1).key_id
    assert SIGNATURE_ERROR_KEY not in verified
    assert isinstance(digest[SIGNATURE_ERROR_KEY], DigestError)
    assert isinstance(unsigned[SIGNATURE_ERROR_KEY], MissingSignatureError)
    assert VERIFIED_KEY not in digest
    assert VERIFIED_KEY not in unsigned


async def test_a_wrong_host_is_400(http: httpx.AsyncClient) -> None:
    signature = RequestSigner(key(1)).sign(
        method="GET", target="/echo", body=b"", host="other.test"
    )
    response = await http.get("/echo", headers=dict(signature.headers))
    assert response.status_code == 400


async def test_errors_the_app_raises_are_error_responses(http: httpx.AsyncClient) -> None:
    signature = signed("/bad")
    response = await http.get("/bad", headers=dict(signature.headers))
    assert response.status_code == 400
    assert parse_error_response(response.content).developer == "iia_id is missing"
    verify_answer(signature, response, "/bad")


async def test_a_crash_is_a_500_error_response_logged_once(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    response = await http.get("/boom", headers=dict(signed("/boom").headers))
    assert response.status_code == 500
    validate(response.content)
    assert "a bug in the SIS" not in response.text
    assert [r.name for r in caplog.records if r.exc_info] == ["ewp_client.server"]


async def test_a_body_over_the_limit_is_413_before_verification(http: httpx.AsyncClient) -> None:
    response = await http.post("/echo", content=b"x" * 101, headers={"Content-Type": FORM})
    assert response.status_code == 413
    assert "100 bytes" in (parse_error_response(response.content).developer or "")
    assert seen == []


async def test_a_hand_signed_request_from_plain_httpx_is_accepted(
    http: httpx.AsyncClient,
) -> None:
    """Built from the primitives (digest, date, signing string, RSA), not our signer."""
    body = b"echo=hand"
    headers = [
        ("Host", HOST),
        ("Date", format_http_date(time.time())),
        ("X-Request-Id", new_request_id()),
        ("Digest", digest_header(body)),
        ("Content-Type", FORM),
        ("Accept-Signature", "rsa-sha256"),
    ]
    covered = ["(request-target)", "host", "date", "digest", "x-request-id"]
    data = signing_string(covered, combine_headers(headers), target=request_target("POST", "/echo"))
    signature = sign_rsa_sha256(key(1).private_key, data)
    authorization = (
        f'Signature keyId="{key(1).key_id}",algorithm="rsa-sha256",'
        f'headers="{" ".join(covered)}",signature="{signature}"'
    )
    response = await http.post(
        "/echo", content=body, headers=[*headers, ("Authorization", authorization)]
    )
    assert response.status_code == 200
    assert response.content.endswith(b"|echo=hand")
    assert response.headers["x-request-signature"] == signature


async def test_routes_verify_only_their_paths_and_refuse_methods_first() -> None:
    seen.clear()
    app = middleware(routes={"/echo": ECHO, "/stats": IIAS_STATS})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        put = await http.put("/echo", content=b"x")
        post_stats = await http.post(
            "/stats", headers=dict(signed("/stats", method="POST").headers)
        )
        public = await http.get("/manifest.xml")
    assert put.status_code == 405
    assert post_stats.status_code == 405
    assert "GET" in (parse_error_response(post_stats.content).developer or "")
    assert public.status_code == 200
    assert public.content == b"unverified|"
    assert [s["path"] for s in seen] == ["/manifest.xml"]


async def test_public_paths_pass_unverified_and_others_need_a_signature() -> None:
    seen.clear()
    app = middleware(public=lambda path: path.startswith("/manifests/"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        manifest = await http.get("/manifests/a.xml")
        other = await http.get("/anything")
    assert manifest.status_code == 200
    assert other.status_code == 401


async def test_without_a_signer_answers_are_never_signed(http: httpx.AsyncClient) -> None:
    app = middleware(signer=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        response = await client.get("/echo", headers=dict(signed("/echo").headers))
    assert response.status_code == 200
    assert "signature" not in response.headers


async def test_a_client_leaving_mid_body_is_one_warning_and_no_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    messages: Iterator[dict[str, Any]] = iter(
        [
            {"type": "http.request", "body": b"echo=", "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "headers": [(b"host", HOST.encode())],
        "client": ("127.0.0.1", 5000),
    }
    await middleware()(scope, receive, send)
    assert sent == []
    (record,) = [r for r in caplog.records if r.name == "ewp_client.server"]
    assert "went away before sending the whole request body (POST /echo)" in record.getMessage()
