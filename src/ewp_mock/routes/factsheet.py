"""Mobility Factsheet API v1, for any authenticated client.

One URL for the whole node (it takes ``hei_id``); the answer is
:func:`ewp_client.server.factsheet.answer_factsheet`'s over the node's
factsheets, ``max-hei-ids`` the node's ``config.max_ids.hei_ids``.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.models import FactsheetEntry
from ewp_client.namespaces import FACTSHEET_API
from ewp_client.server import FACTSHEET
from ewp_client.server.endpoints import MAX_HEI_IDS
from ewp_client.server.factsheet import answer_factsheet

from ..directory import HTTPSIG_ONLY
from ..parameters import request_parameters
from ..security import SignedRequest, node_of, response_of
from .api import MockApi

__all__ = ["API", "FACTSHEET_PATH"]

FACTSHEET_PATH: Final = "/ewp/factsheet"

router = APIRouter()


@router.api_route(FACTSHEET_PATH, methods=list(FACTSHEET.methods))
async def factsheet(request: Request, verified: SignedRequest) -> Response:
    node = node_of(request)
    params = request_parameters(request, verified, FACTSHEET, node.config.max_ids.of(MAX_HEI_IDS))
    return response_of(answer_factsheet(node.factsheets, params=params))


API: Final = MockApi(
    router=router,
    manifest_entry=lambda config, hei_id: FactsheetEntry(
        version=FACTSHEET_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(FACTSHEET_PATH),
        max_hei_ids=config.max_ids.hei_ids,
    ),
    endpoints=lambda config: {FACTSHEET_PATH: FACTSHEET},
)
