"""The change-notification endpoints: IIA CNR v3, IIA Approval CNR v2, OMobility LA CNR v1.1.

Each served HEI has its own URLs (the notifications carry no receiving HEI).
A notification that passes the :mod:`ewp_client.server.endpoints` rules is
answered 200 with the API's empty response at once, unknown ids included,
noted in the node's ``received`` list, and handed to the node's refresher
(:mod:`ewp_mock.refresh`), whose task then fetches the changed objects from
the notifier and updates the node's copies; its failures are recorded there,
never raised into the route.
The LA CNR ``stats`` of incoming LAs is for the Stats Portal (403 to
others), counted by :func:`ewp_client.ola.incoming_stats_response` over the
LAs the HEI receives (from the data set).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.cnr import CnrKind
from ewp_client.codec import encode
from ewp_client.errors import NotFound
from ewp_client.models import (
    IiaApprovalCnrEntry,
    IiaApprovalCnrResponse,
    IiaCnrEntry,
    IiaCnrResponse,
    LaCnrEntry,
)
from ewp_client.namespaces import IIA_APPROVAL_CNR_API, IIA_CNR_API, OMOBILITY_LA_CNR_API
from ewp_client.ola import incoming_stats_response
from ewp_client.server import (
    IIA_APPROVAL_CNR,
    IIA_CNR,
    LA_CNR,
    LA_CNR_STATS,
    EndpointRules,
    check_stats_access,
    render_notification_response,
)
from ewp_client.server.endpoints import MAX_OMOBILITY_IDS

from ..config import MockConfig
from ..directory import HTTPSIG_ONLY
from ..parameters import request_parameters
from ..security import SignedRequest, node_of, xml_response
from .api import MockApi

__all__ = ["IIA_APPROVAL_CNR_API_ROUTES", "IIA_CNR_API_ROUTES", "LA_CNR_API_ROUTES"]

IIA_CNR_PATH: Final = "/ewp/iia-cnr/{hei_id}"
IIA_APPROVAL_CNR_PATH: Final = "/ewp/iia-approval-cnr/{hei_id}"
LA_CNR_PATH: Final = "/ewp/la-cnr/{hei_id}"
LA_CNR_STATS_PATH: Final = "/ewp/la-cnr/{hei_id}/stats"

iia_router = APIRouter()
approval_router = APIRouter()
la_router = APIRouter()


def per_hei(
    *paths: tuple[str, EndpointRules],
) -> Callable[[MockConfig], Mapping[str, EndpointRules]]:
    """The endpoints' rules at each served HEI's URLs."""

    def endpoints(config: MockConfig) -> Mapping[str, EndpointRules]:
        return {p.format(hei_id=h): rules for h in config.hei_ids for p, rules in paths}

    return endpoints


def _served(request: Request, hei_id: str) -> None:
    if hei_id not in node_of(request).config.hei_ids:
        raise NotFound(f"this node serves no HEI {hei_id!r}", status=404)


@iia_router.api_route(IIA_CNR_PATH, methods=list(IIA_CNR.methods))
async def iia_cnr(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    params = request_parameters(request, verified, IIA_CNR)
    node = node_of(request)
    record = node.record_received(
        CnrKind.IIA, hei_id=hei_id, verified=verified, object_ids=params.unique("iia_id")
    )
    node.actions.refresher.schedule(record)
    return xml_response(encode(IiaCnrResponse()))


@approval_router.api_route(IIA_APPROVAL_CNR_PATH, methods=list(IIA_APPROVAL_CNR.methods))
async def iia_approval_cnr(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    params = request_parameters(request, verified, IIA_APPROVAL_CNR)
    node = node_of(request)
    record = node.record_received(
        CnrKind.IIA_APPROVAL, hei_id=hei_id, verified=verified, object_ids=params.unique("iia_id")
    )
    node.actions.refresher.schedule(record)
    return xml_response(encode(IiaApprovalCnrResponse()))


@la_router.api_route(LA_CNR_PATH, methods=list(LA_CNR.methods))
async def la_cnr(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    node = node_of(request)
    limit = node.config.max_ids.la_cnr_omobility_ids
    params = request_parameters(request, verified, LA_CNR, {MAX_OMOBILITY_IDS: limit})
    record = node.record_received(
        CnrKind.LA,
        hei_id=hei_id,
        verified=verified,
        object_ids=params.unique("omobility_id"),
        sending_hei_id=params.one("sending_hei_id"),
    )
    node.actions.refresher.schedule(record)
    return xml_response(render_notification_response())


@la_router.api_route(LA_CNR_STATS_PATH, methods=list(LA_CNR_STATS.methods))
async def la_cnr_stats(hei_id: str, request: Request, verified: SignedRequest) -> Response:
    _served(request, hei_id)
    request_parameters(request, verified, LA_CNR_STATS)
    check_stats_access(node_of(request).caller(verified))
    records = node_of(request).incoming_las.get(hei_id, ())
    return xml_response(encode(incoming_stats_response(records)))


IIA_CNR_API_ROUTES: Final = MockApi(
    router=iia_router,
    manifest_entry=lambda config, hei_id: IiaCnrEntry(
        version=IIA_CNR_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(IIA_CNR_PATH.format(hei_id=hei_id)),
    ),
    endpoints=per_hei((IIA_CNR_PATH, IIA_CNR)),
)
IIA_APPROVAL_CNR_API_ROUTES: Final = MockApi(
    router=approval_router,
    manifest_entry=lambda config, hei_id: IiaApprovalCnrEntry(
        version=IIA_APPROVAL_CNR_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(IIA_APPROVAL_CNR_PATH.format(hei_id=hei_id)),
    ),
    endpoints=per_hei((IIA_APPROVAL_CNR_PATH, IIA_APPROVAL_CNR)),
)
LA_CNR_API_ROUTES: Final = MockApi(
    router=la_router,
    manifest_entry=lambda config, hei_id: LaCnrEntry(
        version=OMOBILITY_LA_CNR_API.version,
        http_security=HTTPSIG_ONLY,
        url=config.url(LA_CNR_PATH.format(hei_id=hei_id)),
        stats_url=config.url(LA_CNR_STATS_PATH.format(hei_id=hei_id)),
        max_omobility_ids=config.max_ids.la_cnr_omobility_ids,
    ),
    endpoints=per_hei((LA_CNR_PATH, LA_CNR), (LA_CNR_STATS_PATH, LA_CNR_STATS)),
)
