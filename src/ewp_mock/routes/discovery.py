"""Discovery API v6: each served HEI's manifest, public (no client authentication)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.errors import NotFound

from ..directory import MANIFEST_PATH
from ..security import node_of, xml_response

__all__ = ["router"]

router = APIRouter()


@router.get(MANIFEST_PATH)
async def manifest(request: Request, hei_id: str) -> Response:
    body = node_of(request).manifest_xml(hei_id)
    if body is None:
        raise NotFound(f"this node serves no HEI {hei_id!r}", status=404)
    return xml_response(body)
