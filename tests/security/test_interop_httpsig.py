"""Interoperability with an independent draft-cavage implementation: PyPI ``httpsig`` 1.3.0.

``httpsig`` (pycryptodome-based, not sharing any code with us) verifies the
requests and responses our signers produce, and we verify the ones it signs.
Digests, dates and ids on the ``httpsig`` side are computed here with the
standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import pytest

from ewp_client.errors import HttpSignatureError
from ewp_client.security import (
    RequestSigner,
    RequestVerifier,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    private_key_pem,
    public_key_pem,
)

from .messages import BODY, ENDPOINT, HOST, NOW, TARGET

httpsig_sign: Any = pytest.importorskip("httpsig.sign", reason="httpsig 1.3.0 is not installed")
httpsig_verify: Any = pytest.importorskip("httpsig.verify")

EWP_REQUEST_HEADERS = ["(request-target)", "host", "date", "digest", "x-request-id"]


def _our_request(key: SigningKey) -> tuple[dict[str, str], SentRequest]:
    base = {"Host": HOST, "Content-Type": "application/x-www-form-urlencoded"}
    signed = RequestSigner(key).sign(
        method="POST", target=TARGET, body=BODY, headers=base.items(), now=NOW
    )
    return {**base, **dict(signed.headers)}, SentRequest.from_signature(signed)


def httpsig_on_our_request(client_key: SigningKey) -> str | None:
    """``httpsig`` accepts our request signature and refuses it once a signed header changed."""
    headers, _ = _our_request(client_key)

    def verified(with_headers: dict[str, str]) -> bool:
        verifier = httpsig_verify.HeaderVerifier(
            headers=with_headers,
            secret=public_key_pem(client_key.private_key),
            required_headers=EWP_REQUEST_HEADERS,
            method="POST",
            path=TARGET,
        )
        return bool(verifier.verify())

    if not verified(headers):
        return "httpsig refused our request signature"
    if verified({**headers, "X-Request-Id": str(uuid.uuid4())}):
        return "httpsig accepted our request signature over a changed X-Request-Id"
    return None


def we_on_httpsig_request(client_key: SigningKey, verifier: RequestVerifier) -> str | None:
    headers = {
        "Host": HOST,
        "Date": formatdate(NOW, usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode(),
        "X-Request-Id": str(uuid.uuid4()),
    }
    signer = httpsig_sign.HeaderSigner(
        key_id=client_key.key_id,
        secret=private_key_pem(client_key.private_key),
        algorithm="rsa-sha256",
        headers=EWP_REQUEST_HEADERS,
    )
    signed = dict(signer.sign(headers, method="POST", path=TARGET).items())
    try:
        result = verifier.verify(
            method="POST", target=TARGET, headers=signed.items(), body=BODY, host=HOST, now=NOW
        )
    except HttpSignatureError as exc:
        return f"we refused httpsig's request: {type(exc).__name__}: {exc}"
    if (result.key_id, result.request_id) != (client_key.key_id, headers["X-Request-Id"]):
        return f"we read httpsig's request as {result.key_id}, {result.request_id}"
    return None


def httpsig_on_our_response(client_key: SigningKey, server_key: SigningKey) -> str | None:
    request, _ = _our_request(client_key)
    body = b"<response/>"
    base = {"Content-Type": "application/xml"}
    added = dict(
        ResponseSigner(server_key).sign(
            request_headers=request.items(), headers=base.items(), body=body, now=NOW
        )
    )
    verifier = httpsig_verify.HeaderVerifier(
        headers={**base, **added},
        secret=public_key_pem(server_key.private_key),
        required_headers=["original-date", "digest", "x-request-id", "x-request-signature"],
        sign_header="signature",
    )
    return None if verifier.verify() is True else "httpsig refused our response signature"


def we_on_httpsig_response(
    client_key: SigningKey, server_key: SigningKey, verifier: ResponseVerifier
) -> str | None:
    _, sent = _our_request(client_key)
    body = b"<response/>"
    headers = {
        "Original-Date": formatdate(NOW, usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "X-Request-Id": sent.request_id or "",
        "X-Request-Signature": sent.signature or "",
    }
    signer = httpsig_sign.HeaderSigner(
        key_id=server_key.key_id,
        secret=private_key_pem(server_key.private_key),
        algorithm="rsa-sha256",
        headers=["original-date", "digest", "x-request-id", "x-request-signature"],
        sign_header="signature",
    )
    signed = dict(signer.sign(headers).items())
    try:
        result = verifier.verify(
            request=sent, endpoint=ENDPOINT, headers=signed.items(), body=body, now=NOW
        )
    except HttpSignatureError as exc:
        return f"we refused httpsig's response: {type(exc).__name__}: {exc}"
    if result.key_id != server_key.key_id:
        return f"we read httpsig's response as signed by {result.key_id}"
    return None


def test_httpsig_verifies_our_request(client_key: SigningKey) -> None:
    assert httpsig_on_our_request(client_key) is None


def test_we_verify_a_request_signed_by_httpsig(
    client_key: SigningKey, request_verifier: RequestVerifier
) -> None:
    assert we_on_httpsig_request(client_key, request_verifier) is None


def test_httpsig_verifies_our_response(client_key: SigningKey, server_key: SigningKey) -> None:
    assert httpsig_on_our_response(client_key, server_key) is None


def test_we_verify_a_response_signed_by_httpsig(
    client_key: SigningKey, server_key: SigningKey, response_verifier: ResponseVerifier
) -> None:
    assert we_on_httpsig_response(client_key, server_key, response_verifier) is None


def test_interop_figure(
    client_key: SigningKey,
    server_key: SigningKey,
    request_verifier: RequestVerifier,
    response_verifier: ResponseVerifier,
    figures: Callable[[str], None],
) -> None:
    """The four directions run again, counted before anything is asserted."""
    problems = [
        httpsig_on_our_request(client_key),
        we_on_httpsig_request(client_key, request_verifier),
        httpsig_on_our_response(client_key, server_key),
        we_on_httpsig_response(client_key, server_key, response_verifier),
    ]
    agreeing = sum(problem is None for problem in problems)
    figures(
        f"interop with httpsig 1.3.0 (our request and response verified by it, its request "
        f"and response verified by us): {agreeing}/{len(problems)}"
    )
    assert [p for p in problems if p is not None] == []
