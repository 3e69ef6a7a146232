"""The parameters of ``Authorization: Signature ...`` and ``Signature: ...`` (draft-cavage §2.1).

``keyId="…",algorithm="rsa-sha256",headers="(request-target) host date",signature="…"``.
Parsing is strict about structure (a malformed header is a 400) and lenient
about what the draft leaves open: parameter names are case-insensitive, unknown
parameters are ignored, whitespace around separators is allowed.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final

from ..errors import MalformedSignatureError, MissingSignatureError

__all__ = [
    "SignatureParams",
    "format_signature_params",
    "parse_authorization",
    "parse_signature_params",
]

#: Covered headers when a signature has no ``headers`` parameter (draft-cavage-10 §2.1.6).
DEFAULT_HEADERS: Final = ("date",)

_PARAM: Final = re.compile(
    r'\s*(?P<name>[A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"(?P<quoted>[^"\\]*(?:\\.[^"\\]*)*)"|(?P<token>[^",\s]+))\s*'
)


_ESCAPE: Final = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class SignatureParams:
    """A parsed signature: who signed, how, which headers, and the signature itself (base64)."""

    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: str


def parse_signature_params(value: str) -> SignatureParams:
    """Parse the parameter list; :class:`MalformedSignatureError` when it cannot be."""
    params: dict[str, str] = {}
    pos = 0
    text = value.strip()
    while pos < len(text):
        match = _PARAM.match(text, pos)
        if match is None:
            raise MalformedSignatureError(f"unparsable signature parameters at offset {pos}")
        name = match["name"].lower()
        if name in params:
            raise MalformedSignatureError(f"signature parameter {match['name']!r} appears twice")
        quoted = match["quoted"]
        if quoted is None:
            params[name] = match["token"]
        else:
            params[name] = _ESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted
        pos = match.end()
        if pos < len(text):
            if text[pos] != ",":
                raise MalformedSignatureError(f"expected ',' at offset {pos} of the signature")
            pos += 1
    for required in ("keyid", "signature"):
        if not params.get(required):
            raise MalformedSignatureError(f"the signature has no {required!r} parameter")
    signature = params["signature"]
    try:
        base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedSignatureError("the signature parameter is not base64") from exc
    headers = (
        tuple(h.lower() for h in params["headers"].split())
        if "headers" in params
        else DEFAULT_HEADERS
    )
    if not headers:
        raise MalformedSignatureError("the signature's headers parameter is empty")
    return SignatureParams(
        key_id=params["keyid"],
        algorithm=params.get("algorithm"),
        headers=headers,
        signature=signature,
    )


def parse_authorization(value: str | None) -> SignatureParams:
    """The signature in an ``Authorization`` value.

    :class:`MissingSignatureError` (401) when there is none or it uses another
    scheme; :class:`MalformedSignatureError` (400) when it cannot be parsed.
    """
    if value is None:
        raise MissingSignatureError("the request has no Authorization header")
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "signature":
        raise MissingSignatureError(f"the Authorization header uses {scheme!r}, not Signature")
    return parse_signature_params(rest)


def format_signature_params(params: SignatureParams) -> str:
    """``keyId="…",algorithm="…",headers="…",signature="…"`` (without a scheme)."""
    parts = [f'keyId="{params.key_id}"']
    if params.algorithm is not None:
        parts.append(f'algorithm="{params.algorithm}"')
    parts.append(f'headers="{" ".join(params.headers)}"')
    parts.append(f'signature="{params.signature}"')
    return ",".join(parts)
