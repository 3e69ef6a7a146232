"""Test messages: signed EWP requests and responses, and ways to break them.

Everything here builds messages through the library's public API; the
breaking helpers re-sign with arbitrary parameters, which the library itself
never does, so each negative case reproduces a real partner's mistake.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Final

from ewp_client.errors import (
    DigestError,
    HostMismatchError,
    HttpSignatureError,
    SignatureMismatchError,
)
from ewp_client.security import (
    RSA_SHA256,
    SigningKey,
    combine_headers,
    format_http_date,
    format_signature_params,
    parse_authorization,
    parse_http_date,
    parse_signature_params,
    request_target,
    sign_rsa_sha256,
    signing_string,
)
from ewp_client.security.signature_params import SignatureParams

#: A fixed "now" for every check (Mon, 24 Nov 2025 16:00:00 GMT).
NOW: Final = 1_764_000_000.0
HOST: Final = "partner.example.org"
ENDPOINT: Final = f"https://{HOST}/ewp/echo"
TARGET: Final = "/ewp/echo?hei_id=uni.example.org"
BODY: Final = b"echo=a&echo=b"


@dataclass(frozen=True)
class Message:
    """An HTTP message as a verifier sees it: headers in wire order and raw body bytes."""

    headers: tuple[tuple[str, str], ...]
    body: bytes = b""
    method: str = "POST"
    target: str = TARGET
    status: int = 200

    def get(self, name: str) -> str | None:
        return combine_headers(self.headers).get(name.lower())

    def without(self, name: str) -> Message:
        return replace(self, headers=tuple((n, v) for n, v in self.headers if n.lower() != name))

    def with_header(self, name: str, value: str) -> Message:
        kept = self.without(name.lower())
        return replace(kept, headers=(*kept.headers, (name, value)))

    def with_body(self, body: bytes) -> Message:
        return replace(self, body=body)


@dataclass
class Sender:
    """Builds signed messages with full control over what gets signed, and how."""

    key: SigningKey
    now: float = NOW
    extra: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        *,
        covered: tuple[str, ...] | None = None,
        date_header: str = "Date",
        date: float | None = None,
        body: bytes = BODY,
        target: str = TARGET,
        host: str = HOST,
        key_id: str | None = None,
        algorithm: str | None = RSA_SHA256,
        request_id: str | None = None,
    ) -> Message:
        headers: dict[str, str] = {
            "Host": host,
            date_header: format_http_date(self.now if date is None else date),
            "X-Request-Id": request_id or str(uuid.uuid4()),
            "Digest": "SHA-256=" + _b64sha256(body),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept-Signature": RSA_SHA256,
            **self.extra,
        }
        if covered is None:
            covered = ("(request-target)", "host", date_header.lower(), "digest", "x-request-id")
        msg = Message(headers=tuple(headers.items()), body=body, target=target)
        return sign_request_as(msg, self.key, covered, key_id=key_id, algorithm=algorithm)


def _b64sha256(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def _signature(
    msg: Message, key: SigningKey, covered: tuple[str, ...], *, target: str | None
) -> str:
    return sign_rsa_sha256(
        key.private_key, signing_string(covered, combine_headers(msg.headers), target=target)
    )


def sign_request_as(
    msg: Message,
    key: SigningKey,
    covered: tuple[str, ...],
    *,
    key_id: str | None = None,
    algorithm: str | None = RSA_SHA256,
) -> Message:
    """``msg`` with a fresh ``Authorization: Signature`` made exactly as told."""
    target = request_target(msg.method, msg.target)
    params = SignatureParams(
        key_id=key_id or key.key_id,
        algorithm=algorithm,
        headers=covered,
        signature=_signature(msg, key, covered, target=target),
    )
    return msg.with_header("Authorization", f"Signature {format_signature_params(params)}")


def sign_response_as(
    msg: Message,
    key: SigningKey,
    covered: tuple[str, ...],
    *,
    key_id: str | None = None,
    algorithm: str | None = RSA_SHA256,
) -> Message:
    """``msg`` with a fresh ``Signature`` header made exactly as told."""
    params = SignatureParams(
        key_id=key_id or key.key_id,
        algorithm=algorithm,
        headers=covered,
        signature=_signature(msg, key, covered, target=None),
    )
    return msg.with_header("Signature", format_signature_params(params))


def flip_signature(value: str) -> str:
    """A valid base64 signature one bit away from ``value``."""
    raw = bytearray(base64.b64decode(value))
    raw[len(raw) // 2] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _params_of(msg: Message, header: str) -> SignatureParams:
    value = msg.get(header)
    assert value is not None
    if header == "authorization":
        return parse_authorization(value)
    return parse_signature_params(value)


def _with_params(msg: Message, header: str, params: SignatureParams) -> Message:
    text = format_signature_params(params)
    if header == "authorization":
        return msg.with_header("Authorization", f"Signature {text}")
    return msg.with_header("Signature", text)


def _mutated_value(name: str, value: str) -> str:
    """A different value of the same shape, so only the signature can notice."""
    if name in ("date", "original-date"):
        return format_http_date(parse_http_date(value) + 1)
    if name == "x-request-id":
        return str(uuid.uuid4())
    if name == "digest":
        return "SHA-256=" + _b64sha256(b"something else")
    return value + "x"


def rejection_problem(
    check: Callable[[], object], expected: type[Exception], *, status: int | None = None
) -> str | None:
    """``None`` when ``check()`` raises exactly ``expected`` (with ``status``), else what it did.

    Lets a test count every case before it asserts, so that an agreement figure
    can show a failure: ``"accepted"``, ``"SignatureMismatchError instead of
    DigestError"``, ``"DigestError with status 401 instead of 400"``.
    """
    try:
        check()
    except Exception as exc:  # every outcome is a verdict to report, not a crash
        if type(exc) is not expected:
            return f"{type(exc).__name__} instead of {expected.__name__}: {exc}"
        got = getattr(exc, "status", None)
        if status is not None and got != status:
            return f"{expected.__name__} with status {got} instead of {status}"
        return None
    return "accepted"


#: What each mutation of a signed request must be rejected with.
REQUEST_TAMPER_EXPECTED: Final[dict[str, type[HttpSignatureError]]] = {
    "signature": SignatureMismatchError,
    "body": DigestError,
    "(request-target)": SignatureMismatchError,
    "host": HostMismatchError,
}


def tamper(msg: Message, *, signature_header: str) -> Iterator[tuple[str, Message]]:
    """Every single-point mutation of a signed message: signature, each signed header, body.

    Yields ``(what, mutated)``; ``what`` is ``signature``, ``body`` or the header name.
    """
    params = _params_of(msg, signature_header)
    yield (
        "signature",
        _with_params(
            msg, signature_header, replace(params, signature=flip_signature(params.signature))
        ),
    )
    yield "body", msg.with_body(msg.body + b"&echo=c")
    for name in params.headers:
        if name == "(request-target)":
            yield name, replace(msg, target=msg.target + "&extra=1")
            continue
        original = msg.get(name)
        assert original is not None, name
        canonical = next(n for n, _ in msg.headers if n.lower() == name)
        yield name, msg.with_header(canonical, _mutated_value(name, original))
