"""Server side: sign a response (HTTP Signature Server Authentication).

Built to survive what happens after the application: the web server or a
proxy adding its own ``Date`` or ``Server`` header does not matter because the
signature covers ``Original-Date`` rather than ``Date`` and never covers
headers the application did not set; ``Cache-Control: no-transform`` asks
intermediaries not to re-encode the body (RFC 9111 §5.2.2.6), and the Digest
is taken over the body bytes as given, so call :meth:`ResponseSigner.sign`
with the final, already content-encoded bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ..errors import HttpSignatureError
from .algorithm import RSA_SHA256, sign_rsa_sha256
from .dates import format_http_date
from .digest import digest_header
from .keys import SigningKey
from .policy import VerificationPolicy
from .signature_params import SignatureParams, format_signature_params, parse_authorization
from .signing_string import HeaderItems, combine_headers, signing_string

__all__ = ["ResponseSigner", "wants_signed_response"]

#: Application headers a client relies on; signed whenever the response has them.
DEFAULT_ALSO_SIGN: Final = (
    "content-type",
    "content-encoding",
    "content-language",
    "cache-control",
    "www-authenticate",
    "want-digest",
    "location",
    "retry-after",
)

_CANONICAL_NAMES: Final = {
    "original-date": "Original-Date",
    "digest": "Digest",
    "x-request-id": "X-Request-Id",
    "x-request-signature": "X-Request-Signature",
    "cache-control": "Cache-Control",
}


def wants_signed_response(request_headers: HeaderItems) -> bool:
    """Whether the request's ``Accept-Signature`` lists ``rsa-sha256`` (case-insensitively)."""
    value = combine_headers(request_headers).get("accept-signature")
    return value is not None and any(
        token.strip().lower() == RSA_SHA256 for token in value.split(",")
    )


class ResponseSigner:
    """Signs responses with one server key."""

    def __init__(
        self,
        key: SigningKey,
        *,
        also_sign: Sequence[str] = DEFAULT_ALSO_SIGN,
        no_transform: bool = True,
    ) -> None:
        self.key = key
        self.also_sign = tuple(h.lower() for h in also_sign)
        self.no_transform = no_transform

    def sign(
        self,
        *,
        request_headers: HeaderItems,
        headers: HeaderItems,
        body: bytes,
        now: float | None = None,
    ) -> tuple[tuple[str, str], ...]:
        """Headers to set on the response (each replaces a same-named header).

        ``request_headers`` are the request's headers as received: they give
        the ``X-Request-Id`` to echo and, when the request carried a parsable
        HTTP Signature, the ``X-Request-Signature``. Error responses are signed
        the same way.
        """
        request = combine_headers(request_headers)
        present = combine_headers(headers)
        added: dict[str, str] = {
            "original-date": format_http_date(VerificationPolicy.now() if now is None else now),
            "digest": digest_header(body),
        }
        if "x-request-id" in request:
            added["x-request-id"] = request["x-request-id"]
        request_signature = _request_signature(request.get("authorization"))
        if request_signature is not None:
            added["x-request-signature"] = request_signature
        if self.no_transform:
            cache_control = present.get("cache-control")
            if cache_control is None:
                added["cache-control"] = "no-transform"
            elif "no-transform" not in cache_control.lower():
                added["cache-control"] = f"{cache_control}, no-transform"
        final = {**present, **added}
        covered = tuple(
            dict.fromkeys(
                (
                    "original-date",
                    "digest",
                    *(h for h in ("x-request-id", "x-request-signature") if h in added),
                    *(h for h in self.also_sign if h in final),
                )
            )
        )
        signature = sign_rsa_sha256(self.key.private_key, signing_string(covered, final))
        params = SignatureParams(
            key_id=self.key.key_id, algorithm=RSA_SHA256, headers=covered, signature=signature
        )
        out = [(_CANONICAL_NAMES.get(name, name), value) for name, value in added.items()]
        out.append(("Signature", format_signature_params(params)))
        return tuple(out)


def _request_signature(authorization: str | None) -> str | None:
    try:
        return parse_authorization(authorization).signature
    except HttpSignatureError:
        return None
