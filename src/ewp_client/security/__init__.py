"""EWP HTTP Signatures (draft-cavage ``rsa-sha256`` as the EWP specs profile it) and keys.

Sans-I/O core: :class:`RequestSigner` / :class:`RequestVerifier` for client
authentication, :class:`ResponseSigner` / :class:`ResponseVerifier` for server
authentication, all built on the one :func:`signing_string`. Keys are looked up
through a :class:`KeyResolver`. :class:`EwpAuth` wires the client side into httpx.
"""

import typing as _typing

from .._lazy import lazy_attributes as _lazy_attributes
from .algorithm import RSA_SHA256, sign_rsa_sha256, verify_rsa_sha256
from .dates import check_date, format_http_date, parse_http_date
from .digest import SHA256, digest_header, parse_digest, sha256_base64, verify_digest
from .keys import (
    MIN_GENERATED_BITS,
    PRIVATE_KEY_MODE,
    PUBLIC_KEY_MODE,
    SigningKey,
    generate_private_key,
    key_fingerprint,
    key_id,
    load_der_public_key,
    load_private_key,
    load_public_key,
    private_key_pem,
    public_key_der,
    public_key_pem,
    write_private_key,
    write_public_key,
)
from .policy import MIN_CLOCK_SKEW, InMemoryNonceStore, NonceStore, VerificationPolicy
from .request_id import check_request_id, new_request_id
from .request_signer import RequestSignature, RequestSigner
from .request_verifier import CHALLENGE_HEADERS, RequestVerifier
from .resolver import InMemoryKeyResolver, KeyInfo, KeyResolver
from .response_signer import ResponseSigner, wants_signed_response
from .response_verifier import ResponseVerifier, SentRequest
from .result import VerifyResult
from .signature_params import (
    SignatureParams,
    format_signature_params,
    parse_authorization,
    parse_signature_params,
)
from .signing_string import REQUEST_TARGET, combine_headers, request_target, signing_string

if _typing.TYPE_CHECKING:
    from .body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE, ReadBudget
    from .httpx_auth import BUDGET, RAW_BODY, VERIFIED, EwpAuth

#: What the client side adds (httpx): imported on first use, so the sans-I/O
#: server half (:mod:`ewp_client.server`) loads no HTTP client.
_LAZY: dict[str, str] = {
    "BUDGET": ".httpx_auth",
    "DEFAULT_DEADLINE": ".body",
    "DEFAULT_MAX_RESPONSE_SIZE": ".body",
    "EwpAuth": ".httpx_auth",
    "RAW_BODY": ".httpx_auth",
    "ReadBudget": ".body",
    "VERIFIED": ".httpx_auth",
}


__getattr__, __dir__ = _lazy_attributes(__name__, globals(), _LAZY)


__all__ = [
    "BUDGET",
    "CHALLENGE_HEADERS",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "MIN_CLOCK_SKEW",
    "MIN_GENERATED_BITS",
    "PRIVATE_KEY_MODE",
    "PUBLIC_KEY_MODE",
    "RAW_BODY",
    "REQUEST_TARGET",
    "RSA_SHA256",
    "SHA256",
    "VERIFIED",
    "EwpAuth",
    "InMemoryKeyResolver",
    "InMemoryNonceStore",
    "KeyInfo",
    "KeyResolver",
    "NonceStore",
    "ReadBudget",
    "RequestSignature",
    "RequestSigner",
    "RequestVerifier",
    "ResponseSigner",
    "ResponseVerifier",
    "SentRequest",
    "SignatureParams",
    "SigningKey",
    "VerificationPolicy",
    "VerifyResult",
    "check_date",
    "check_request_id",
    "combine_headers",
    "digest_header",
    "format_http_date",
    "format_signature_params",
    "generate_private_key",
    "key_fingerprint",
    "key_id",
    "load_der_public_key",
    "load_private_key",
    "load_public_key",
    "new_request_id",
    "parse_authorization",
    "parse_digest",
    "parse_http_date",
    "parse_signature_params",
    "private_key_pem",
    "public_key_der",
    "public_key_pem",
    "request_target",
    "sha256_base64",
    "sign_rsa_sha256",
    "signing_string",
    "verify_digest",
    "verify_rsa_sha256",
    "wants_signed_response",
    "write_private_key",
    "write_public_key",
]
