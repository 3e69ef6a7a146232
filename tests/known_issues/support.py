"""A partner whose otherwise valid, signed answers the test rewrites: one known issue at a time.

The partner is :class:`tests.support.network.Network`'s (it verifies our
request signatures and signs its answers with the library's own
:class:`~ewp_client.security.ResponseSigner`); :class:`Rewritten` then applies
the test's small rewrite to each signed answer, as a proxy or a partner's bug
would. :func:`no_ewp_warnings` turns every :class:`EwpWarning` into an error,
so that a clean exchange is seen to issue none.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from ewp_client.client import EwpClient
from ewp_client.errors import EwpWarning
from ewp_client.security import SigningKey
from ewp_client.security.algorithm import RSA_SHA256, sign_rsa_sha256
from ewp_client.security.digest import digest_header
from ewp_client.security.signature_params import SignatureParams, format_signature_params
from ewp_client.security.signing_string import signing_string
from tests.support.network import Handler, Network, Sleeps

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


def response(
    status: int, headers: list[tuple[str, str]] | httpx.Headers, body: bytes
) -> httpx.Response:
    """An answer carrying exactly ``body`` as its raw bytes (no encoding undone or added)."""
    items = headers.multi_items() if isinstance(headers, httpx.Headers) else headers
    return httpx.Response(status, headers=items, stream=httpx.ByteStream(body))


def raw_body(answer: httpx.Response) -> bytes:
    """The bytes ``answer`` carries on the wire (read or not)."""
    stream = answer.stream
    if isinstance(stream, httpx.ByteStream):
        return b"".join(stream)
    return answer.content


def with_header(answer: httpx.Response, name: str, value: str) -> httpx.Response:
    headers = httpx.Headers(answer.headers)
    headers[name] = value
    return response(answer.status_code, headers, raw_body(answer))


class Rewritten(httpx.BaseTransport):
    """``inner``'s answers, each passed through ``rewrite`` (the identity: a clean partner)."""

    def __init__(self, inner: httpx.BaseTransport, rewrite: Rewrite | None) -> None:
        self.inner = inner
        self.rewrite = rewrite

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.inner.handle_request(request)
        answer.read()
        if self.rewrite is None:
            return answer
        return self.rewrite(request, answer)


def client(
    net: Network,
    handler: Handler,
    rewrite: Rewrite | None = None,
    *,
    sign: bool = True,
    **kw: Any,
) -> EwpClient:
    """Our client talking to ``handler`` behind ``rewrite`` (retry sleeps recorded)."""
    kw.setdefault("sleep", Sleeps())
    transport = Rewritten(net.partner(handler, sign=sign), rewrite)
    return EwpClient(net.registry(), key=net.our_key, http=httpx.Client(transport=transport), **kw)


def sign_covering(
    key: SigningKey, request: httpx.Request, answer: httpx.Response, covered: tuple[str, ...]
) -> httpx.Response:
    """``answer`` signed again with ``key``, its signature covering exactly ``covered``
    (with the library's signing string and RSA primitive), its ``Digest`` of its body."""
    body = raw_body(answer)
    headers = httpx.Headers(answer.headers)
    headers["Digest"] = digest_header(body)
    headers["X-Request-Id"] = request.headers["X-Request-Id"]
    fields = {name.lower(): value for name, value in headers.multi_items()}
    signature = sign_rsa_sha256(key.private_key, signing_string(covered, fields))
    params = SignatureParams(
        key_id=key.key_id, algorithm=RSA_SHA256, headers=covered, signature=signature
    )
    headers["Signature"] = format_signature_params(params)
    return response(answer.status_code, headers, body)


@contextmanager
def no_ewp_warnings() -> Iterator[None]:
    """Every :class:`EwpWarning` issued inside is raised instead: a clean exchange has none."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", EwpWarning)
        yield


def caught(records: Any, kind: type[EwpWarning]) -> list[Any]:
    """The warnings of ``kind`` among those ``pytest.warns`` recorded."""
    return [r.message for r in records if isinstance(r.message, kind)]
