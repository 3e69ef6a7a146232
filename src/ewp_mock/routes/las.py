"""OMobility LAs v1 ``get``, ``index``, ``update`` and ``stats``: the LAs the node's HEIs send.

``get``, ``index`` and ``update`` name the sending HEI (a parameter, or the
update request's ``sending-hei-id``) and are one URL for the node; ``stats``
has a URL per HEI. The answers are :mod:`ewp_client.server.las`'s and
:mod:`ewp_client.server.la_update`'s over the node's LA store: an update
approves or comments a proposal and the next ``get`` shows it. An applied
update queues the LA CNRs its lifecycle step calls for (to the receiving
HEI: the sending HEI notifies even when the partner made the change) in the
node's outbox, in the same transaction as the change when the node keeps a
database (a crash keeps both or neither).
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.cnr import OutgoingNotification
from ewp_client.errors import NotFound
from ewp_client.models import LasEntry
from ewp_client.namespaces import OMOBILITY_LAS_API
from ewp_client.server import (
    LAS_GET,
    LAS_INDEX,
    LAS_STATS,
    LAS_UPDATE,
    answer_las_get,
    answer_las_index,
    answer_las_stats,
    apply_las_update,
    read_update_request,
)
from ewp_client.server.endpoints import MAX_OMOBILITY_IDS

from ..config import MockConfig
from ..directory import HTTPSIG_ONLY
from ..parameters import request_parameters
from ..security import SignedRequest, node_of, response_of
from .api import MockApi

__all__ = ["API", "GET_PATH", "INDEX_PATH", "STATS_PATH", "UPDATE_PATH"]

GET_PATH: Final = "/ewp/las/get"
INDEX_PATH: Final = "/ewp/las/index"
UPDATE_PATH: Final = "/ewp/las/update"
STATS_PATH: Final = "/ewp/las/stats/{hei_id}"

router = APIRouter()


def manifest_entry(config: MockConfig, hei_id: str) -> LasEntry:
    return LasEntry(
        version=OMOBILITY_LAS_API.version,
        http_security=HTTPSIG_ONLY,
        get_url=config.url(GET_PATH),
        index_url=config.url(INDEX_PATH),
        update_url=config.url(UPDATE_PATH),
        stats_url=config.url(STATS_PATH.format(hei_id=hei_id)),
        max_omobility_ids=config.max_ids.omobility_ids,
    )


@router.api_route(GET_PATH, methods=list(LAS_GET.methods))
async def las_get(request: Request, verified: SignedRequest) -> Response:
    node = node_of(request)
    params = request_parameters(
        request, verified, LAS_GET, node.config.max_ids.of(MAX_OMOBILITY_IDS)
    )
    return response_of(answer_las_get(node.las, caller=node.caller(verified), params=params))


@router.api_route(INDEX_PATH, methods=list(LAS_INDEX.methods))
async def las_index(request: Request, verified: SignedRequest) -> Response:
    node = node_of(request)
    params = request_parameters(request, verified, LAS_INDEX)
    return response_of(answer_las_index(node.las, caller=node.caller(verified), params=params))


@router.api_route(UPDATE_PATH, methods=list(LAS_UPDATE.methods))
async def las_update(request: Request, verified: SignedRequest) -> Response:
    node = node_of(request)
    request_parameters(request, verified, LAS_UPDATE)
    content_type = verified.header("content-type") or request.headers.get("content-type")
    update = read_update_request(verified.body, content_type)
    with node.transaction():  # the new version and its CNRs: both kept, or neither
        outcome = apply_las_update(node.las, caller=node.caller(verified), request=update)
        for change in outcome.transition.notifications:
            node.notify(
                OutgoingNotification.la(
                    change.receiving_hei_id, change.sending_hei_id, change.omobility_id
                )
            )
    return response_of(outcome.answer)


@router.api_route(STATS_PATH, methods=list(LAS_STATS.methods))
async def las_stats(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    node = node_of(request)
    if hei_id not in node.config.hei_ids:
        raise NotFound(f"this node serves no HEI {hei_id!r}", status=404)
    request_parameters(request, verified, LAS_STATS)
    return response_of(answer_las_stats(node.las, hei_id=hei_id, caller=node.caller(verified)))


API: Final = MockApi(
    router=router,
    manifest_entry=manifest_entry,
    endpoints=lambda config: {
        GET_PATH: LAS_GET,
        INDEX_PATH: LAS_INDEX,
        UPDATE_PATH: LAS_UPDATE,
        **{STATS_PATH.format(hei_id=h): LAS_STATS for h in config.hei_ids},
    },
)
