"""Echo API v2: answers the caller's HEIs (per the catalogue) and its ``echo`` values.

GET takes the parameters from the query string (covered by the signed
``(request-target)``), POST from the form body (covered by the verified
``Digest``). The answer is the :class:`~ewp_client.models.EchoResponse`
written by the ewp_client codec, which validates it.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.codec import encode
from ewp_client.errors import BadRequest
from ewp_client.models import EchoEntry, EchoResponse
from ewp_client.namespaces import ECHO_API

from ..config import MockConfig
from ..directory import HTTPSIG_ONLY
from ..security import SignedRequest, xml_response
from .api import MockApi

__all__ = ["API", "PATH"]

PATH: Final = "/ewp/echo"
FORM: Final = "application/x-www-form-urlencoded"

router = APIRouter()


def manifest_entry(config: MockConfig) -> EchoEntry:
    return EchoEntry(version=ECHO_API.version, http_security=HTTPSIG_ONLY, url=config.url(PATH))


def _parameters(request: Request, verified: SignedRequest) -> list[tuple[str, str]]:
    if request.method == "GET":
        query = bytes(request.scope.get("query_string", b"")).decode("latin-1")
        return parse_qsl(query, keep_blank_values=True, errors="strict")
    # Clients need not sign Content-Type (the Digest covers the body): read it as sent.
    raw_type = verified.header("content-type") or request.headers.get("content-type", "")
    content_type = raw_type.split(";")[0].strip().lower()
    if verified.body and content_type != FORM:
        raise BadRequest(f"POST parameters must be sent as {FORM}", status=400)
    try:
        return parse_qsl(verified.body.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the form body is not UTF-8: {exc}", status=400) from exc


@router.api_route(PATH, methods=["GET", "POST"])
async def echo(request: Request, verified: SignedRequest) -> Response:
    try:
        parameters = _parameters(request, verified)
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the query string is not UTF-8: {exc}", status=400) from exc
    answer = EchoResponse(
        hei_ids=tuple(sorted(verified.heis)),
        echoes=tuple(value for name, value in parameters if name == "echo"),
    )
    return xml_response(encode(answer))


API: Final = MockApi(router=router, manifest_entry=manifest_entry)
