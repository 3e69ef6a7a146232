"""Signed HTTP messages for the verifier targets, and mutations of their headers and bodies.

A seed message is signed by the library's own signers with keys made for the
run, so an unmutated seed verifies. Mutations change header values (bytes,
control characters, odd dates and digests, huge values), drop, duplicate or
rename headers, take the ``Signature`` parameters apart, and change the body
(bytes, compression). Some inputs are re-signed after mutation so that they
get past the RSA check and reach the Digest and body handling behind it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass, replace
from random import Random
from typing import Final

from ewp_client.errors import EwpError
from ewp_client.security import (
    RequestSigner,
    ResponseSigner,
    SentRequest,
    SigningKey,
    combine_headers,
    request_target,
    sign_rsa_sha256,
    signing_string,
)

from . import mutations

NOW: Final = 1_764_000_000.0  # Mon, 24 Nov 2025 16:00:00 GMT
HOST: Final = "partner.example.org"
ENDPOINT: Final = f"https://{HOST}/ewp/echo"
TARGET: Final = "/ewp/echo?hei_id=uni.example.org"
BODY: Final = b"echo=a&echo=b"
CLIENT_HEIS: Final = ("uni.example.org",)

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Message:
    """What a verifier sees: method, target, headers in wire order, raw body."""

    headers: Headers
    body: bytes
    method: str = "POST"
    target: str = TARGET


def signed_request(key: SigningKey, body: bytes = BODY) -> Message:
    base = (("Host", HOST), ("Content-Type", "application/x-www-form-urlencoded"))
    signed = RequestSigner(key).sign(method="POST", target=TARGET, body=body, headers=base, now=NOW)
    names = {n.lower() for n, _ in signed.headers}
    kept = tuple((n, v) for n, v in base if n.lower() not in names)
    return Message(headers=kept + signed.headers, body=body)


def signed_response(key: SigningKey, request: Message, body: bytes) -> Message:
    base = (("Content-Type", "application/xml; charset=utf-8"),)
    added = ResponseSigner(key).sign(
        request_headers=request.headers, headers=base, body=body, now=NOW
    )
    return Message(headers=base + added, body=body, method="", target="")


def sent_request(request: Message) -> SentRequest:
    fields = combine_headers(request.headers)
    params = dict(_PARAM.findall(fields.get("authorization", "")))
    return SentRequest(
        request_id=fields.get("x-request-id"),
        signature=params.get("signature"),
        target=f"post {TARGET}",
    )


# ------------------------------------------------------------------ interesting values

ODD_HTTP_DATES: Final = (
    "Sat, 03 Jun 2023 04:08:54 CEST",
    "Mon, 24 Nov 2025 16:00:00 GMT+2:00",
    "Mon, 24 Nov 2025 16:00:00",
    "Monday, 24-Nov-25 16:00:00 GMT",
    "Mon Nov 24 16:00:00 2025",
    "2025-11-24T16:00:00Z",
    "Mon, 31 Feb 2025 16:00:00 GMT",
    "Mon, 24 Nov 99999 16:00:00 GMT",
    "Mon, 24 Nov 0000 16:00:00 GMT",
    "Mon, 24 Nov 2025 25:61:61 GMT",
    "Mon, 24 Nov 2025 16:00:00 GMT, Mon, 24 Nov 2025 16:00:00 GMT",
    "1764000000",
    "-1",
    "",
    " ",
    "Mon, 24 Nov 2025 16:00:00 gmt",
    "Mon,  24 Nov 2025 16:00:00 GMT",
    "Mon, 24 Nov 2025 16:00:00 GMT" + " " * 1000,
)

ALGORITHMS: Final = ("hmac-sha256", "RSA-SHA256", "rsa-sha512", "hs2019", "", "ecdsa-sha256", "ü")

SIGNATURES: Final = (
    "",
    "!!!",
    "=",
    "AA==",
    base64.b64encode(b"\x00").decode(),
    base64.b64encode(b"\xff" * 256).decode(),
    base64.b64encode(b"\x01" * 4096).decode(),
    "A" * 343,
    "QUJD",
    "Zm9v\nYmFy",
)

KEY_IDS: Final = ("", "0" * 64, "F" * 64, "x" * 10_000, "../../etc/passwd", "ü", "a b")

COVERED: Final = (
    "",
    "(request-target)",
    "host date",
    "(request-target) host date digest x-request-id x-request-id",
    "(created) (expires)",
    "x-unknown-header",
    "HOST DATE DIGEST",
    " ".join(["digest"] * 500),
    "(request-target)  host",
    "original-date digest x-request-id x-request-signature",
)

DIGESTS: Final = (
    "",
    "=",
    "SHA-256=",
    "SHA-256=!!!",
    "sha-256=" + base64.b64encode(hashlib.sha256(BODY).digest()).decode(),
    "SHA-512=" + base64.b64encode(hashlib.sha512(BODY).digest()).decode(),
    "MD5=" + base64.b64encode(hashlib.md5(BODY).digest()).decode(),
    "SHA-256=a, SHA-256=b",
    "SHA-256=" + "A" * 10_000,
    "SHA-256",
    "SHA-256==",
)

ENCODINGS: Final = ("gzip", "deflate", "br", "identity", "x-unknown", "gzip, gzip", "GZIP", "")

_PARAM = re.compile(r'([A-Za-z]+)="([^"]*)"')


# ------------------------------------------------------------------ mutations


def _pick(headers: list[tuple[str, str]], rng: Random) -> int:
    return rng.randrange(len(headers))


def _mutate_value(value: str, rng: Random) -> str:
    raw = value.encode("latin-1", "replace")
    op = rng.choice(
        (mutations.flip_bits, mutations.truncate, mutations.duplicate_slice, mutations.delete_slice)
    )
    return op(raw, rng, mutations.SHORT_RUN).decode("latin-1")


def _mutate_params(value: str, rng: Random, keys: tuple[str, ...]) -> str:
    """Take ``keyId="..",algorithm="..",headers="..",signature=".."`` apart."""
    prefix = "Signature " if value.startswith("Signature ") else ""
    params = _PARAM.findall(value)
    if not params:
        return value + rng.choice((',x="y"', ",", '"', "=", " " * 100))
    i = rng.randrange(len(params))
    name, old = params[i]
    op = rng.randrange(9)
    if op == 0:
        del params[i]
    elif op == 1:
        params.insert(i, (name, old))
    elif op == 2:
        rng.shuffle(params)
    elif op == 3:
        params.append((rng.choice(("created", "expires", "KEYID", "x")), rng.choice(("1", ""))))
    else:
        choices = {
            "keyId": (*KEY_IDS, *keys),
            "algorithm": ALGORITHMS,
            "headers": COVERED,
            "signature": SIGNATURES,
        }.get(name, ("",))
        params[i] = (name, rng.choice(choices))
    body = ",".join(f'{k}="{v}"' for k, v in params)
    if rng.random() < 0.1:
        body = body.replace('"', "", rng.randint(1, 3))
    if rng.random() < 0.1:
        prefix = rng.choice(("", "signature ", "Bearer ", "Signature  ", "Signature"))
    return prefix + body


def _with(headers: list[tuple[str, str]], name: str, value: str) -> None:
    for j, (n, _) in enumerate(headers):
        if n.lower() == name.lower():
            headers[j] = (n, value)
            return
    headers.append((name, value))


def _mutate_headers(
    headers: list[tuple[str, str]], rng: Random, keys: tuple[str, ...], signature_header: str
) -> str:
    op = rng.randrange(12)
    if not headers:
        headers.append(("X", "y"))
    i = _pick(headers, rng)
    name, value = headers[i]
    if op == 0:
        headers[i] = (name, _mutate_value(value, rng))
        return "header-bytes"
    if op == 1:
        del headers[i]
        return "drop-header"
    if op == 2:
        headers.insert(
            rng.randrange(len(headers) + 1), (name, rng.choice((value, value + "x", "")))
        )
        return "duplicate-header"
    if op == 3:
        new = rng.choice((name.upper(), name.lower(), f" {name}", f"{name} ", name + ":", ""))
        headers[i] = (new, value)
        return "rename-header"
    if op == 4:
        headers[i] = (name, value * rng.choice((2, 100, 2_000)))
        return "huge-header"
    if op == 5:
        at = rng.randrange(len(value) + 1)
        headers[i] = (name, value[:at] + rng.choice(mutations.CONTROL_TEXTS) + value[at:])
        return "control-char-header"
    if op in (6, 7):
        for j, (n, v) in enumerate(headers):
            if n.lower() == signature_header:
                headers[j] = (n, _mutate_params(v, rng, keys))
        return "signature-params"
    if op == 8:
        _with(headers, rng.choice(("Date", "Original-Date")), rng.choice(ODD_HTTP_DATES))
        return "odd-date"
    if op == 9:
        _with(headers, "Digest", rng.choice(DIGESTS))
        return "odd-digest"
    if op == 10:
        _with(headers, "X-Request-Id", rng.choice(("", "x", "A" * 36, "0" * 36, "ü" * 36)))
        return "odd-request-id"
    _with(headers, "Host", rng.choice(("", "PARTNER.EXAMPLE.ORG", HOST + ":443", "[::1]", "ü")))
    return "odd-host"


def _mutate_body(body: bytes, headers: list[tuple[str, str]], rng: Random) -> tuple[bytes, str]:
    op = rng.randrange(4)
    if op == 0:
        return rng.choice(mutations.BYTE_MUTATIONS)(body, rng, mutations.SHORT_RUN), "body-bytes"
    encoding = rng.choice(ENCODINGS)
    _with(headers, "Content-Encoding", encoding)
    if op == 1:
        return gzip.compress(body), f"body-gzip({encoding})"
    if op == 2:
        return zlib.compress(body), f"body-deflate({encoding})"
    bomb = gzip.compress(b"\x00" * rng.choice((1_000, 1_000_000, 20_000_000)))
    return bomb, f"body-bomb({encoding})"


def _resign(
    headers: list[tuple[str, str]], key: SigningKey, signature_header: str, target: str | None
) -> None:
    """Replace the signature value by a correct one over the mutated headers, when possible."""
    for j, (n, v) in enumerate(headers):
        if n.lower() != signature_header:
            continue
        params = dict(_PARAM.findall(v))
        covered = tuple(params.get("headers", "").split())
        try:
            text = signing_string(covered, combine_headers(tuple(headers)), target=target)
        except (EwpError, ValueError, KeyError):
            return
        fresh = sign_rsa_sha256(key.private_key, text)
        old = params.get("signature")
        if old:
            headers[j] = (n, v.replace(old, fresh))
        return


def mutate_message(
    message: Message,
    rng: Random,
    *,
    key: SigningKey,
    signature_header: str,
    key_ids: tuple[str, ...],
) -> tuple[Message, tuple[str, ...]]:
    headers = list(message.headers)
    body = message.body
    names: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        if rng.random() < 0.25:
            body, what = _mutate_body(body, headers, rng)
        else:
            what = _mutate_headers(headers, rng, key_ids, signature_header)
        names.append(what)
    if rng.random() < 0.15 and message.target:
        message = replace(
            message,
            method=rng.choice(("POST", "get", "", "DELETE", "PO ST")),
            target=rng.choice(("", "*", "/", TARGET + "&x=ü", "http://127.0.0.1:9/x", "/" * 5000)),
        )
        names.append("request-line")
    if rng.random() < 0.4:
        target = request_target(message.method, message.target) if message.target else None
        _resign(headers, key, signature_header, target)
        names.append("resigned")
    return replace(message, headers=tuple(headers), body=body), tuple(names)
