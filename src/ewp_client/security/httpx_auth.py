"""One ``httpx.Auth`` that signs EWP requests and verifies partners' signed responses.

The protocol work is one generator, :meth:`EwpAuth.auth_flow`, shared by
``httpx.Client`` and ``httpx.AsyncClient``. The sync and async drivers differ
only in how they read the response: the Digest must be checked against the raw
bytes as received, before httpx undoes any ``Content-Encoding``, so they read
the raw stream, keep it for the flow, and re-buffer it so that
``response.content`` still gives the decoded body.

After a successful check the :class:`~ewp_client.security.VerifyResult` is in
``response.extensions["ewp_verified"]`` and, unless ``strip_unsigned_headers``
is off, headers the partner did not sign are removed from the response.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import Final

import httpx

from ..errors import KeyNotAuthorizedError, UnknownKeyError
from .algorithm import RSA_SHA256
from .digest import SHA256
from .request_id import new_request_id
from .request_signer import RequestSigner
from .response_verifier import ResponseVerifier, SentRequest

__all__ = ["RAW_BODY", "VERIFIED", "EwpAuth"]

#: ``response.extensions`` key of the raw (still content-encoded) body bytes.
RAW_BODY: Final = "ewp_raw_body"
#: ``response.extensions`` key of the :class:`VerifyResult` of a verified response.
VERIFIED: Final = "ewp_verified"


class EwpAuth(httpx.Auth):
    """Sign with ``signer`` (client authentication) and verify with ``verifier`` (server auth).

    Either may be ``None``: without a signer the request still gets an
    ``X-Request-Id`` and ``Accept-Signature`` so the response can be bound to it.
    """

    requires_request_body = True
    requires_response_body = True

    def __init__(
        self,
        signer: RequestSigner | None = None,
        verifier: ResponseVerifier | None = None,
        *,
        strip_unsigned_headers: bool = True,
    ) -> None:
        self.signer = signer
        self.verifier = verifier
        self.strip_unsigned_headers = strip_unsigned_headers

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        sent = self._prepare(request)
        response = yield request
        if self.verifier is None:
            return
        items = response.headers.multi_items()
        if not self.verifier.needs_verification(response.status_code, items):
            return
        verifier = self.verifier
        raw = response.extensions.get(RAW_BODY)

        def verify() -> httpx.Response:
            result = verifier.verify(
                request=sent,
                endpoint=str(request.url.copy_with(query=None, fragment=None)),
                headers=items,
                body=raw if isinstance(raw, bytes) else response.content,
            )
            response.extensions[VERIFIED] = result
            if self.strip_unsigned_headers:
                covered = set(result.covered)
                for name in {n.lower() for n, _ in items} - covered:
                    del response.headers[name]
            return response

        try:
            verify()
        except (UnknownKeyError, KeyNotAuthorizedError) as exc:
            exc.retry_verification = verify
            raise

    def _prepare(self, request: httpx.Request) -> SentRequest:
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

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        request.read()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            response.extensions[RAW_BODY] = _read_raw(response)
            try:
                request = flow.send(response)
            except StopIteration:
                break

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await request.aread()
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            response.extensions[RAW_BODY] = await _aread_raw(response)
            try:
                request = flow.send(response)
            except StopIteration:
                break


def _read_raw(response: httpx.Response) -> bytes:
    stream = response.stream
    if not isinstance(stream, httpx.SyncByteStream):
        raise TypeError("a sync client gave an async response stream")
    if response.is_stream_consumed:
        # Built from in-memory content (e.g. MockTransport): the stream replays its bytes.
        return b"".join(stream)
    raw = b"".join(response.iter_raw())
    _rebuffer(response, raw)
    response.read()
    return raw


async def _aread_raw(response: httpx.Response) -> bytes:
    stream = response.stream
    if response.is_stream_consumed:
        if isinstance(stream, httpx.AsyncByteStream):
            return b"".join([chunk async for chunk in stream])
        if isinstance(stream, httpx.SyncByteStream):
            return b"".join(stream)
    raw = b"".join([chunk async for chunk in response.aiter_raw()])
    _rebuffer(response, raw)
    await response.aread()
    return raw


def _rebuffer(response: httpx.Response, raw: bytes) -> None:
    """Put the raw bytes back as the response's stream so httpx decodes them as usual."""
    response.stream = httpx.ByteStream(raw)
    response.is_stream_consumed = False
    response.is_closed = False
