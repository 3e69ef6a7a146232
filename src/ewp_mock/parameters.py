"""Request parameters as the mock's routes take them: :mod:`ewp_client.server.params` rules.

GET parameters come from the query string, POST ones from the verified form
body; the endpoint's :class:`~ewp_client.server.EndpointRules` refuse what
cannot be answered (405, 415, 400), as an ``error-response``.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request

from ewp_client.security import VerifyResult
from ewp_client.server import EndpointRules, Parameters, parameters_of

__all__ = ["request_parameters"]


def request_parameters(
    request: Request,
    verified: VerifyResult,
    rules: EndpointRules,
    limits: Mapping[str, int] | None = None,
) -> Parameters:
    """The request's parameters checked against ``rules``; typed errors when they cannot be.

    ``verified`` (the route's :data:`~ewp_mock.security.SignedRequest`) is the
    result :func:`ewp_client.server.parameters_of` reads from the scope.
    """
    return parameters_of(request.scope, rules, limits)
