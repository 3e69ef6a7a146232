"""HTTP Signatures on the server side, as a pure ASGI middleware (no web framework).

:class:`EwpSignatureMiddleware` goes in front of a SIS team's EWP endpoints
(any ASGI app: Starlette, FastAPI, Django, a bare function). For each HTTP
request it:

1. reads the body, refusing it with 413 as soon as ``Content-Length`` says it
   is over ``max_body_bytes``, or once that many bytes have arrived (a client
   cannot make the server hold more); a client that goes away before its body
   is complete is logged in one line and answered nothing;
2. verifies the HTTP Signature with :class:`~ewp_client.security.RequestVerifier`
   (a failure is answered with its EWP ``error-response``: 401 with the
   challenge headers, 400, 403). Which paths: given ``routes`` (path to
   :class:`~ewp_client.server.params.EndpointRules`), those paths only, a
   method their rules do not take being answered 405 before anything is read
   (other paths go to the app as they are: its 404, or public documents);
   without ``routes``, every path but the ``public`` ones (Discovery
   manifests, a catalogue);
3. calls the app with the body replayed and the verified result in
   ``scope["state"]["ewp_verified"]`` (:data:`VERIFIED_KEY`; Starlette shows
   it as ``request.state.ewp_verified``; :func:`verified_of` reads it). The
   :class:`~ewp_client.security.VerifyResult` holds only signed headers and
   the digest-checked body: read the input from it, never from the raw
   request, so that unsigned headers are not trusted. A refused signature
   leaves its :class:`~ewp_client.errors.HttpSignatureError` in
   ``scope["state"]["ewp_signature_error"]`` (:data:`SIGNATURE_ERROR_KEY`).
   Both are written into the ``scope["state"]`` the middleware was given, so
   that a layer outside it (an exchange log) can tell why a request was
   refused, or whose it was;
4. buffers the app's answer and, when the request's ``Accept-Signature``
   lists ``rsa-sha256`` and a ``signer`` is given, signs the final bytes
   (:class:`~ewp_client.security.ResponseSigner`). Any middleware that changes
   the body (compression) must be inside this one.

An :class:`~ewp_client.errors.EwpError` the app raises (``InvalidParameter``,
``MethodNotAllowed``, ``Forbidden``...) is answered as its ``error-response``;
any other exception as a 500 ``error-response``, logged, never a traceback
page. Answers are signed like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Final

from ..errors import EwpError, HttpSignatureError, MissingSignatureError, PayloadTooLarge
from ..security import RequestVerifier, ResponseSigner, VerifyResult, wants_signed_response
from .answers import Answer, error_answer
from .params import EndpointRules, Parameters

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "SIGNATURE_ERROR_KEY",
    "VERIFIED_KEY",
    "ASGIApp",
    "EwpSignatureMiddleware",
    "parameters_of",
    "replay_body",
    "request_target",
    "send_answer",
    "verified_of",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
HeaderList = list[tuple[str, str]]

#: Where the verified request is put in ``scope["state"]``.
VERIFIED_KEY: Final = "ewp_verified"
#: Where the :class:`~ewp_client.errors.HttpSignatureError` a request was refused for is put
#: in ``scope["state"]``.
SIGNATURE_ERROR_KEY: Final = "ewp_signature_error"
#: Request bodies over this many bytes are refused (413) unless configured otherwise.
DEFAULT_MAX_BODY_BYTES: Final = 4 * 1024 * 1024


def verified_of(scope: Scope) -> VerifyResult | None:
    """The :class:`VerifyResult` the middleware left in ``scope``, ``None`` when not verified."""
    result = scope.get("state", {}).get(VERIFIED_KEY)
    return result if isinstance(result, VerifyResult) else None


def parameters_of(
    scope: Scope, rules: EndpointRules, limits: Mapping[str, int] | None = None
) -> Parameters:
    """The verified request's parameters read by ``rules`` (405, 415, 400 as typed errors).

    The form body is the digest-checked one; ``Content-Type`` is read as
    signed, or as sent when the client did not sign it (the specs do not make
    clients sign it: the Digest covers the body). A request the middleware did
    not verify is a :class:`~ewp_client.errors.MissingSignatureError`.
    """
    verified = verified_of(scope)
    if verified is None:
        raise MissingSignatureError("this endpoint needs an HTTP Signature")
    sent = dict(_headers(scope)).get("content-type")
    return rules.read(
        method=scope["method"],
        query=bytes(scope.get("query_string", b"")),
        content_type=verified.header("content-type") or sent,
        body=verified.body,
        limits=limits,
    )


async def send_answer(send: Send, answer: Answer) -> None:
    """Send ``answer`` through an ASGI ``send`` (for apps written without a framework)."""
    headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in answer.headers]
    headers.append((b"content-length", str(len(answer.body)).encode("ascii")))
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": answer.body, "more_body": False})


def request_target(scope: Scope) -> str:
    """Path and query exactly as received (what ``(request-target)`` was signed over)."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    query = scope.get("query_string", b"")
    target = bytes(raw).decode("latin-1")
    return f"{target}?{bytes(query).decode('latin-1')}" if query else target


class _ClientGone(Exception):
    """The client disconnected before its request body was complete."""


class _Captured:
    """The app's response, held until it is complete so that its final bytes can be signed."""

    def __init__(self, send: Send) -> None:
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self._send = send

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        elif message["type"] == "http.response.body":
            self.chunks.append(bytes(message.get("body", b"")))
        else:
            await self._send(message)

    def replace(self, answer: Answer) -> None:
        headers = [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in answer.headers]
        headers.append((b"content-length", str(len(answer.body)).encode("ascii")))
        self.start = {"type": "http.response.start", "status": answer.status, "headers": headers}
        self.chunks = [answer.body]


class EwpSignatureMiddleware:
    """Verifies requests' HTTP Signatures and signs the final responses (see the module).

    ``verifier`` is a :class:`RequestVerifier` or a function giving the one to
    use now (a server whose catalogue changes); ``host`` the ``host[:port]``
    requests must be signed for (``None``: the web server enforces it);
    ``routes`` maps the paths of the EWP endpoints to their rules (only they
    are verified), or ``public`` tells the paths served without client
    authentication (every other path is verified); ``signer`` signs
    responses when the client asks (``None``: never).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        verifier: RequestVerifier | Callable[[], RequestVerifier],
        signer: ResponseSigner | None = None,
        host: str | None = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        public: Callable[[str], bool] | None = None,
        routes: Mapping[str, EndpointRules] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        self.app = app
        self._verifier = verifier
        self.signer = signer
        self.host = host
        self.max_body_bytes = max_body_bytes
        self.public = public or (lambda path: False)
        self.routes = routes
        self.log = logger or logging.getLogger("ewp_client.server")

    def verifier(self) -> RequestVerifier:
        verifier = self._verifier
        return verifier if isinstance(verifier, RequestVerifier) else verifier()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        captured = _Captured(send)
        try:
            if not self._protects(scope):
                await self.app(scope, receive, captured.send)
            else:
                body = await self._read_body(scope, receive)
                state = scope.setdefault("state", {})
                try:
                    result = self.verifier().verify(
                        method=scope["method"],
                        target=request_target(scope),
                        headers=_headers(scope),
                        body=body,
                        host=self.host,
                    )
                except HttpSignatureError as refused:
                    state[SIGNATURE_ERROR_KEY] = refused
                    raise
                state[VERIFIED_KEY] = result
                await self.app(scope, replay_body(body, receive), captured.send)
        except _ClientGone:
            self.log.warning(
                "client %s went away before sending the whole request body (%s %s); not answered",
                _client(scope),
                scope.get("method", "?"),
                _raw_path(scope),
            )
            return
        except EwpError as error:
            captured.replace(error_answer(error))
        except Exception:
            self.log.exception("unhandled error answering %s %s", scope["method"], _raw_path(scope))
            captured.replace(error_answer("the server failed to answer", status=500))
        await self._send(scope, captured, send)

    def _protects(self, scope: Scope) -> bool:
        """Whether ``scope``'s path needs a signature (405 for a method its rules refuse)."""
        path = scope["path"]
        if self.routes is None:
            return not self.public(path)
        rules = self.routes.get(path)
        if rules is not None:
            rules.check_method(scope["method"])
        return rules is not None

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.max_body_bytes
        declared = dict(_headers(scope)).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _ClientGone
            chunk = bytes(message.get("body", b""))
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _send(self, scope: Scope, captured: _Captured, send: Send) -> None:
        if captured.start is None:
            captured.replace(error_answer("the application sent no response", status=500))
        start = captured.start or {}
        body = b"".join(captured.chunks)
        raw_headers = list(start.get("headers", []))
        request_headers = _headers(scope)
        if self.signer is not None and wants_signed_response(request_headers):
            raw_headers = self._signed(self.signer, raw_headers, request_headers, body)
        await send({**start, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    @staticmethod
    def _signed(
        signer: ResponseSigner,
        raw_headers: list[tuple[bytes, bytes]],
        request_headers: HeaderList,
        body: bytes,
    ) -> list[tuple[bytes, bytes]]:
        present = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in raw_headers]
        added = signer.sign(request_headers=request_headers, headers=present, body=body)
        replaced = {name.lower() for name, _ in added}
        kept = [(n, v) for n, v in raw_headers if n.decode("latin-1").lower() not in replaced]
        return kept + [(n.lower().encode("latin-1"), v.encode("latin-1")) for n, v in added]


def replay_body(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app the body already read, then the server's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the request body is larger than this server accepts ({limit} bytes)", limit=limit
    )


def _headers(scope: Scope) -> HeaderList:
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope.get("headers", [])]


def _client(scope: Scope) -> str:
    """The peer address of ``scope`` as ``host:port`` (``unknown`` when the server gave none)."""
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown"


def _raw_path(scope: Scope) -> str:
    """The path as received (percent-encoded, no query), escaped so it stays on one log line."""
    raw = bytes(scope.get("raw_path") or scope.get("path", "?").encode("utf-8"))
    return raw.decode("latin-1").encode("unicode_escape").decode("ascii")
