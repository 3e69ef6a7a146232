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
from typing import Final

from ..errors import (
    CorrelationHeaderNotSigned,
    DateError,
    DateMayBeRewritten,
    DateRewritten,
    KeyNotAuthorizedForApi,
    MissingSignedHeaderError,
    ResponseCorrelationError,
    SignatureMismatchError,
    UnknownSigningKey,
    UnsignedResponseError,
    UnsupportedAlgorithmError,
)
from ..partner_warnings import issue
from .algorithm import RSA_SHA256, verify_rsa_sha256
from .dates import parse_http_date
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
        status: int | None = None,
    ) -> VerifyResult:
        """Verify one response to ``request`` from ``endpoint`` (the URL without query).

        ``body`` must be the raw bytes as received, before content decoding;
        ``status`` (the HTTP status) only goes into errors as evidence. A
        ``Date`` an intermediary rewrote while the signed ``Original-Date``
        verifies is accepted with a :class:`~ewp_client.errors.DateRewritten` warning.
        """
        items = tuple(headers)
        fields = combine_headers(items)
        now = VerificationPolicy.now() if now is None else now
        raw = fields.get("signature")
        if raw is None:
            what = f"the HTTP {status} response" if status is not None else "the response"
            raise UnsignedResponseError(f"{what} has no Signature header", status=status)
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
            raise self._unknown_key(params.key_id)
        if not self.resolver.is_server_key_for(params.key_id, endpoint):
            raise KeyNotAuthorizedForApi(
                f"key {params.key_id} is not a server key of the host serving {endpoint}",
                key_id=params.key_id,
                endpoint=endpoint,
            )
        data = signing_string(params.headers, fields, target=request.target)
        if not verify_rsa_sha256(key, data, params.signature):
            if "date" in params.headers and "original-date" not in params.headers:
                raise DateMayBeRewritten(
                    "the response signature does not verify (a proxy may have rewritten "
                    f"Date, received as {fields.get('date')!r}; the server should sign "
                    "Original-Date)",
                    date=fields.get("date"),
                )
            raise SignatureMismatchError("the response signature does not verify")
        verify_digest(fields.get("digest"), body, content_encoding=fields.get("content-encoding"))
        _warn_rewritten_date(params, fields)
        return verified(params, items, body, request_id=fields.get("x-request-id"))

    def _unknown_key(self, key_id: str) -> UnknownSigningKey:
        hint = None
        if key_id != key_id.lower() and self.resolver.public_key(key_id.lower()) is not None:
            hint = "keyId must be lower-case hex: the catalogue publishes its lower-case form"
        return UnknownSigningKey(
            f"key {key_id} is not published in the catalogue" + (f" ({hint})" if hint else ""),
            key_id=key_id,
            hint=hint,
            catalogue_refreshed=False,
        )


#: Seconds ``Date`` may differ from the signed ``Original-Date`` unremarked: a server
#: adding ``Date`` as it sends (the library's own signer leaves ``Date`` to it) may
#: cross a second boundary.
DATE_REWRITE_TOLERANCE: Final = 2.0


def _warn_rewritten_date(params: SignatureParams, fields: dict[str, str]) -> None:
    """Warn when ``Date`` is not the signed ``Original-Date`` (which verified) give or take
    :data:`DATE_REWRITE_TOLERANCE`: an intermediary rewrote it (known issue
    ``httpsig-date-rewritten-by-proxy``, the case ``Original-Date`` exists for)."""
    original = fields.get("original-date")
    date = fields.get("date")
    if "original-date" not in params.headers or "date" in params.headers:
        return
    if original is None or date is None:
        return
    try:
        apart = abs(parse_http_date(date) - parse_http_date(original, header="Original-Date"))
    except DateError:
        return  # an unparsable Date is the date check's business
    if apart > DATE_REWRITE_TOLERANCE:
        issue(
            DateRewritten(
                f"Date {date!r} is not the signed Original-Date {original!r}: an "
                "intermediary rewrote it (accepted: Original-Date verifies)",
                date=date,
                original_date=original,
            ),
            stacklevel=3,
        )


def _check_binding(request: SentRequest, fields: dict[str, str]) -> None:
    echoed_id = fields.get("x-request-id")
    if request.request_id is not None and echoed_id != request.request_id:
        got = "nothing" if echoed_id is None else repr(echoed_id)
        raise ResponseCorrelationError(
            f"X-Request-Id: we sent {request.request_id!r}, the response echoes {got}",
            header="X-Request-Id",
            expected=request.request_id,
            got=echoed_id,
        )
    echoed_signature = fields.get("x-request-signature")
    if request.signature is None:
        if echoed_signature is not None:
            raise ResponseCorrelationError(
                "X-Request-Signature is present although our request was not signed",
                header="X-Request-Signature",
                expected=None,
                got=echoed_signature,
            )
    elif echoed_signature != request.signature:
        what = "missing" if echoed_signature is None else "not our request's signature"
        raise ResponseCorrelationError(
            f"X-Request-Signature is {what}",
            header="X-Request-Signature",
            expected=request.signature,
            got=echoed_signature,
        )


def _check_covered(request: SentRequest, params: SignatureParams, fields: dict[str, str]) -> None:
    required = ["digest"]
    if request.request_id is not None or "x-request-id" in fields:
        required.append("x-request-id")
    if request.signature is not None or "x-request-signature" in fields:
        required.append("x-request-signature")
    for name in required:
        if name not in params.headers:
            error = MissingSignedHeaderError if name == "digest" else CorrelationHeaderNotSigned
            raise error(f"the response signature must cover {name!r}", header=name)
    check_covered_present(params, fields, signature="the response signature", message="response")
