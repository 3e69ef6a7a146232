"""HTTP Signatures at the mock's edge: :mod:`ewp_client.server` does the work.

The app is wrapped in :class:`~ewp_client.server.EwpSignatureMiddleware`
(see :func:`ewp_mock.app.create_app`), which bounds and verifies every request
but the public ones (manifests, catalogue) and signs every answer the client
asks to be signed. What is left here is FastAPI glue:

* :func:`verified_request`, the dependency of every signed route, reads the
  :class:`~ewp_client.security.VerifyResult` the middleware left in the
  request's state (only signed headers and the digest-checked body: routes
  read their input from it, never from the raw request);
* :func:`error_response` and :func:`xml_response` turn
  :mod:`ewp_client.server.answers` into FastAPI responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends, Request
from fastapi.responses import Response

from ewp_client.errors import EwpError, MissingSignatureError
from ewp_client.security import VerifyResult
from ewp_client.server import XML_MEDIA_TYPE, Answer, error_answer, request_target, verified_of

if TYPE_CHECKING:
    from .node import MockNode

__all__ = [
    "XML_MEDIA_TYPE",
    "SignedRequest",
    "error_response",
    "node_of",
    "request_target",
    "verified_request",
    "xml_response",
]

HeaderList = list[tuple[str, str]]


def node_of(request: Request) -> MockNode:
    """The :class:`~ewp_mock.node.MockNode` of the app serving ``request``."""
    return cast("MockNode", request.app.state.node)


async def verified_request(request: Request) -> VerifyResult:
    """What the middleware verified; 401 if the route was left unverified (a public path)."""
    verified = verified_of(request.scope)
    if verified is None:
        raise MissingSignatureError("this endpoint needs an HTTP Signature")
    return verified


#: A route parameter typed ``SignedRequest`` makes the route require client authentication.
SignedRequest = Annotated[VerifyResult, Depends(verified_request)]


def xml_response(body: bytes, status: int = 200, headers: HeaderList | None = None) -> Response:
    return Response(
        content=body, status_code=status, media_type=XML_MEDIA_TYPE, headers=dict(headers or [])
    )


def response_of(answer: Answer) -> Response:
    """An :class:`~ewp_client.server.Answer` as a FastAPI response."""
    headers = [(n, v) for n, v in answer.headers if n.lower() != "content-type"]
    return xml_response(answer.body, answer.status, headers)


def error_response(error: EwpError | str, status: int | None = None) -> Response:
    """The EWP ``error-response`` for ``error`` (see :func:`ewp_client.server.error_answer`)."""
    return response_of(error_answer(error, status))
