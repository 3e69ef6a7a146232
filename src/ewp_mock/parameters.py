"""Request parameters as the mock's routes take them: :mod:`ewp_client.server.params` rules.

GET parameters come from the query string, POST ones from the verified form
body; the endpoint's :class:`~ewp_client.server.EndpointRules` refuse what
cannot be answered (405, 415, 400), as an ``error-response``.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from ewp_client.security import VerifyResult
from ewp_client.server import EndpointRules, Parameters

__all__ = ["request_parameters"]


def request_parameters(
    request: Request,
    verified: VerifyResult,
    rules: EndpointRules,
    limits: Mapping[str, int] | None = None,
) -> Parameters:
    """The request's parameters checked against ``rules``; typed errors when they cannot be."""
    # Clients need not sign Content-Type (the Digest covers the body): read it as sent.
    content_type = verified.header("content-type") or request.headers.get("content-type")
    return rules.read(
        method=request.method,
        query=bytes(request.scope.get("query_string", b"")),
        content_type=content_type,
        body=verified.body,
        limits=limits,
    )
