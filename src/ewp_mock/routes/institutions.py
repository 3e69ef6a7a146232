"""Institutions API v2 and Organizational Units API v2, for any authenticated client.

One URL each for the whole node (both take ``hei_id``); the answers are
:mod:`ewp_client.server.institutions`'s over the node's directory.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.models import InstitutionsEntry, OunitsEntry
from ewp_client.namespaces import INSTITUTIONS_API, OUNITS_API
from ewp_client.server import INSTITUTIONS, OUNITS, answer_institutions, answer_ounits
from ewp_client.server.endpoints import MAX_HEI_IDS, MAX_OUNIT_CODES, MAX_OUNIT_IDS

from ..directory import HTTPSIG_ONLY
from ..parameters import request_parameters
from ..security import SignedRequest, node_of, response_of
from .api import MockApi

__all__ = [
    "INSTITUTIONS_API_ROUTES",
    "INSTITUTIONS_PATH",
    "OUNITS_API_ROUTES",
    "OUNITS_PATH",
]

INSTITUTIONS_PATH: Final = "/ewp/institutions"
OUNITS_PATH: Final = "/ewp/ounits"

institutions_router = APIRouter()
ounits_router = APIRouter()


@institutions_router.api_route(INSTITUTIONS_PATH, methods=list(INSTITUTIONS.methods))
async def institutions(request: Request, verified: SignedRequest) -> Response:
    params = request_parameters(
        request, verified, INSTITUTIONS, node_of(request).config.max_ids.of(MAX_HEI_IDS)
    )
    return response_of(answer_institutions(node_of(request).directory, params=params))


@ounits_router.api_route(OUNITS_PATH, methods=list(OUNITS.methods))
async def ounits(request: Request, verified: SignedRequest) -> Response:
    limits = node_of(request).config.max_ids.of(MAX_OUNIT_IDS, MAX_OUNIT_CODES)
    params = request_parameters(request, verified, OUNITS, limits)
    return response_of(answer_ounits(node_of(request).directory, params=params))


INSTITUTIONS_API_ROUTES: Final = MockApi(
    router=institutions_router,
    manifest_entry=lambda config, hei_id: InstitutionsEntry(
        version=INSTITUTIONS_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(INSTITUTIONS_PATH),
        max_hei_ids=config.max_ids.hei_ids,
    ),
    endpoints=lambda config: {INSTITUTIONS_PATH: INSTITUTIONS},
)
OUNITS_API_ROUTES: Final = MockApi(
    router=ounits_router,
    manifest_entry=lambda config, hei_id: OunitsEntry(
        version=OUNITS_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(OUNITS_PATH),
        max_ounit_ids=config.max_ids.ounit_ids,
        max_ounit_codes=config.max_ids.ounit_codes,
    ),
    endpoints=lambda config: {OUNITS_PATH: OUNITS},
)
