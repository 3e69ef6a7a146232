"""Client side: sign a request the way EWP client authentication requires.

Sans-I/O: :meth:`RequestSigner.sign` takes the request's method, the target as
it will be sent (path and query bytes on the wire), its headers and body bytes,
and returns the headers to set. Nothing here sends anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from ..errors import ConfigError
from .algorithm import RSA_SHA256, sign_rsa_sha256
from .dates import format_http_date
from .digest import SHA256, digest_header
from .keys import SigningKey
from .policy import VerificationPolicy
from .request_id import new_request_id
from .signature_params import SignatureParams, format_signature_params
from .signing_string import (
    REQUEST_TARGET,
    HeaderItems,
    combine_headers,
    request_target,
    signing_string,
)

__all__ = ["RequestSignature", "RequestSigner"]

#: Headers signed whenever the request carries them: the server relies on them too.
DEFAULT_ALSO_SIGN: Final = ("content-type", "content-encoding", "accept-signature", "want-digest")

_CANONICAL_NAMES: Final = {
    "date": "Date",
    "original-date": "Original-Date",
    "host": "Host",
    "digest": "Digest",
    "x-request-id": "X-Request-Id",
    "accept-signature": "Accept-Signature",
    "want-digest": "Want-Digest",
}


@dataclass(frozen=True, slots=True)
class RequestSignature:
    """The outcome of signing: headers to set, and what the response must echo."""

    headers: tuple[tuple[str, str], ...]
    request_id: str
    signature: str
    covered: tuple[str, ...]
    target: str


class RequestSigner:
    """Signs requests with one client key.

    ``date_header`` picks ``Date`` (the default) or ``Original-Date`` when the
    request has neither; ``ask_signed_response`` adds ``Accept-Signature:
    rsa-sha256`` and ``Want-Digest: SHA-256`` so partners sign their answers.
    """

    def __init__(
        self,
        key: SigningKey,
        *,
        date_header: Literal["date", "original-date"] = "date",
        ask_signed_response: bool = True,
        also_sign: Sequence[str] = DEFAULT_ALSO_SIGN,
    ) -> None:
        self.key = key
        self.date_header = date_header
        self.ask_signed_response = ask_signed_response
        self.also_sign = tuple(h.lower() for h in also_sign)

    def sign(
        self,
        *,
        method: str,
        target: str,
        body: bytes,
        headers: HeaderItems = (),
        host: str | None = None,
        now: float | None = None,
        request_id: str | None = None,
    ) -> RequestSignature:
        """Headers that make this request EWP-signed (they replace same-named ones).

        ``target`` is the path and query exactly as sent; ``host`` is needed
        when ``headers`` has no ``Host``. An ``X-Request-Id`` or date already in
        ``headers`` is kept (and signed); the ``Digest`` is always recomputed.
        """
        present = combine_headers(headers)
        added: dict[str, str] = {}
        if "host" not in present:
            if not host:
                raise ConfigError("cannot sign a request without a Host")
            added["host"] = host
        if "date" not in present and "original-date" not in present:
            moment = VerificationPolicy.now() if now is None else now
            added[self.date_header] = format_http_date(moment)
        rid = request_id or present.get("x-request-id") or new_request_id()
        added["x-request-id"] = rid
        added["digest"] = digest_header(body)
        if self.ask_signed_response:
            added.setdefault("accept-signature", present.get("accept-signature", RSA_SHA256))
            added.setdefault("want-digest", present.get("want-digest", SHA256))
        final = {**present, **added}
        dates = tuple(d for d in ("date", "original-date") if d in final)
        covered = (
            REQUEST_TARGET,
            "host",
            *dates,
            "digest",
            "x-request-id",
            *(h for h in self.also_sign if h in final),
        )
        rt = request_target(method, target)
        signature = sign_rsa_sha256(self.key.private_key, signing_string(covered, final, target=rt))
        params = SignatureParams(
            key_id=self.key.key_id, algorithm=RSA_SHA256, headers=covered, signature=signature
        )
        out = [(_CANONICAL_NAMES.get(name, name), value) for name, value in added.items()]
        out.append(("Authorization", f"Signature {format_signature_params(params)}"))
        return RequestSignature(
            headers=tuple(out), request_id=rid, signature=signature, covered=covered, target=rt
        )
