"""Digest, dates, request ids, signature parameters and the policy, one EWP rule at a time."""

from __future__ import annotations

import gzip
import zlib

import pytest

from ewp_client.errors import (
    ClockSkewError,
    ConfigError,
    DateError,
    DigestError,
    MalformedSignatureError,
    MissingSignatureError,
    MissingSignedHeaderError,
    RequestIdError,
)
from ewp_client.security import (
    InMemoryNonceStore,
    VerificationPolicy,
    check_date,
    check_request_id,
    combine_headers,
    digest_header,
    format_http_date,
    new_request_id,
    parse_authorization,
    parse_digest,
    parse_http_date,
    signing_string,
    verify_digest,
    wants_signed_response,
)

NOW = 1_764_000_000.0  # Mon, 24 Nov 2025 16:00:00 GMT


def test_digest_is_over_the_raw_bytes() -> None:
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_multi_valued_digest_with_case_insensitive_names() -> None:
    assert parse_digest("md5=abc, sha-256=XYZ=, UNIXsum=30") == {
        "MD5": "abc",
        "SHA-256": "XYZ=",
        "UNIXSUM": "30",
    }
    value = digest_header(b"x").split("=", 1)[1]
    verify_digest(f"UNIXsum=1, sha-256={value}", b"x")
    with pytest.raises(DigestError):
        verify_digest(f"sha-256={value.lower()}", b"x")  # the value itself is case-sensitive


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing"),
        ("SHA=2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "no SHA-256"),
        ("SHA-256=AAAA", "mismatch"),
    ],
)
def test_digest_errors_name_the_problem(header: str | None, message: str) -> None:
    with pytest.raises(DigestError, match=message):
        verify_digest(header, b"body")


def test_digest_of_the_decoded_body_is_diagnosed() -> None:
    with pytest.raises(DigestError, match="before gzip"):
        verify_digest(digest_header(b"plain"), gzip.compress(b"plain"), content_encoding="gzip")


def test_deflate_digest_diagnosed_and_a_gzip_bomb_is_not_inflated_for_a_hint() -> None:
    with pytest.raises(DigestError, match="before deflate"):
        verify_digest(digest_header(b"plain"), zlib.compress(b"plain"), content_encoding="deflate")
    bomb = gzip.compress(bytes(80 * 1024 * 1024), compresslevel=1)  # 80 MiB of zeros
    with pytest.raises(DigestError, match="mismatch") as info:
        verify_digest(digest_header(b"plain"), bomb, content_encoding="gzip")
    assert "before gzip" not in str(info.value)


def test_http_date_round_trip() -> None:
    assert format_http_date(NOW) == "Mon, 24 Nov 2025 16:00:00 GMT"
    assert parse_http_date("Mon, 24 Nov 2025 16:00:00 GMT") == NOW


@pytest.mark.parametrize(
    "value",
    [
        "Sat, 03 Jun 2023 04:08:54 CEST",  # known-issues httpsig-date-bad-format (HTTP-001)
        "Sat, 03 Jun 2023 04:08:54 GMT+2:00",
        "Sat, 03 Jun 2023 04:08:54 +0000",
        "Saturday, 03-Jun-23 04:08:54 GMT",  # RFC 850
        "Sat Jun  3 04:08:54 2023",  # asctime
        "Sat, 3 Jun 2023 04:08:54 GMT",  # one-digit day
        "Fri, 03 Jun 2023 04:08:54 GMT",  # wrong weekday
        "Sat, 31 Jun 2023 04:08:54 GMT",  # no such day
        "",
    ],
)
def test_non_rfc1123_gmt_dates_are_refused(value: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_http_date(value)
    assert caught.value.status == 400


def test_clock_skew_limit_is_300_seconds_inclusive() -> None:
    assert check_date(format_http_date(NOW - 300), now=NOW, limit=300) == -300
    with pytest.raises(ClockSkewError) as caught:
        check_date(format_http_date(NOW - 301), now=NOW, limit=300)
    assert (caught.value.skew, caught.value.limit) == (-301, 300)


def test_policy_refuses_a_threshold_below_five_minutes() -> None:
    with pytest.raises(ConfigError):
        VerificationPolicy(clock_skew=299)
    assert VerificationPolicy().replay_store is None


def test_nonce_store_forgets_after_the_window() -> None:
    store = InMemoryNonceStore()
    assert not store.seen_before("a", now=0, window=600)
    assert store.seen_before("a", now=599, window=600)
    assert not store.seen_before("a", now=1300, window=600)
    assert len(store) == 1


def test_request_ids_are_lower_case_canonical_uuids() -> None:
    rid = new_request_id()
    assert check_request_id(rid) == rid
    assert rid == rid.lower()
    with pytest.raises(RequestIdError):
        check_request_id(rid.upper())
    with pytest.raises(RequestIdError):
        check_request_id(None)


def test_authorization_parsing_is_tolerant_of_spacing_and_case() -> None:
    params = parse_authorization(
        'signature  KEYID="k" , Algorithm="rsa-sha256",headers="(request-target) Host",'
        ' signature="AAAA", created=1402170695'
    )
    assert params.key_id == "k"
    assert params.headers == ("(request-target)", "host")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, MissingSignatureError),
        ("Basic dXNlcjpwYXNz", MissingSignatureError),
        ("Signature", MalformedSignatureError),
        ('Signature keyId="k",signature="AAAA" trailing', MalformedSignatureError),
        ('Signature keyId="k",headers="",signature="AAAA"', MalformedSignatureError),
    ],
)
def test_authorization_errors(value: str | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_authorization(value)


def test_signing_string_joins_repeated_headers_and_needs_every_covered_one() -> None:
    headers = combine_headers([("Accept", "a"), ("accept", " b "), ("Host", "h")])
    assert signing_string(("accept", "host"), headers) == b"accept: a, b\nhost: h"
    with pytest.raises(MissingSignedHeaderError) as caught:
        signing_string(("(request-target)",), headers)
    assert caught.value.header == "(request-target)"


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [("rsa-sha256", True), ("RSA-SHA256", True), ("unknown, rsa-sha256", True),
     ("unknown-algorithm", False), (None, False)],
)  # fmt: skip
def test_accept_signature_decides_whether_to_sign(accept: str | None, wanted: bool) -> None:
    headers = [] if accept is None else [("Accept-Signature", accept)]
    assert wants_signed_response(headers) is wanted
