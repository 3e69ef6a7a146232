"""Client side: verify a partner's signed response (HTTP Signature Server Authentication).

Order of checks: a ``Signature`` is there and parses with ``rsa-sha256``; the
response echoes our ``X-Request-Id`` and ``X-Request-Signature``; the
signature covers ``digest``, a date and those echoes; dates are within the
window; the key is a server credential of the host serving the endpoint; the
RSA signature verifies; the Digest matches the raw body bytes (before any
content decoding). Only then is the body handed back as trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import (
    KeyNotAuthorizedError,
    MissingSignedHeaderError,
    ResponseBindingError,
    SignatureMismatchError,
    UnknownKeyError,
    UnsignedResponseError,
    UnsupportedAlgorithmError,
)
from .algorithm import RSA_SHA256, verify_rsa_sha256
from .digest import verify_digest
from .policy import VerificationPolicy
from .request_signer import RequestSignature
from .resolver import KeyResolver
from .result import VerifyResult
from .signature_params import SignatureParams, parse_signature_params
from .signing_string import HeaderItems, combine_headers, signing_string
from .verification import check_covered_present, check_dates, verified

__all__ = ["ResponseVerifier", "SentRequest"]


@dataclass(frozen=True, slots=True)
class SentRequest:
    """What the response must be bound to: our ``X-Request-Id`` and request signature.

    ``target`` is our ``(request-target)`` value, for servers that cover it.
    """

    request_id: str | None = None
    signature: str | None = None
    target: str | None = None

    @classmethod
    def from_signature(cls, signed: RequestSignature) -> SentRequest:
        return cls(request_id=signed.request_id, signature=signed.signature, target=signed.target)


class ResponseVerifier:
    """Verifies responses against a :class:`KeyResolver` under a :class:`VerificationPolicy`."""

    def __init__(self, resolver: KeyResolver, policy: VerificationPolicy | None = None) -> None:
        self.resolver = resolver
        self.policy = policy or VerificationPolicy()

    def needs_verification(self, status: int, headers: HeaderItems) -> bool:
        """False only for an unsigned error response the policy lets through unverified."""
        if status < 400 or self.policy.require_signed_errors:
            return True
        return "signature" in combine_headers(headers)

    def verify(
        self,
        *,
        request: SentRequest,
        endpoint: str,
        headers: HeaderItems,
        body: bytes,
        now: float | None = None,
    ) -> VerifyResult:
        """Verify one response to ``request`` from ``endpoint`` (the URL without query).

        ``body`` must be the raw bytes as received, before content decoding.
        """
        items = tuple(headers)
        fields = combine_headers(items)
        now = VerificationPolicy.now() if now is None else now
        raw = fields.get("signature")
        if raw is None:
            raise UnsignedResponseError("the response has no Signature header")
        params = parse_signature_params(raw)
        if (params.algorithm or "").lower() != RSA_SHA256:
            raise UnsupportedAlgorithmError(
                f"the response is signed with {params.algorithm!r}, not {RSA_SHA256!r}"
            )
        _check_binding(request, fields)
        _check_covered(request, params, fields)
        check_dates(params, fields, now=now, policy=self.policy)
        key = self.resolver.public_key(params.key_id)
        if key is None:
            raise UnknownKeyError(
                f"key {params.key_id} is not published in the catalogue", key_id=params.key_id
            )
        if not self.resolver.is_server_key_for(params.key_id, endpoint):
            raise KeyNotAuthorizedError(
                f"key {params.key_id} is not a server key of the host serving {endpoint}",
                key_id=params.key_id,
            )
        data = signing_string(params.headers, fields, target=request.target)
        if not verify_rsa_sha256(key, data, params.signature):
            hint = ""
            if "date" in params.headers and "original-date" not in params.headers:
                hint = " (a proxy may have rewritten Date; the server should sign Original-Date)"
            raise SignatureMismatchError(f"the response signature does not verify{hint}")
        verify_digest(fields.get("digest"), body, content_encoding=fields.get("content-encoding"))
        return verified(params, items, body, request_id=fields.get("x-request-id"))


def _check_binding(request: SentRequest, fields: dict[str, str]) -> None:
    echoed_id = fields.get("x-request-id")
    if request.request_id is not None and echoed_id != request.request_id:
        got = "nothing" if echoed_id is None else repr(echoed_id)
        raise ResponseBindingError(
            f"X-Request-Id: we sent {request.request_id!r}, the response echoes {got}"
        )
    echoed_signature = fields.get("x-request-signature")
    if request.signature is None:
        if echoed_signature is not None:
            raise ResponseBindingError(
                "X-Request-Signature is present although our request was not signed"
            )
    elif echoed_signature != request.signature:
        what = "missing" if echoed_signature is None else "not our request's signature"
        raise ResponseBindingError(f"X-Request-Signature is {what}")


def _check_covered(request: SentRequest, params: SignatureParams, fields: dict[str, str]) -> None:
    required = ["digest"]
    if request.request_id is not None or "x-request-id" in fields:
        required.append("x-request-id")
    if request.signature is not None or "x-request-signature" in fields:
        required.append("x-request-signature")
    for name in required:
        if name not in params.headers:
            raise MissingSignedHeaderError(
                f"the response signature must cover {name!r}", header=name
            )
    check_covered_present(params, fields, signature="the response signature", message="response")
