"""Server-side request verification: the official validator's negative matrix and more.

Each case reproduces one check of the EWP Registry's validator (its Echo suite
and its HTTP Signature request authorizer, ``ewp-registry-service``) or one
signature row of ``known-issues.md``, and asserts the exception type and the
HTTP status the server answers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import pytest

from ewp_client.errors import (
    ClockSkewError,
    DigestError,
    DigestMismatch,
    HostMismatchError,
    HttpSignatureError,
    InvalidDateHeader,
    KeyNotAuthorizedError,
    MalformedSignatureError,
    MissingSignatureError,
    MissingSignedHeaderError,
    ReplayError,
    RequestIdError,
    SignatureMismatchError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
)
from ewp_client.security import (
    CHALLENGE_HEADERS,
    InMemoryKeyResolver,
    InMemoryNonceStore,
    RequestVerifier,
    SigningKey,
    VerificationPolicy,
    VerifyResult,
)

from .messages import BODY, HOST, NOW, Message, Sender, rejection_problem, sign_request_as

STD = ("(request-target)", "host", "date", "digest", "x-request-id")


@dataclass
class Keys:
    client: SigningKey
    server: SigningKey
    stranger: SigningKey


def verify(verifier: RequestVerifier, msg: Message, *, now: float = NOW) -> VerifyResult:
    return verifier.verify(
        method=msg.method, target=msg.target, headers=msg.headers, body=msg.body, host=HOST, now=now
    )


Case = Callable[[Keys], Message]


def _std(keys: Keys, **kw: object) -> Message:
    return Sender(keys.client).request(**kw)  # type: ignore[arg-type]


def _without_signed(header: str) -> Case:
    return lambda k: _std(k, covered=tuple(h for h in STD if h != header))


def _resigned_header(name: str, value: str) -> Case:
    def build(k: Keys) -> Message:
        msg = _std(k).with_header(name, value)
        return sign_request_as(msg, k.client, STD)

    return build


def _signed_then_removed(k: Keys) -> Message:
    msg = Sender(k.client, extra={"X-Temporary": "exists"}).request(covered=(*STD, "x-temporary"))
    return msg.without("x-temporary")


def _authorization(value: str) -> Case:
    return lambda k: _std(k).with_header("Authorization", value)


def _edit_authorization(msg: Message, old: str, new: str) -> Message:
    value = msg.get("authorization")
    assert value is not None
    assert old in value
    return msg.with_header("Authorization", value.replace(old, new))


def _edit_digest(k: Keys, edit: Callable[[str], str]) -> Message:
    msg = _std(k)
    value = msg.get("digest")
    assert value is not None
    return sign_request_as(msg.with_header("Digest", edit(value)), k.client, STD)


def _digest(value: str) -> Case:
    return _resigned_header("Digest", value)


REJECTED: dict[str, tuple[Case, type[HttpSignatureError], int]] = {
    # validator: "no client authentication" -> 401
    "no Authorization header": (
        lambda k: _std(k).without("authorization"),
        MissingSignatureError,
        401,
    ),
    "Authorization with another scheme": (
        _authorization("Bearer abc"),
        MissingSignatureError,
        401,
    ),
    # authorizer: "Could not parse the Authorization header"
    "unparsable Signature parameters": (
        _authorization('Signature keyId="x",,signature='),
        MalformedSignatureError,
        400,
    ),
    "signature parameter is not base64": (
        _authorization('Signature keyId="x",algorithm="rsa-sha256",headers="date",signature="*!"'),
        MalformedSignatureError,
        400,
    ),
    "keyId given twice": (
        _authorization('Signature keyId="a",keyId="b",algorithm="rsa-sha256",signature="AAAA"'),
        MalformedSignatureError,
        400,
    ),
    "no keyId": (
        _authorization('Signature algorithm="rsa-sha256",headers="date",signature="AAAA"'),
        MalformedSignatureError,
        400,
    ),
    # authorizer: algorithm must be rsa-sha256
    "hmac-sha256 algorithm": (
        lambda k: _std(k, algorithm="hmac-sha256"),
        UnsupportedAlgorithmError,
        400,
    ),
    "no algorithm parameter": (
        lambda k: _std(k, algorithm=None),
        UnsupportedAlgorithmError,
        400,
    ),
    # validator: "unsigned <header> header" for each required header
    "unsigned (request-target)": (
        _without_signed("(request-target)"),
        MissingSignedHeaderError,
        400,
    ),
    "unsigned host": (_without_signed("host"), MissingSignedHeaderError, 400),
    "unsigned date": (_without_signed("date"), MissingSignedHeaderError, 400),
    "unsigned digest": (_without_signed("digest"), MissingSignedHeaderError, 400),
    "unsigned x-request-id": (_without_signed("x-request-id"), MissingSignedHeaderError, 400),
    "no headers parameter (covers date only)": (
        lambda k: _std(k, covered=("date",)),
        MissingSignedHeaderError,
        400,
    ),
    # validator: "missing headers that were supposed to be signed"
    "signed header removed in transit": (_signed_then_removed, MissingSignedHeaderError, 400),
    # authorizer: Host must be ours
    "request for another host": (
        lambda k: _std(k, host="evil.example.com"),
        HostMismatchError,
        400,
    ),
    # validator: "unknown RSA client key"
    "key never published": (
        lambda k: Sender(k.stranger).request(),
        UnknownKeyError,
        403,
    ),
    # known-issues httpsig-keyid-unknown: upper-case hex keyId
    "upper-case keyId": (
        lambda k: _std(k, key_id=k.client.key_id.upper()),
        UnknownKeyError,
        403,
    ),
    # validator: "signed with a server key, instead of a client key"
    "server key used as client key": (
        lambda k: Sender(k.server).request(),
        KeyNotAuthorizedError,
        403,
    ),
    # validator: "Original-Date 20 minutes in the past"
    "Original-Date 20 minutes in the past": (
        lambda k: _std(
            k,
            date_header="Original-Date",
            date=NOW - 1200,
            covered=("(request-target)", "host", "original-date", "digest", "x-request-id"),
        ),
        ClockSkewError,
        400,
    ),
    # known-issues httpsig-clock-skew
    "Date 7 minutes behind": (lambda k: _std(k, date=NOW - 420), ClockSkewError, 400),
    "Date 6 minutes ahead": (lambda k: _std(k, date=NOW + 360), ClockSkewError, 400),
    # known-issues httpsig-date-bad-format
    "Date in CEST": (
        _resigned_header("Date", "Mon, 24 Nov 2025 17:00:00 CEST"),
        InvalidDateHeader,
        400,
    ),
    "Date as GMT+2:00": (
        _resigned_header("Date", "Mon, 24 Nov 2025 18:00:00 GMT+2:00"),
        InvalidDateHeader,
        400,
    ),
    "Date in ISO 8601": (_resigned_header("Date", "2025-11-24T16:00:00Z"), InvalidDateHeader, 400),
    "Date with the wrong weekday": (
        _resigned_header("Date", "Sun, 24 Nov 2025 16:00:00 GMT"),
        InvalidDateHeader,
        400,
    ),
    "unsigned Original-Date unparsable": (
        lambda k: _std(k).with_header("Original-Date", "yesterday"),
        InvalidDateHeader,
        400,
    ),
    # validator: "non-canonical X-Request-ID"
    "X-Request-Id upper-case without dashes": (
        lambda k: _std(k, request_id="DC05B4254E8641068DDE1257FCCF53E5"),
        RequestIdError,
        400,
    ),
    "X-Request-Id upper-case UUID": (
        lambda k: _std(k, request_id="DC05B425-4E86-4106-8DDE-1257FCCF53E5"),
        RequestIdError,
        400,
    ),
    "X-Request-Id not a UUID": (lambda k: _std(k, request_id="request-1"), RequestIdError, 400),
    # validator: "known keyId, but invalid signature"
    "known keyId, signed by another key": (
        lambda k: Sender(k.stranger).request(key_id=k.client.key_id),
        SignatureMismatchError,
        400,
    ),
    "signed headers listed in another order than signed": (
        lambda k: _edit_authorization(
            _std(k), 'headers="(request-target) host', 'headers="host (request-target)'
        ),
        SignatureMismatchError,
        400,
    ),
    # validator: "invalid Digest" / "SHA request digest"
    "Digest of another body": (
        _digest("SHA-256=" + "A" * 43 + "="),
        DigestMismatch,
        400,
    ),
    "only a SHA (SHA-1) digest": (_digest("SHA=2jmj7l5rSw0yVb/vlWAYkK/YBwk="), DigestError, 400),
    "body changed after signing": (
        lambda k: _std(k).with_body(BODY + b"&echo=c"),
        DigestMismatch,
        400,
    ),
}


def rejected_case_problem(case: str, keys: Keys, verifier: RequestVerifier) -> str | None:
    """``None`` when ``REJECTED[case]`` is refused with its error and status, else what happened."""
    build, error, status = REJECTED[case]
    return rejection_problem(partial(verify, verifier, build(keys)), error, status=status)


@pytest.mark.parametrize("case", REJECTED)
def test_request_is_rejected(
    case: str,
    client_key: SigningKey,
    server_key: SigningKey,
    stranger_key: SigningKey,
    request_verifier: RequestVerifier,
) -> None:
    keys = Keys(client_key, server_key, stranger_key)
    assert rejected_case_problem(case, keys, request_verifier) is None


ACCEPTED: dict[str, Case] = {
    "the library's own signature": lambda k: _std(k),
    # validator: "Original-Date (instead of Date)"
    "Original-Date instead of Date": lambda k: _std(
        k,
        date_header="Original-Date",
        covered=("(request-target)", "host", "original-date", "digest", "x-request-id"),
    ),
    # validator: "headers in different order"
    "headers signed in a different order": lambda k: _std(
        k, covered=("x-request-id", "digest", "date", "host", "(request-target)")
    ),
    # validator: "extra unknown, but properly signed headers"
    "extra properly signed header": lambda k: Sender(
        k.client, extra={"Some-Custom-Header": "Value"}
    ).request(covered=(*STD, "some-custom-header")),
    # validator: "multiple Digests (one of which is SHA-256)"
    "multiple digests, one SHA-256": lambda k: _edit_digest(
        k, lambda d: d + ", Unknown-Digest-Algorithm=SomeValue"
    ),
    # validator: "shA-256 request digest (mixed case)"
    "mixed-case digest algorithm": lambda k: _edit_digest(
        k, lambda d: d.replace("SHA-256", "shA-256")
    ),
    "Date 4 minutes behind": lambda k: _std(k, date=NOW - 240),
    "lower-case scheme name": lambda k: _edit_authorization(_std(k), "Signature ", "signature "),
    "empty body": lambda k: _std(k, body=b""),
    "GET with a query string": lambda k: sign_request_as(
        replace(_std(k, body=b""), method="GET", target="/ewp/echo?echo=a&echo=%C3%A9"),
        k.client,
        STD,
    ),
}


def accepted_case_problem(case: str, keys: Keys, verifier: RequestVerifier) -> str | None:
    """``None`` when ``ACCEPTED[case]`` is accepted as the client's message, else what happened."""
    msg = ACCEPTED[case](keys)
    try:
        result = verify(verifier, msg)
    except HttpSignatureError as exc:
        return f"rejected: {type(exc).__name__}: {exc}"
    if result.key_id != keys.client.key_id:
        return f"accepted as key {result.key_id}"
    if result.body != msg.body:
        return "accepted with another body"
    return None


@pytest.mark.parametrize("case", ACCEPTED)
def test_request_is_accepted(
    case: str,
    client_key: SigningKey,
    server_key: SigningKey,
    stranger_key: SigningKey,
    request_verifier: RequestVerifier,
) -> None:
    keys = Keys(client_key, server_key, stranger_key)
    assert accepted_case_problem(case, keys, request_verifier) is None


def test_verdict_names_the_key_its_heis_and_what_was_covered(
    client: Sender, request_verifier: RequestVerifier, client_key: SigningKey
) -> None:
    msg = client.request()
    result = verify(request_verifier, msg)
    assert result.key_id == client_key.key_id
    assert result.heis == {"uni.example.org", "college.example.org"}
    assert result.covered == STD
    assert result.request_id == msg.get("x-request-id")


def test_unsigned_headers_are_dropped_from_the_verdict(
    client: Sender, request_verifier: RequestVerifier
) -> None:
    msg = client.request().with_header("X-Injected", "evil")
    result = verify(request_verifier, msg)
    names = {n.lower() for n, _ in result.headers}
    assert names == {"host", "date", "digest", "x-request-id"}
    assert result.header("X-Injected") is None
    assert result.header("content-type") is None  # sent, but not signed


def test_401_carries_the_challenge_headers() -> None:
    assert dict(CHALLENGE_HEADERS) == {
        "WWW-Authenticate": 'Signature realm="EWP"',
        "Want-Digest": "SHA-256",
    }


def test_replayed_request_id_is_refused_when_replay_protection_is_on(
    client: Sender, resolver: InMemoryKeyResolver
) -> None:
    verifier = RequestVerifier(resolver, VerificationPolicy(replay_store=InMemoryNonceStore()))
    msg = client.request()
    verify(verifier, msg)
    with pytest.raises(ReplayError) as caught:
        verify(verifier, msg, now=NOW + 30)
    assert caught.value.status == 400


def test_replay_protection_is_off_by_default(
    client: Sender, request_verifier: RequestVerifier
) -> None:
    msg = client.request()
    verify(request_verifier, msg)
    assert verify(request_verifier, msg).request_id == msg.get("x-request-id")


def test_forged_request_does_not_burn_its_request_id(
    client: Sender,
    stranger_key: SigningKey,
    client_key: SigningKey,
    resolver: InMemoryKeyResolver,
) -> None:
    verifier = RequestVerifier(resolver, VerificationPolicy(replay_store=InMemoryNonceStore()))
    rid = "0f0e0d0c-0b0a-4908-8706-050403020100"
    forged = Sender(stranger_key).request(key_id=client_key.key_id, request_id=rid)
    with pytest.raises(SignatureMismatchError):
        verify(verifier, forged)
    assert verify(verifier, client.request(request_id=rid)).request_id == rid


def test_request_checks_run_in_the_spec_order(
    stranger_key: SigningKey, request_verifier: RequestVerifier
) -> None:
    # Unknown key (403) and a skewed date (400): the key is looked up first.
    msg = Sender(stranger_key).request(date=NOW - 3600)
    with pytest.raises(UnknownKeyError):
        verify(request_verifier, msg)


def test_request_matrix_figure(
    client_key: SigningKey,
    server_key: SigningKey,
    stranger_key: SigningKey,
    request_verifier: RequestVerifier,
    figures: Callable[[str], None],
) -> None:
    """Every case of both tables run again, counted before anything is asserted."""
    keys = Keys(client_key, server_key, stranger_key)
    problems = {
        **{case: rejected_case_problem(case, keys, request_verifier) for case in REJECTED},
        **{case: accepted_case_problem(case, keys, request_verifier) for case in ACCEPTED},
    }
    tried = len(REJECTED) + len(ACCEPTED)
    passed = sum(problem is None for problem in problems.values())
    wrong = [f"{case}: {problem}" for case, problem in problems.items() if problem is not None]
    figures(
        f"request signature cases with the expected verdict: {passed}/{tried} "
        f"({len(REJECTED)} to reject, {len(ACCEPTED)} to accept)"
    )
    assert len(problems) == tried  # no case name shared by both tables
    assert wrong == []
    assert tried >= 25
