"""Echo API v2: answers the caller's HEIs (per the catalogue) and its ``echo`` values.

GET takes the parameters from the query string, POST from the form body, both
read by the :data:`ewp_client.server.ECHO` rules (values XML cannot carry are a
400, a POST body that is not a form a 415, PUT or DELETE a 405). The answer is
the :class:`~ewp_client.models.EchoResponse` written by the ewp_client codec,
which validates it.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.codec import encode
from ewp_client.models import EchoEntry, EchoResponse
from ewp_client.namespaces import ECHO_API
from ewp_client.server import ECHO

from ..config import MockConfig
from ..directory import HTTPSIG_ONLY
from ..parameters import request_parameters
from ..security import SignedRequest, xml_response
from .api import MockApi

__all__ = ["API", "PATH"]

PATH: Final = "/ewp/echo"

router = APIRouter()


def manifest_entry(config: MockConfig, hei_id: str) -> EchoEntry:
    return EchoEntry(version=ECHO_API.version, http_security=HTTPSIG_ONLY, url=config.url(PATH))


@router.api_route(PATH, methods=list(ECHO.methods))
async def echo(request: Request, verified: SignedRequest) -> Response:
    parameters = request_parameters(request, verified, ECHO)
    answer = EchoResponse(hei_ids=tuple(sorted(verified.heis)), echoes=parameters.all("echo"))
    return xml_response(encode(answer))


API: Final = MockApi(
    router=router, manifest_entry=manifest_entry, endpoints=lambda config: {PATH: ECHO}
)
