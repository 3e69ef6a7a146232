"""Server side: verify an EWP-signed request (HTTP Signature Client Authentication).

The checks run in the order the specification lists them, each failing with
the :class:`~ewp_client.errors.HttpSignatureError` subclass whose ``status`` is
the HTTP status to answer:

1. ``Authorization: Signature`` present (else 401 with :data:`CHALLENGE_HEADERS`),
   parsable, ``rsa-sha256``, covering the required headers, each covered header
   present (400);
2. ``Host`` is ours (400);
3. ``keyId`` is a client key in the catalogue (403; a server-only key is 403 too);
4. ``Date`` / ``Original-Date`` parse and are within the skew window (400);
5. ``X-Request-Id`` is a lower-case canonical UUID (400);
6. the RSA signature verifies (400), then the ``Digest`` matches the body (400);
7. optionally, the ``X-Request-Id`` was not seen before (400).

The replay check comes last so that only authentic requests are remembered:
an attacker cannot burn a future request id with a forged request.
"""

from __future__ import annotations

from typing import Final

from ..errors import (
    HostMismatchError,
    KeyNotAuthorizedError,
    MissingSignedHeaderError,
    ReplayError,
    SignatureMismatchError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
)
from .algorithm import RSA_SHA256, verify_rsa_sha256
from .digest import SHA256, verify_digest
from .policy import VerificationPolicy
from .request_id import check_request_id
from .resolver import KeyInfo, KeyResolver
from .result import VerifyResult
from .signature_params import SignatureParams, parse_authorization
from .signing_string import HeaderItems, combine_headers, request_target, signing_string
from .verification import check_covered_present, check_dates, verified

__all__ = ["CHALLENGE_HEADERS", "RequestVerifier"]

#: Headers of the 401 answer to a request without an HTTP Signature.
CHALLENGE_HEADERS: Final = (("WWW-Authenticate", 'Signature realm="EWP"'), ("Want-Digest", SHA256))


class RequestVerifier:
    """Verifies requests against a :class:`KeyResolver` under a :class:`VerificationPolicy`."""

    def __init__(self, resolver: KeyResolver, policy: VerificationPolicy | None = None) -> None:
        self.resolver = resolver
        self.policy = policy or VerificationPolicy()

    def verify(
        self,
        *,
        method: str,
        target: str,
        headers: HeaderItems,
        body: bytes,
        host: str | None = None,
        now: float | None = None,
    ) -> VerifyResult:
        """Verify one request; the :class:`VerifyResult` holds only what the signature covers.

        ``target`` is the path and query as received on the wire; ``host`` the
        host (and port, if not default) this server answers to, or ``None`` to
        skip the Host check when the web server already enforces it.
        """
        items = tuple(headers)
        fields = combine_headers(items)
        now = VerificationPolicy.now() if now is None else now
        params = parse_authorization(fields.get("authorization"))
        self._check_params(params, fields)
        sent_host = fields.get("host", "")
        if host is not None and sent_host.lower() != host.lower():
            raise HostMismatchError(
                f"the request is for host {sent_host!r}, this server is {host!r}"
            )
        client = self._client_key(params.key_id)
        check_dates(params, fields, now=now, policy=self.policy)
        request_id = check_request_id(fields.get("x-request-id"))
        data = signing_string(params.headers, fields, target=request_target(method, target))
        if not verify_rsa_sha256(client.public_key, data, params.signature):
            raise SignatureMismatchError(
                f"the signature does not verify with client key {params.key_id}"
            )
        verify_digest(fields.get("digest"), body, content_encoding=fields.get("content-encoding"))
        store = self.policy.replay_store
        if store is not None and store.seen_before(
            request_id, now=now, window=2 * self.policy.clock_skew
        ):
            raise ReplayError(f"X-Request-Id {request_id} was already used")
        return verified(params, items, body, request_id=request_id, heis=client.heis)

    def _check_params(self, params: SignatureParams, fields: dict[str, str]) -> None:
        if (params.algorithm or "").lower() != RSA_SHA256:
            raise UnsupportedAlgorithmError(
                f"the signature algorithm is {params.algorithm!r}; EWP requires {RSA_SHA256!r}"
            )
        for name in self.policy.required_request_headers:
            if name not in params.headers:
                raise MissingSignedHeaderError(f"the signature must cover {name!r}", header=name)
        check_covered_present(params, fields, signature="the signature", message="request")

    def _client_key(self, key_id: str) -> KeyInfo:
        client = self.resolver.client_key(key_id)
        if client is not None:
            return client
        if self.resolver.public_key(key_id) is not None:
            raise KeyNotAuthorizedError(
                f"key {key_id} is published, but not as a client key", key_id=key_id
            )
        raise UnknownKeyError(f"key {key_id} is not a client key in the catalogue", key_id=key_id)
