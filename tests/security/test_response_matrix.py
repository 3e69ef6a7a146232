"""Client-side response verification: the validator's response checks and known issues.

Cases follow the EWP Registry validator's HTTP Signature response authorizer
(``EwpHttpSigResponseAuthorizer``: X-Request-Id echo, Signature header present
and parsable, rsa-sha256, required headers covered, X-Request-Signature match,
dates, key a server key of the endpoint's host, signature, Digest) and the
``httpsig-*`` rows of ``known-issues.md``. Each asserts the exception type.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import pytest

from ewp_client.errors import (
    ClockSkewError,
    CorrelationHeaderNotSigned,
    DateMayBeRewritten,
    DigestComputedBeforeEncoding,
    DigestError,
    DigestMismatch,
    HttpSignatureError,
    InvalidDateHeader,
    KeyNotAuthorizedForApi,
    MalformedSignatureError,
    MissingSignedHeaderError,
    ResponseBindingError,
    ResponseCorrelationError,
    SignatureMismatchError,
    UnknownSigningKey,
    UnsignedResponseError,
    UnsupportedAlgorithmError,
)
from ewp_client.security import (
    InMemoryKeyResolver,
    ResponseSigner,
    ResponseVerifier,
    SentRequest,
    SigningKey,
    VerificationPolicy,
    VerifyResult,
    format_http_date,
    parse_authorization,
)

from .messages import (
    ENDPOINT,
    NOW,
    Message,
    Sender,
    flip_signature,
    rejection_problem,
    sign_response_as,
)

XML = b"<echo-response><hei-id>uni.example.org</hei-id></echo-response>"
COVERED = ("original-date", "digest", "x-request-id", "x-request-signature", "content-type")


@dataclass
class Exchange:
    """A signed request we sent, and the server keys at hand."""

    request: Message
    sent: SentRequest
    server: SigningKey
    other_host: SigningKey
    client: SigningKey
    stranger: SigningKey

    def response(
        self,
        *,
        body: bytes = XML,
        covered: tuple[str, ...] = COVERED,
        key: SigningKey | None = None,
        key_id: str | None = None,
        algorithm: str | None = "rsa-sha256",
        date: float = NOW,
        date_header: str = "Original-Date",
        digest_of: bytes | None = None,
        extra: tuple[tuple[str, str], ...] = (),
        drop: tuple[str, ...] = (),
    ) -> Message:
        """A response signed as told (every knob a broken partner might turn)."""
        digest = base64.b64encode(hashlib.sha256(body if digest_of is None else digest_of).digest())
        fields = {
            "Content-Type": "application/xml",
            date_header: format_http_date(date),
            "Digest": "SHA-256=" + digest.decode(),
            "X-Request-Id": self.sent.request_id or "",
            "X-Request-Signature": self.sent.signature or "",
        }
        headers = tuple((n, v) for n, v in fields.items() if n.lower() not in drop) + extra
        msg = Message(headers=headers, body=body)
        return sign_response_as(
            msg, key or self.server, covered, key_id=key_id, algorithm=algorithm
        )

    def library_response(
        self,
        *,
        body: bytes = XML,
        headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/xml"),),
    ) -> Message:
        """A response signed by :class:`ResponseSigner`, the way the mock partner signs."""
        added = ResponseSigner(self.server).sign(
            request_headers=self.request.headers, headers=headers, body=body, now=NOW
        )
        names = {n.lower() for n, _ in added}
        kept = tuple((n, v) for n, v in headers if n.lower() not in names)
        return Message(headers=kept + added, body=body)


@pytest.fixture
def exchange(
    client_key: SigningKey,
    server_key: SigningKey,
    other_host_key: SigningKey,
    stranger_key: SigningKey,
) -> Exchange:
    request = Sender(client_key).request()
    authorization = request.get("authorization")
    assert authorization is not None
    sent = SentRequest(
        request_id=request.get("x-request-id"),
        signature=parse_authorization(authorization).signature,
    )
    return Exchange(request, sent, server_key, other_host_key, client_key, stranger_key)


def check(
    verifier: ResponseVerifier, ex: Exchange, msg: Message, *, sent: SentRequest | None = None
) -> VerifyResult:
    return verifier.verify(
        request=sent or ex.sent, endpoint=ENDPOINT, headers=msg.headers, body=msg.body, now=NOW
    )


def _edit_signature(msg: Message, edit: Callable[[str], str]) -> Message:
    value = msg.get("signature")
    assert value is not None
    return msg.with_header("Signature", edit(value))


def _gzipped_after_signing(ex: Exchange) -> Message:
    # known-issues httpsig-digest-mismatch: Digest of the plain body, then gzip on the wire.
    signed = ex.response(
        extra=(("Content-Encoding", "gzip"),), covered=(*COVERED, "content-encoding")
    )
    return signed.with_body(gzip.compress(XML))


def _proxy_rewrote_date(ex: Exchange) -> Message:
    # known-issues httpsig-date-rewritten-by-proxy: Date signed, then replaced.
    signed = ex.response(date_header="Date", covered=("date", *COVERED[1:]))
    return signed.with_header("Date", format_http_date(NOW + 1))


REJECTED: dict[str, tuple[Callable[[Exchange], Message], type[HttpSignatureError]]] = {
    # known-issues httpsig-response-unsigned / validator: "contain the Signature header"
    "unsigned 200": (lambda ex: ex.response().without("signature"), UnsignedResponseError),
    # validator: "could not parse response's Signature header"
    "unparsable Signature": (
        lambda ex: ex.response().with_header("Signature", 'keyId="x" signature="y"'),
        MalformedSignatureError,
    ),
    "Signature without keyId": (
        lambda ex: _edit_signature(ex.response(), lambda v: v.replace("keyId=", "kid=")),
        MalformedSignatureError,
    ),
    # validator: "rsa-sha256 algorithm"
    "rsa-sha512 algorithm": (
        lambda ex: ex.response(algorithm="rsa-sha512"),
        UnsupportedAlgorithmError,
    ),
    # validator verifyRequestId / known-issues httpsig-correlation-headers
    "X-Request-Id not echoed": (
        lambda ex: ex.response(
            drop=("x-request-id",), covered=("original-date", "digest", "x-request-signature")
        ),
        ResponseCorrelationError,
    ),
    "X-Request-Id of another request": (
        lambda ex: ex.response().with_header(
            "X-Request-Id", "11111111-2222-4333-8444-555555555555"
        ),
        ResponseCorrelationError,
    ),
    # validator verifyRequestSignatureMatches
    "X-Request-Signature missing": (
        lambda ex: ex.response(
            drop=("x-request-signature",), covered=("original-date", "digest", "x-request-id")
        ),
        ResponseCorrelationError,
    ),
    "X-Request-Signature not ours": (
        lambda ex: ex.response().with_header(
            "X-Request-Signature", flip_signature(ex.sent.signature or "")
        ),
        ResponseCorrelationError,
    ),
    # validator verifyRequiredHeadersAreSigned
    "signs only date and digest": (
        lambda ex: ex.response(covered=("original-date", "digest")),
        CorrelationHeaderNotSigned,
    ),
    "x-request-signature not signed": (
        lambda ex: ex.response(covered=("original-date", "digest", "x-request-id")),
        CorrelationHeaderNotSigned,
    ),
    "no date signed": (
        lambda ex: ex.response(covered=("digest", "x-request-id", "x-request-signature")),
        MissingSignedHeaderError,
    ),
    "digest not signed": (
        lambda ex: ex.response(covered=("original-date", "x-request-id", "x-request-signature")),
        MissingSignedHeaderError,
    ),
    # signed with the header, which is then lost on the way
    "covers a header the response lacks": (
        lambda ex: ex.response(
            covered=(*COVERED, "content-language"), extra=(("Content-Language", "en"),)
        ).without("content-language"),
        MissingSignedHeaderError,
    ),
    # validator verifyDates / known-issues httpsig-date-bad-format, httpsig-clock-skew
    "Original-Date in CEST": (
        lambda ex: _resign_header(ex, "Original-Date", "Mon, 24 Nov 2025 17:00:00 CEST"),
        InvalidDateHeader,
    ),
    "Original-Date 7 minutes behind": (lambda ex: ex.response(date=NOW - 420), ClockSkewError),
    "unsigned Date 10 minutes ahead": (
        lambda ex: ex.response().with_header("Date", format_http_date(NOW + 600)),
        ClockSkewError,
    ),
    # validator lookupServerKey / known-issues httpsig-keyid-unknown
    "key not in the catalogue": (lambda ex: ex.response(key=ex.stranger), UnknownSigningKey),
    "upper-case keyId": (
        lambda ex: ex.response(key_id=ex.server.key_id.upper()),
        UnknownSigningKey,
    ),
    "server key of another host": (
        lambda ex: ex.response(key=ex.other_host),
        KeyNotAuthorizedForApi,
    ),
    "client key used as server key": (
        lambda ex: ex.response(key=ex.client),
        KeyNotAuthorizedForApi,
    ),
    # validator verifySignature
    "signature bit flipped": (
        lambda ex: _edit_signature(
            ex.response(), lambda v: v.replace(_sig(v), flip_signature(_sig(v)))
        ),
        SignatureMismatchError,
    ),
    "known keyId, signed by another key": (
        lambda ex: ex.response(key=ex.stranger, key_id=ex.server.key_id),
        SignatureMismatchError,
    ),
    "proxy rewrote a signed Date": (_proxy_rewrote_date, DateMayBeRewritten),
    # validator verifyDigest / known-issues httpsig-digest-mismatch
    "Digest of another body": (lambda ex: ex.response(digest_of=b"<other/>"), DigestMismatch),
    "body changed after signing": (lambda ex: ex.response().with_body(XML + b" "), DigestMismatch),
    "Digest computed before gzip": (_gzipped_after_signing, DigestComputedBeforeEncoding),
    "only a SHA-512 digest": (
        lambda ex: _resign_header(ex, "Digest", "SHA-512=" + "A" * 86 + "=="),
        DigestError,
    ),
}


def _sig(signature_header: str) -> str:
    return signature_header.rsplit('signature="', 1)[1].rstrip('"')


def _resign_header(ex: Exchange, name: str, value: str) -> Message:
    msg = ex.response().with_header(name, value)
    return sign_response_as(msg, ex.server, COVERED)


def rejected_case_problem(case: str, ex: Exchange, verifier: ResponseVerifier) -> str | None:
    """``None`` when ``REJECTED[case]`` is refused with its error, else what happened."""
    build, error = REJECTED[case]
    return rejection_problem(partial(check, verifier, ex, build(ex)), error)


@pytest.mark.parametrize("case", REJECTED)
def test_response_is_rejected(
    case: str, exchange: Exchange, response_verifier: ResponseVerifier
) -> None:
    assert rejected_case_problem(case, exchange, response_verifier) is None


def test_signature_mismatch_hints_at_a_date_rewriting_proxy(
    exchange: Exchange, response_verifier: ResponseVerifier
) -> None:
    with pytest.raises(SignatureMismatchError, match="Original-Date"):
        check(response_verifier, exchange, _proxy_rewrote_date(exchange))


def test_digest_mismatch_says_it_was_computed_before_gzip(
    exchange: Exchange, response_verifier: ResponseVerifier
) -> None:
    with pytest.raises(DigestError, match="before gzip"):
        check(response_verifier, exchange, _gzipped_after_signing(exchange))


def test_x_request_signature_without_client_signature_is_refused(
    exchange: Exchange, response_verifier: ResponseVerifier
) -> None:
    unsigned_request = SentRequest(request_id=exchange.sent.request_id)
    with pytest.raises(ResponseBindingError):
        check(response_verifier, exchange, exchange.response(), sent=unsigned_request)


ACCEPTED: dict[str, Callable[[Exchange], Message]] = {
    "the library's own response signature": lambda ex: ex.library_response(),
    "signed Date instead of Original-Date": lambda ex: ex.response(
        date_header="Date", covered=("date", *COVERED[1:])
    ),
    # known-issues httpsig-date-rewritten-by-proxy, positive variant
    "proxy rewrote an unsigned Date, Original-Date signed": lambda ex: (
        ex.library_response().with_header("Date", format_http_date(NOW + 2))
    ),
    "web server added Server and Date": lambda ex: Message(
        headers=(
            ("Server", "nginx"),
            ("Date", format_http_date(NOW)),
            *ex.library_response().headers,
        ),
        body=XML,
    ),
    "gzip applied before signing": lambda ex: ex.library_response(
        body=gzip.compress(XML),
        headers=(("Content-Type", "application/xml"), ("Content-Encoding", "gzip")),
    ),
    "multi-valued Digest, lower-case sha-256": lambda ex: _resign_header(
        ex, "Digest", "MD5=abc, sha-256=" + base64.b64encode(hashlib.sha256(XML).digest()).decode()
    ),
    "an error response, signed": lambda ex: ex.library_response(body=b"<error-response/>"),
}


def accepted_case_problem(case: str, ex: Exchange, verifier: ResponseVerifier) -> str | None:
    """``None`` when ``ACCEPTED[case]`` is accepted as the server's answer, else what happened."""
    msg = ACCEPTED[case](ex)
    try:
        result = check(verifier, ex, msg)
    except HttpSignatureError as exc:
        return f"rejected: {type(exc).__name__}: {exc}"
    if result.key_id != ex.server.key_id:
        return f"accepted as key {result.key_id}"
    if result.body != msg.body:
        return "accepted with another body"
    if result.request_id != ex.sent.request_id:
        return f"accepted for request {result.request_id}"
    return None


@pytest.mark.parametrize("case", ACCEPTED)
def test_response_is_accepted(
    case: str, exchange: Exchange, response_verifier: ResponseVerifier
) -> None:
    assert accepted_case_problem(case, exchange, response_verifier) is None


def test_unsigned_headers_are_dropped_from_the_response_verdict(
    exchange: Exchange, response_verifier: ResponseVerifier
) -> None:
    msg = exchange.library_response().with_header("Server", "nginx").with_header("X-Evil", "1")
    result = check(response_verifier, exchange, msg)
    assert result.header("server") is None
    assert result.header("x-evil") is None
    assert result.header("content-type") == "application/xml"


def test_unsigned_error_response_is_let_through_unless_policy_demands(
    resolver: InMemoryKeyResolver,
) -> None:
    headers = (("Content-Type", "application/xml"),)
    assert not ResponseVerifier(resolver).needs_verification(500, headers)
    strict = ResponseVerifier(resolver, VerificationPolicy(require_signed_errors=True))
    assert strict.needs_verification(500, headers)
    assert ResponseVerifier(resolver).needs_verification(200, headers)


def test_response_matrix_figure(
    exchange: Exchange, response_verifier: ResponseVerifier, figures: Callable[[str], None]
) -> None:
    """Every case of both tables run again, counted before anything is asserted."""
    problems = {
        **{case: rejected_case_problem(case, exchange, response_verifier) for case in REJECTED},
        **{case: accepted_case_problem(case, exchange, response_verifier) for case in ACCEPTED},
    }
    tried = len(REJECTED) + len(ACCEPTED)
    passed = sum(problem is None for problem in problems.values())
    wrong = [f"{case}: {problem}" for case, problem in problems.items() if problem is not None]
    figures(
        f"response signature cases with the expected verdict: {passed}/{tried} "
        f"({len(REJECTED)} to reject, {len(ACCEPTED)} to accept)"
    )
    assert len(problems) == tried  # no case name shared by both tables
    assert wrong == []
    assert tried >= 15
