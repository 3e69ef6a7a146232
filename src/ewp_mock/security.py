"""HTTP Signatures at the mock's edge, all checks delegated to :mod:`ewp_client.security`.

* :func:`verified_request` is the FastAPI dependency of every signed route: it
  runs :class:`~ewp_client.security.RequestVerifier` over the request as
  received and hands the route a :class:`~ewp_client.security.VerifyResult`,
  which holds only signed headers and the digest-checked body: routes read
  their input from it, never from the raw request, so unsigned headers are
  not passed on.
* :func:`error_response` turns a failed check (or any
  :class:`~ewp_client.errors.PartnerError`) into the EWP ``error-response``
  with the status the error names, plus the challenge headers for a 401.
* :class:`ResponseSigningMiddleware` signs every response, errors included,
  when the request's ``Accept-Signature`` lists ``rsa-sha256``. It is pure ASGI
  and buffers the body, so it signs the final bytes sent; any middleware that
  changes the body (compression) must be added inside it. A client that goes
  away before its request body is complete is logged in one line, answered
  nothing (nobody is listening), and no traceback is printed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated, Final, cast

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ewp_client.error_response import render_error_response, status_for
from ewp_client.errors import EwpError, HttpSignatureError, PartnerError
from ewp_client.security import (
    CHALLENGE_HEADERS,
    ResponseSigner,
    VerifyResult,
    wants_signed_response,
)

from .xml_text import escape_unrepresentable

if TYPE_CHECKING:
    from .node import MockNode

__all__ = [
    "XML_MEDIA_TYPE",
    "ResponseSigningMiddleware",
    "SignedRequest",
    "error_response",
    "node_of",
    "request_target",
    "verified_request",
    "xml_response",
]

log = logging.getLogger("ewp_mock")

XML_MEDIA_TYPE: Final = "text/xml; charset=utf-8"

HeaderList = list[tuple[str, str]]


def node_of(request: Request) -> MockNode:
    """The :class:`~ewp_mock.node.MockNode` of the app serving ``request``."""
    return cast("MockNode", request.app.state.node)


def request_target(scope: Scope) -> str:
    """Path and query exactly as received (what ``(request-target)`` was signed over)."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string", b"")
    target = bytes(raw).decode("latin-1")
    return f"{target}?{bytes(query).decode('latin-1')}" if query else target


def _headers(scope: Scope) -> HeaderList:
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope.get("headers", [])]


async def verified_request(request: Request) -> VerifyResult:
    """Verify the request's HTTP Signature; raises :class:`HttpSignatureError` when it fails.

    A body over the node's ``max_request_bytes`` is refused with a 413 as soon
    as its ``Content-Length`` says so, or once that many bytes have arrived.
    """
    node = node_of(request)
    body = await _bounded_body(request, node.config.max_request_bytes)
    return node.request_verifier().verify(
        method=request.method,
        target=request_target(request.scope),
        headers=_headers(request.scope),
        body=body,
        host=node.config.authority,
    )


async def _bounded_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the request body is larger than this node accepts ({limit} bytes)")


#: A route parameter typed ``SignedRequest`` makes the route require client authentication.
SignedRequest = Annotated[VerifyResult, Depends(verified_request)]


def xml_response(body: bytes, status: int = 200, headers: HeaderList | None = None) -> Response:
    return Response(
        content=body, status_code=status, media_type=XML_MEDIA_TYPE, headers=dict(headers or [])
    )


def error_response(error: EwpError | str, status: int | None = None) -> Response:
    """The EWP ``error-response`` for ``error``, with the status it maps to.

    An :class:`HttpSignatureError` answers its ``status`` (401 with the
    challenge headers), a :class:`PartnerError` the status of its type.
    Characters XML cannot carry in the message (it may quote what a client
    sent) are written as escapes, so the answer is always a document.
    """
    headers: HeaderList = []
    if isinstance(error, HttpSignatureError):
        code = error.status
        if code == 401:
            headers.extend(CHALLENGE_HEADERS)
    elif isinstance(error, PartnerError):
        code = status_for(error)
    else:
        code = status or 500
    body = render_error_response(escape_unrepresentable(str(error)))
    return xml_response(body, status or code, headers)


class ResponseSigningMiddleware:
    """Signs the complete response with the node's server key when the client asks for it.

    Also the last line of defence: an exception no handler took becomes a
    500 ``error-response`` (signed like any other answer) instead of a bare
    text page from the server.
    """

    def __init__(self, app: ASGIApp, signer: ResponseSigner) -> None:
        self.app = app
        self.signer = signer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(bytes(message.get("body", b"")))
            else:
                await send(message)

        try:
            await self.app(scope, receive, capture)
        except ClientDisconnect:
            log.warning(
                "client %s went away before sending the whole request body (%s %s); not answered",
                _client(scope),
                scope.get("method", "?"),
                _raw_path(scope),
            )
            return
        except Exception:
            if start is not None:
                raise
            log.exception("unhandled error in the mock partner")
            fallback = error_response("the mock partner failed to answer", status=500)
            start = {
                "type": "http.response.start",
                "status": fallback.status_code,
                "headers": fallback.raw_headers,
            }
            chunks = [bytes(fallback.body)]
        if start is None:
            raise RuntimeError("the application sent no response")
        body = b"".join(chunks)
        raw_headers = list(start.get("headers", []))
        request_headers = _headers(scope)
        if wants_signed_response(request_headers):
            raw_headers = self._signed(raw_headers, request_headers, body)
        await send({**start, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _signed(
        self, raw_headers: list[tuple[bytes, bytes]], request_headers: HeaderList, body: bytes
    ) -> list[tuple[bytes, bytes]]:
        present = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw_headers]
        added = self.signer.sign(request_headers=request_headers, headers=present, body=body)
        replaced = {name.lower() for name, _ in added}
        kept = [(n, v) for n, v in raw_headers if n.decode("latin-1").lower() not in replaced]
        return kept + [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in added]


def _client(scope: Scope) -> str:
    """The peer address of ``scope`` as ``host:port`` (``unknown`` when the server gave none)."""
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown"


def _raw_path(scope: Scope) -> str:
    """The path as received (percent-encoded, no query), escaped so it stays on one log line."""
    raw = bytes(scope.get("raw_path") or scope.get("path", "?").encode("utf-8"))
    return raw.decode("latin-1").encode("unicode_escape").decode("ascii")
