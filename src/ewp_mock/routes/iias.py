"""IIAs API v7 ``get``, ``index``, ``stats``: each served HEI's agreements, as partners see them.

IIA Approval v2 is here too (``/ewp/iias-approval/{hei_id}``). IIAs v7
requests carry no HEI parameter, so each served HEI has its own URLs
(``/ewp/iias/{hei_id}/get``...). The work is :mod:`ewp_client.server.iias`'s
(:func:`~ewp_client.server.iias.answer_get`, :func:`~ewp_client.server.iias.answer_index`)
and :func:`~ewp_client.server.iias.answer_stats`, for the Stats Portal) over
the node's repository; this module only routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.errors import NotFound
from ewp_client.models import IiasApprovalEntry, IiasEntry
from ewp_client.namespaces import IIAS_API, IIAS_APPROVAL_API
from ewp_client.server import IIAS_APPROVAL, IIAS_GET, IIAS_INDEX, IIAS_STATS, EndpointRules
from ewp_client.server.endpoints import MAX_IIA_IDS
from ewp_client.server.iias import answer_approvals, answer_get, answer_index, answer_stats

from ..config import MockConfig
from ..directory import HTTPSIG_ONLY
from ..parameters import request_parameters
from ..security import SignedRequest, node_of, response_of
from .api import MockApi

__all__ = [
    "API",
    "APPROVAL_API",
    "APPROVAL_PATH",
    "GET_PATH",
    "INDEX_PATH",
    "STATS_PATH",
]

GET_PATH: Final = "/ewp/iias/{hei_id}/get"
INDEX_PATH: Final = "/ewp/iias/{hei_id}/index"
STATS_PATH: Final = "/ewp/iias/{hei_id}/stats"
APPROVAL_PATH: Final = "/ewp/iias-approval/{hei_id}"

router = APIRouter()
approval_router = APIRouter()


def manifest_entry(config: MockConfig, hei_id: str) -> IiasEntry:
    return IiasEntry(
        version=IIAS_API.version,
        http_security=HTTPSIG_ONLY,
        get_url=config.url(GET_PATH.format(hei_id=hei_id)),
        max_iia_ids=config.max_ids.iia_ids,
        index_url=config.url(INDEX_PATH.format(hei_id=hei_id)),
        stats_url=config.url(STATS_PATH.format(hei_id=hei_id)),
    )


def endpoints(config: MockConfig) -> Mapping[str, EndpointRules]:
    paths: dict[str, EndpointRules] = {}
    for hei_id in config.hei_ids:
        paths[GET_PATH.format(hei_id=hei_id)] = IIAS_GET
        paths[INDEX_PATH.format(hei_id=hei_id)] = IIAS_INDEX
        paths[STATS_PATH.format(hei_id=hei_id)] = IIAS_STATS
    return paths


def _served(request: Request, hei_id: str) -> None:
    if hei_id not in node_of(request).config.hei_ids:
        raise NotFound(f"this node serves no HEI {hei_id!r}", status=404)


@router.api_route(GET_PATH, methods=list(IIAS_GET.methods))
async def iias_get(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    node = node_of(request)
    params = request_parameters(request, verified, IIAS_GET, node.config.max_ids.of(MAX_IIA_IDS))
    return response_of(
        answer_get(node.iias, hei_id=hei_id, caller=node.caller(verified), params=params)
    )


@router.api_route(INDEX_PATH, methods=list(IIAS_INDEX.methods))
async def iias_index(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    node = node_of(request)
    params = request_parameters(request, verified, IIAS_INDEX)
    return response_of(
        answer_index(node.iias, hei_id=hei_id, caller=node.caller(verified), params=params)
    )


@router.api_route(STATS_PATH, methods=list(IIAS_STATS.methods))
async def iias_stats(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    node = node_of(request)
    request_parameters(request, verified, IIAS_STATS)
    return response_of(answer_stats(node.iias, hei_id=hei_id, caller=node.caller(verified)))


API: Final = MockApi(router=router, manifest_entry=manifest_entry, endpoints=endpoints)


@approval_router.api_route(APPROVAL_PATH, methods=list(IIAS_APPROVAL.methods))
async def iias_approval(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    node = node_of(request)
    params = request_parameters(
        request, verified, IIAS_APPROVAL, node.config.max_ids.of(MAX_IIA_IDS)
    )
    return response_of(
        answer_approvals(node.approvals, hei_id=hei_id, caller=node.caller(verified), params=params)
    )


APPROVAL_API: Final = MockApi(
    router=approval_router,
    manifest_entry=lambda config, hei_id: IiasApprovalEntry(
        version=IIAS_APPROVAL_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(APPROVAL_PATH.format(hei_id=hei_id)),
        max_iia_ids=config.max_ids.iia_ids,
    ),
    endpoints=lambda config: {
        APPROVAL_PATH.format(hei_id=h): IIAS_APPROVAL for h in config.hei_ids
    },
)
