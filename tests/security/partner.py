"""A minimal EWP partner for transport tests: verifies requests, signs responses.

Written against the library's sans-I/O API only, the way ``ewp_mock`` uses it;
``mode`` switches on a partner's known mistakes.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from ewp_client.errors import HttpSignatureError
from ewp_client.security import (
    CHALLENGE_HEADERS,
    RequestVerifier,
    ResponseSigner,
    SigningKey,
    wants_signed_response,
)
from tests.support.loopback import loopback_server

Headers = tuple[tuple[str, str], ...]


@dataclass
class Partner:
    verifier: RequestVerifier
    key: SigningKey
    mode: str = "correct"  # correct | gzip | digest-before-gzip | unsigned | unsigned-error
    seen: list[Headers] = field(default_factory=list)

    def handle(
        self, method: str, target: str, headers: Headers, body: bytes
    ) -> tuple[int, Headers, bytes]:
        try:
            result = self.verifier.verify(method=method, target=target, headers=headers, body=body)
        except HttpSignatureError as exc:
            extra = CHALLENGE_HEADERS if exc.status == 401 else ()
            return self._answer(exc.status, (("Content-Type", "application/xml"), *extra),
                                b"<error-response/>", headers)  # fmt: skip
        self.seen.append(result.headers)
        payload = b"<echo-response><hei-id>" + ",".join(sorted(result.heis)).encode() + b"</hei-id>"
        payload += b"<echo>" + result.body + b"</echo></echo-response>"
        return self._answer(200, (("Content-Type", "application/xml"),), payload, headers)

    def _answer(
        self, status: int, out: Headers, body: bytes, request: Headers
    ) -> tuple[int, Headers, bytes]:
        if self.mode == "unsigned" or (self.mode == "unsigned-error" and status >= 400):
            return status, out, body
        if not wants_signed_response(request):
            return status, out, body
        if self.mode == "gzip":  # compress, then sign the bytes as sent
            body = gzip.compress(body)
            out = (*out, ("Content-Encoding", "gzip"))
        added = ResponseSigner(self.key).sign(request_headers=request, headers=out, body=body)
        if self.mode == "digest-before-gzip":  # the known mistake: compress after signing
            body = gzip.compress(body)
            added = (*added, ("Content-Encoding", "gzip"))
        names = {n.lower() for n, _ in added}
        return status, tuple((n, v) for n, v in out if n.lower() not in names) + added, body


@contextmanager
def serve(partner: Partner) -> Iterator[str]:
    """Run ``partner`` on a loopback HTTP server; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status, headers, out = partner.handle(
                self.command, self.path, tuple(self.headers.items()), body
            )
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_GET = do_POST = _any  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:
            return

    with loopback_server(Handler) as port:
        yield f"http://127.0.0.1:{port}"
