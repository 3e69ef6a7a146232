"""The rsa-sha256 test values of draft-cavage-http-signatures-10, Appendix C.

The test key pair, the request and the expected signatures below are the
draft's published interoperability test data (Appendix C, "Test Values";
C.1 Default Test, C.2 Basic Test, C.3 All Headers Test). The key is 1024-bit:
verification accepts any RSA size, only key generation insists on 2048.
"""

from __future__ import annotations

from typing import Final

import pytest

from ewp_client.security import (
    SigningKey,
    combine_headers,
    digest_header,
    key_id,
    load_private_key,
    load_public_key,
    parse_authorization,
    request_target,
    sign_rsa_sha256,
    signing_string,
    verify_rsa_sha256,
)

# draft-cavage-http-signatures-10, Appendix C: the public and private test keys.
DRAFT_PUBLIC_KEY: Final = b"""-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
DRAFT_PRIVATE_KEY: Final = b"""-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----
"""

# The request all Appendix C examples use.
METHOD: Final = "POST"
TARGET: Final = "/foo?param=value&pet=dog"
BODY: Final = b'{"hello": "world"}'
HEADERS: Final = (
    ("Host", "example.com"),
    ("Date", "Sun, 05 Jan 2014 21:31:40 GMT"),
    ("Content-Type", "application/json"),
    ("Digest", "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="),
    ("Content-Length", "18"),
)

C1_DEFAULT: Final = (
    "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7"
    "q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="
)
C2_BASIC: Final = (
    "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe"
    "8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="
)
C3_ALL_HEADERS: Final = (
    "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEU"
    "HFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
)

CASES: Final = {
    "C.1 default test": (("date",), C1_DEFAULT, b"date: Sun, 05 Jan 2014 21:31:40 GMT"),
    "C.2 basic test": (
        ("(request-target)", "host", "date"),
        C2_BASIC,
        b"(request-target): post /foo?param=value&pet=dog\n"
        b"host: example.com\n"
        b"date: Sun, 05 Jan 2014 21:31:40 GMT",
    ),
    "C.3 all headers test": (
        ("(request-target)", "host", "date", "content-type", "digest", "content-length"),
        C3_ALL_HEADERS,
        b"(request-target): post /foo?param=value&pet=dog\n"
        b"host: example.com\n"
        b"date: Sun, 05 Jan 2014 21:31:40 GMT\n"
        b"content-type: application/json\n"
        b"digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\n"
        b"content-length: 18",
    ),
}


def _string(covered: tuple[str, ...]) -> bytes:
    return signing_string(covered, combine_headers(HEADERS), target=request_target(METHOD, TARGET))


@pytest.mark.parametrize("case", CASES)
def test_appendix_c_signing_string(case: str) -> None:
    covered, _, expected = CASES[case]
    assert _string(covered) == expected


@pytest.mark.parametrize("case", CASES)
def test_appendix_c_signature_is_reproduced_byte_for_byte(case: str) -> None:
    covered, expected, _ = CASES[case]
    key = load_private_key(DRAFT_PRIVATE_KEY)
    assert sign_rsa_sha256(key, _string(covered)) == expected


@pytest.mark.parametrize("case", CASES)
def test_appendix_c_signature_verifies_with_the_published_public_key(case: str) -> None:
    covered, expected, _ = CASES[case]
    public = load_public_key(DRAFT_PUBLIC_KEY)
    assert verify_rsa_sha256(public, _string(covered), expected)
    assert not verify_rsa_sha256(public, _string(covered) + b" ", expected)


def test_appendix_c_digest_header_is_sha256_of_the_body() -> None:
    assert digest_header(BODY) == dict(HEADERS)["Digest"]


def test_appendix_c2_authorization_header_parses_to_its_parts() -> None:
    header = (
        'Signature keyId="Test",algorithm="rsa-sha256",\n  headers="(request-target) host date",'
        f'\n  signature="{C2_BASIC}"'
    )
    params = parse_authorization(header)
    assert (params.key_id, params.algorithm) == ("Test", "rsa-sha256")
    assert params.headers == ("(request-target)", "host", "date")
    assert params.signature == C2_BASIC


def test_appendix_c1_without_headers_parameter_covers_date_only() -> None:
    params = parse_authorization(
        f'Signature keyId="Test",algorithm="rsa-sha256",signature="{C1_DEFAULT}"'
    )
    assert params.headers == ("date",)


def test_draft_test_key_has_the_ewp_key_id_openssl_computes() -> None:
    # openssl pkey -in draft.pem -pubout -outform DER | sha256sum
    expected = "6abc29c310d9c042fd93e21828b8178161400a3b78adf0f09d62ac13712eb5fe"
    assert key_id(load_public_key(DRAFT_PUBLIC_KEY)) == expected
    assert SigningKey(load_private_key(DRAFT_PRIVATE_KEY)).key_id == expected


def test_appendix_c_signatures_do_not_cross_verify() -> None:
    public = load_public_key(DRAFT_PUBLIC_KEY)
    assert not verify_rsa_sha256(public, _string(("date",)), C2_BASIC)
    assert not verify_rsa_sha256(public, _string(("(request-target)", "host", "date")), C1_DEFAULT)
