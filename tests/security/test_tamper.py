"""Every single-point mutation of a signed message is rejected, with the right error.

The tamper helper (:func:`tests.security.messages.tamper`) flips a bit of the
signature, changes each signed header to another value of the same shape
(dates by one second, ids to another UUID) and extends the body.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from ewp_client.errors import (
    DigestMismatch,
    HostMismatchError,
    HttpSignatureError,
    ResponseCorrelationError,
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

from .messages import BODY, ENDPOINT, HOST, NOW, TARGET, Message, rejection_problem, tamper

REQUEST_EXPECTED: dict[str, type[HttpSignatureError]] = {
    "body": DigestMismatch,
    "host": HostMismatchError,
}
RESPONSE_EXPECTED: dict[str, type[HttpSignatureError]] = {
    "body": DigestMismatch,
    "x-request-id": ResponseCorrelationError,
    "x-request-signature": ResponseCorrelationError,
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
    tried, rejected, problems = [], 0, []
    for what, mutated in tamper(msg, signature_header="authorization"):
        tried.append(what)
        check = partial(
            request_verifier.verify,
            method=mutated.method,
            target=mutated.target,
            headers=mutated.headers,
            body=mutated.body,
            host=HOST,
            now=NOW,
        )
        expected = REQUEST_EXPECTED.get(what, SignatureMismatchError)
        problem = rejection_problem(check, expected, status=400)
        if problem is None:
            rejected += 1
        else:
            problems.append(f"{what}: {problem}")
    figures(f"request tamper mutations rejected with the expected error: {rejected}/{len(tried)}")
    assert problems == []
    # signature, body, and every header the library signs on a request
    assert set(tried) >= {
        "signature", "body", "(request-target)", "host", "date", "digest", "x-request-id",
        "content-type", "accept-signature", "want-digest",
    }  # fmt: skip


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
    tried, rejected, problems = [], 0, []
    for what, mutated in tamper(msg, signature_header="signature"):
        tried.append(what)
        check = partial(
            response_verifier.verify,
            request=sent,
            endpoint=ENDPOINT,
            headers=mutated.headers,
            body=mutated.body,
            now=NOW,
        )
        problem = rejection_problem(check, RESPONSE_EXPECTED.get(what, SignatureMismatchError))
        if problem is None:
            rejected += 1
        else:
            problems.append(f"{what}: {problem}")
    figures(f"response tamper mutations rejected with the expected error: {rejected}/{len(tried)}")
    assert problems == []
    assert set(tried) >= {
        "signature", "body", "original-date", "digest", "x-request-id", "x-request-signature",
        "content-type", "cache-control",
    }  # fmt: skip
