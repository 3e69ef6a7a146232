"""The ``Digest`` header (RFC 3230) with the ``SHA-256`` algorithm (RFC 5843).

The digest is always computed over the body bytes exactly as transmitted, i.e.
after any ``Content-Encoding`` and before any decoding by the receiver.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from typing import Final

from ..errors import DigestComputedBeforeEncoding, DigestError, DigestMismatch

__all__ = ["SHA256", "digest_header", "parse_digest", "sha256_base64", "verify_digest"]

SHA256: Final = "SHA-256"


def sha256_base64(body: bytes) -> str:
    """Base64 of the SHA-256 of ``body``."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def digest_header(body: bytes) -> str:
    """The ``Digest`` value for ``body``: ``SHA-256=<base64>``."""
    return f"{SHA256}={sha256_base64(body)}"


def parse_digest(value: str) -> dict[str, str]:
    """``{algorithm (upper-case): value}`` of a (possibly multi-valued) ``Digest`` header.

    Algorithm names are case-insensitive (RFC 3230 §4.1.1); values keep their
    case. Items without ``=`` are ignored; the first value of an algorithm wins.
    """
    result: dict[str, str] = {}
    for item in value.split(","):
        name, sep, digest = item.partition("=")
        if sep and name.strip():
            result.setdefault(name.strip().upper(), digest.strip())
    return result


def verify_digest(value: str | None, body: bytes, *, content_encoding: str | None = None) -> None:
    """Check ``Digest`` against ``body``; :class:`DigestError` names what is wrong.

    A value that does not match is :class:`DigestMismatch` (both values); when
    the message is content-encoded and the value matches the decoded body, it
    is :class:`DigestComputedBeforeEncoding`: the digest was computed before
    compression (known issue ``httpsig-digest-mismatch``).
    """
    if value is None:
        raise DigestError("the Digest header is missing")
    digests = parse_digest(value)
    claimed = digests.get(SHA256)
    if claimed is None:
        algorithms = ", ".join(sorted(digests)) or "none"
        raise DigestError(f"the Digest header has no SHA-256 value (found: {algorithms})")
    expected = sha256_base64(body)
    if hmac.compare_digest(claimed.encode(), expected.encode()):
        return
    decoded = _decode(body, content_encoding)
    decoded_digest = sha256_base64(decoded) if decoded is not None else None
    message = f"SHA-256 digest mismatch: header says {claimed}, the body bytes give {expected}"
    if decoded_digest == claimed:
        raise DigestComputedBeforeEncoding(
            f"{message}; it matches the body before {content_encoding} encoding: compute it after",
            declared=claimed,
            raw_digest=expected,
            decoded_digest=decoded_digest,
            content_encoding=content_encoding,
        )
    raise DigestMismatch(
        message, declared=claimed, computed=expected, content_encoding=content_encoding
    )


#: The most a body is inflated to explain a digest mismatch (a hint is not worth more).
_MAX_INFLATED: Final = 64 * 1024 * 1024


def _inflate(body: bytes, wbits: int) -> bytes | None:
    """``body`` inflated, or ``None`` when it is not that coding or inflates past the cap."""
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(body, _MAX_INFLATED)
    except zlib.error:
        return None
    if inflater.unconsumed_tail or not inflater.eof:
        return None  # larger than the cap (a bomb?) or truncated
    return out


def _decode(body: bytes, content_encoding: str | None) -> bytes | None:
    coding = (content_encoding or "").strip().lower()
    if coding in ("gzip", "x-gzip"):
        return _inflate(body, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        decoded = _inflate(body, zlib.MAX_WBITS)
        return decoded if decoded is not None else _inflate(body, -zlib.MAX_WBITS)
    return None
