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


def test_httpsig_verifies_our_request(
    client_key: SigningKey, figures: Callable[[str], None]
) -> None:
    headers, _ = _our_request(client_key)
    verifier = httpsig_verify.HeaderVerifier(
        headers=headers,
        secret=public_key_pem(client_key.private_key),
        required_headers=EWP_REQUEST_HEADERS,
        method="POST",
        path=TARGET,
    )
    assert verifier.verify() is True
    tampered = httpsig_verify.HeaderVerifier(
        headers={**headers, "X-Request-Id": str(uuid.uuid4())},
        secret=public_key_pem(client_key.private_key),
        required_headers=EWP_REQUEST_HEADERS,
        method="POST",
        path=TARGET,
    )
    assert tampered.verify() is False
    figures("interop: httpsig 1.3.0 verifies our request signature")


def test_we_verify_a_request_signed_by_httpsig(
    client_key: SigningKey, request_verifier: RequestVerifier
) -> None:
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
    result = request_verifier.verify(
        method="POST", target=TARGET, headers=signed.items(), body=BODY, host=HOST, now=NOW
    )
    assert result.key_id == client_key.key_id
    assert result.request_id == headers["X-Request-Id"]


def test_httpsig_verifies_our_response(client_key: SigningKey, server_key: SigningKey) -> None:
    request, _ = _our_request(client_key)
    body = b"<response/>"
    base = {"Content-Type": "application/xml"}
    added = dict(
        ResponseSigner(server_key).sign(
            request_headers=request.items(), headers=base.items(), body=body, now=NOW
        )
    )
    response = {**base, **added}
    covered = ["original-date", "digest", "x-request-id", "x-request-signature"]
    verifier = httpsig_verify.HeaderVerifier(
        headers=response,
        secret=public_key_pem(server_key.private_key),
        required_headers=covered,
        sign_header="signature",
    )
    assert verifier.verify() is True


def test_we_verify_a_response_signed_by_httpsig(
    client_key: SigningKey, server_key: SigningKey, response_verifier: ResponseVerifier
) -> None:
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
    result = response_verifier.verify(
        request=sent, endpoint=ENDPOINT, headers=signed.items(), body=body, now=NOW
    )
    assert result.key_id == server_key.key_id
