"""Every single-point mutation of a signed message is rejected, with the right error.

The tamper helper (:func:`tests.security.messages.tamper`) flips a bit of the
signature, changes each signed header to another value of the same shape
(dates by one second, ids to another UUID) and extends the body.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ewp_client.errors import (
    DigestError,
    HostMismatchError,
    HttpSignatureError,
    ResponseBindingError,
    SignatureMismatchError,
)
from ewp_client.security import (
    RequestSigner,
    RequestVerifier,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
)

from .messages import BODY, ENDPOINT, HOST, NOW, TARGET, Message, tamper

REQUEST_EXPECTED: dict[str, type[HttpSignatureError]] = {
    "body": DigestError,
    "host": HostMismatchError,
}
RESPONSE_EXPECTED: dict[str, type[HttpSignatureError]] = {
    "body": DigestError,
    "x-request-id": ResponseBindingError,
    "x-request-signature": ResponseBindingError,
}


def _library_request(client_key: SigningKey) -> tuple[Message, SentRequest]:
    headers = (("Host", HOST), ("Content-Type", "application/x-www-form-urlencoded"))
    signed = RequestSigner(client_key).sign(
        method="POST", target=TARGET, body=BODY, headers=headers, now=NOW
    )
    names = {n.lower() for n, _ in signed.headers}
    kept = tuple((n, v) for n, v in headers if n.lower() not in names)
    return Message(headers=kept + signed.headers, body=BODY), SentRequest.from_signature(signed)


def test_every_request_mutation_is_rejected(
    client_key: SigningKey, request_verifier: RequestVerifier, figures: Callable[[str], None]
) -> None:
    msg, _ = _library_request(client_key)
    request_verifier.verify(
        method=msg.method, target=msg.target, headers=msg.headers, body=msg.body, host=HOST, now=NOW
    )
    seen = []
    for what, mutated in tamper(msg, signature_header="authorization"):
        expected = REQUEST_EXPECTED.get(what, SignatureMismatchError)
        with pytest.raises(expected) as caught:
            request_verifier.verify(
                method=mutated.method,
                target=mutated.target,
                headers=mutated.headers,
                body=mutated.body,
                host=HOST,
                now=NOW,
            )
        assert type(caught.value) is expected, what
        assert caught.value.status == 400
        seen.append(what)
    # signature, body, and every header the library signs on a request
    assert set(seen) >= {
        "signature", "body", "(request-target)", "host", "date", "digest", "x-request-id",
        "content-type", "accept-signature", "want-digest",
    }  # fmt: skip
    figures(f"request tamper mutations rejected: {len(seen)}/{len(seen)}")


def test_every_response_mutation_is_rejected(
    client_key: SigningKey,
    server_key: SigningKey,
    response_verifier: ResponseVerifier,
    figures: Callable[[str], None],
) -> None:
    request, sent = _library_request(client_key)
    headers = (("Content-Type", "application/xml"),)
    body = b"<response/>"
    added = ResponseSigner(server_key).sign(
        request_headers=request.headers, headers=headers, body=body, now=NOW
    )
    msg = Message(headers=headers + added, body=body)
    response_verifier.verify(
        request=sent, endpoint=ENDPOINT, headers=msg.headers, body=msg.body, now=NOW
    )
    seen = []
    for what, mutated in tamper(msg, signature_header="signature"):
        expected = RESPONSE_EXPECTED.get(what, SignatureMismatchError)
        with pytest.raises(expected) as caught:
            response_verifier.verify(
                request=sent, endpoint=ENDPOINT, headers=mutated.headers, body=mutated.body, now=NOW
            )
        assert type(caught.value) is expected, what
        seen.append(what)
    assert set(seen) >= {
        "signature", "body", "original-date", "digest", "x-request-id", "x-request-signature",
        "content-type", "cache-control",
    }  # fmt: skip
    figures(f"response tamper mutations rejected: {len(seen)}/{len(seen)}")
