"""Request parameters as EWP APIs take them, refused with a 400 when they cannot be answered.

GET parameters come from the query string (covered by the signed
``(request-target)``), POST parameters from the form body (covered by the
verified ``Digest``). Both must be UTF-8, and every name and value must be
text an XML 1.0 document can carry: a NUL, an ESC or U+FFFE could never be
echoed or stored in an answer, so the request is refused as the client's
error (400 with an ``error-response``), not found out later as our 500.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from fastapi import Request

from ewp_client.errors import BadRequest
from ewp_client.security import VerifyResult

from .xml_text import first_unrepresentable

__all__ = ["FORM", "check_xml_text", "request_parameters"]

FORM: Final = "application/x-www-form-urlencoded"


def request_parameters(request: Request, verified: VerifyResult) -> list[tuple[str, str]]:
    """The request's parameters in order; :class:`BadRequest` when they cannot be answered."""
    if request.method == "GET":
        raw = bytes(request.scope.get("query_string", b""))
        parameters = _parse(raw, "the query string")
    else:
        # Clients need not sign Content-Type (the Digest covers the body): read it as sent.
        raw_type = verified.header("content-type") or request.headers.get("content-type", "")
        content_type = raw_type.split(";")[0].strip().lower()
        if verified.body and content_type != FORM:
            raise BadRequest(f"POST parameters must be sent as {FORM}", status=400)
        parameters = _parse(verified.body, "the form body")
    for number, (name, value) in enumerate(parameters, start=1):
        check_xml_text(name, f"the name of parameter {number}")
        check_xml_text(value, f"parameter {number} ({_shown(name)})")
    return parameters


def _parse(raw: bytes, what: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"{what} is not UTF-8 ({exc.reason})", status=400) from exc


def check_xml_text(text: str, what: str) -> None:
    """Raise :class:`BadRequest` when ``text`` holds a character no XML document can carry.

    The message names the character by code point and offset, never quoting it.
    """
    found = first_unrepresentable(text)
    if found is not None:
        offset, char = found
        raise BadRequest(
            f"{what} holds U+{ord(char):04X} at offset {offset}, a character XML cannot carry",
            status=400,
        )


def _shown(name: str) -> str:
    """``name`` for a message: ASCII escapes for anything unusual, at most 40 characters."""
    shown = ascii(name[:40])
    return shown if len(name) <= 40 else f"{shown}..."
