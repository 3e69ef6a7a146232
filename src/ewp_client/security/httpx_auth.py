"""One ``httpx.Auth`` that signs EWP requests and verifies partners' signed responses.

The protocol work is I/O-free and shared: :meth:`EwpAuth.prepare` signs a
request, :meth:`EwpAuth.check` verifies the answer. :meth:`EwpAuth.auth_flow`
is the plain generator over the two. The sync and async drivers
(:meth:`EwpAuth.sync_auth_flow`, :meth:`EwpAuth.async_auth_flow`, httpx's
documented place for I/O in an auth flow) add the I/O:

- they read the body themselves, bounded (:class:`ReadBudget`): the Digest must
  be checked against the raw bytes as received, before httpx undoes any
  ``Content-Encoding``, so they read the raw stream, keep it for the check, and
  re-buffer it so that ``response.content`` still gives the decoded body;
- when the signing key is not in the catalogue copy (a partner's new key is
  often used before our copy shows it), they refresh the catalogue once,
  through ``refresh_keys`` / ``arefresh_keys``, and check the same response
  again: the partner is not asked twice.

After a successful check the :class:`~ewp_client.security.VerifyResult` is in
``response.extensions["ewp_verified"]`` and, unless ``strip_unsigned_headers``
is off, headers the partner did not sign are removed from the response.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Final

import httpx

from ..errors import (
    KeyNotAuthorizedError,
    UnknownKeyError,
    UnknownSigningKey,
)
from .algorithm import RSA_SHA256
from .body import DEFAULT_DEADLINE, DEFAULT_MAX_RESPONSE_SIZE, BodyReader, ReadBudget
from .digest import SHA256
from .request_id import new_request_id
from .request_signer import RequestSigner
from .response_verifier import ResponseVerifier, SentRequest

__all__ = [
    "BUDGET",
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_RESPONSE_SIZE",
    "RAW_BODY",
    "UNSIGNED",
    "VERIFIED",
    "EwpAuth",
    "ReadBudget",
]

#: ``response.extensions`` key of the raw (still content-encoded) body bytes.
RAW_BODY: Final = "ewp_raw_body"
#: ``response.extensions`` key of the :class:`VerifyResult` of a verified response.
VERIFIED: Final = "ewp_verified"
#: ``response.extensions`` key set (``True``) on an unsigned error answer let through unverified.
UNSIGNED: Final = "ewp_unsigned"
#: ``request.extensions`` key of the exchange's :class:`ReadBudget` (set by the EWP clients).
BUDGET: Final = "ewp_budget"

_KEY_ERRORS = (UnknownKeyError, KeyNotAuthorizedError)


class EwpAuth(httpx.Auth):
    """Sign with ``signer`` (client authentication) and verify with ``verifier`` (server auth).

    Either may be ``None``: without a signer the request still gets an
    ``X-Request-Id`` and ``Accept-Signature`` so the response can be bound to it.
    Response bodies are read within the request's :class:`ReadBudget` (in
    ``request.extensions["ewp_budget"]``), or within ``max_response_size``
    bytes when the request has none. ``refresh_keys`` (sync) and
    ``arefresh_keys`` (async) refresh the key catalogue when a response is
    signed with a key it does not know yet (e.g.
    :meth:`~ewp_client.registry.RegistryClient.refresh_for_unknown`).
    """

    requires_request_body = True
    requires_response_body = True

    def __init__(
        self,
        signer: RequestSigner | None = None,
        verifier: ResponseVerifier | None = None,
        *,
        strip_unsigned_headers: bool = True,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        refresh_keys: Callable[[], object] | None = None,
        arefresh_keys: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.signer = signer
        self.verifier = verifier
        self.strip_unsigned_headers = strip_unsigned_headers
        self.max_response_size = max_response_size
        self.refresh_keys = refresh_keys
        self.arefresh_keys = arefresh_keys

    # ------------------------------------------------------------ I/O-free

    def prepare(self, request: httpx.Request) -> SentRequest:
        """Sign ``request`` in place (or give it an ``X-Request-Id``); what the answer must echo."""
        target = request.url.raw_path.decode("ascii")
        if self.signer is not None:
            signed = self.signer.sign(
                method=request.method,
                target=target,
                body=request.content,
                headers=request.headers.multi_items(),
                host=request.url.netloc.decode("ascii"),
            )
            for name, value in signed.headers:
                request.headers[name] = value
            return SentRequest.from_signature(signed)
        request_id = request.headers.get("X-Request-Id") or new_request_id()
        request.headers["X-Request-Id"] = request_id
        if self.verifier is not None:
            request.headers.setdefault("Accept-Signature", RSA_SHA256)
            request.headers.setdefault("Want-Digest", SHA256)
        return SentRequest(request_id=request_id, target=f"{request.method.lower()} {target}")

    def needs_check(self, response: httpx.Response) -> bool:
        """Whether :meth:`check` has anything to verify (an unsigned error may pass unverified)."""
        if self.verifier is None:
            return False
        return self.verifier.needs_verification(
            response.status_code, response.headers.multi_items()
        )

    def check(self, request: httpx.Request, sent: SentRequest, response: httpx.Response) -> None:
        """Verify ``response`` to ``request`` (its body already read); raises the typed error."""
        if self.verifier is None:
            return
        if not self.needs_check(response):
            response.extensions[UNSIGNED] = True  # an error answer the specs let go unsigned
            return
        items = response.headers.multi_items()
        raw = response.extensions.get(RAW_BODY)
        result = self.verifier.verify(
            request=sent,
            endpoint=str(request.url.copy_with(query=None, fragment=None)),
            headers=items,
            body=raw if isinstance(raw, bytes) else response.content,
            status=response.status_code,
        )
        response.extensions[VERIFIED] = result
        if self.strip_unsigned_headers:
            covered = set(result.covered)
            for name in {n.lower() for n, _ in items} - covered:
                del response.headers[name]

    def _check_refreshed(
        self, request: httpx.Request, sent: SentRequest, response: httpx.Response
    ) -> None:
        """:meth:`check` again once the catalogue was refreshed; an unknown key says so."""
        try:
            self.check(request, sent, response)
        except UnknownSigningKey as exc:
            exc.catalogue_refreshed = True
            raise

    def budget(self, request: httpx.Request) -> ReadBudget:
        """The request's budget, or one of ``max_response_size`` bytes and no deadline."""
        found = request.extensions.get(BUDGET)
        if isinstance(found, ReadBudget):
            return found
        url = str(request.url.copy_with(query=None, fragment=None))
        return ReadBudget(max_size=self.max_response_size, url=url)

    # ------------------------------------------------------------ drivers

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Sign, send, verify; no body reading of its own and no catalogue refresh."""
        sent = self.prepare(request)
        response = yield request
        self.check(request, sent, response)

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        sent = self.prepare(request)
        response = yield request
        response.extensions[RAW_BODY] = BodyReader(response, self.budget(request)).read()
        try:
            self.check(request, sent, response)
        except _KEY_ERRORS:
            if self.refresh_keys is None:
                raise
            self.refresh_keys()
            self._check_refreshed(request, sent, response)

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        sent = self.prepare(request)
        response = yield request
        response.extensions[RAW_BODY] = await BodyReader(response, self.budget(request)).aread()
        try:
            self.check(request, sent, response)
        except _KEY_ERRORS:
            if self.arefresh_keys is None:
                raise
            await self.arefresh_keys()
            self._check_refreshed(request, sent, response)
