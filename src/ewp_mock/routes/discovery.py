"""Discovery API v6: each served HEI's manifest, public (no client authentication).

A node serving one HEI answers ``/manifest.xml`` with it; every node serves
``/manifests/{hei_id}.xml`` per HEI (a v6 manifest covers one HEI).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ewp_client.errors import NotFound

from ..directory import MANIFEST_PATH, SINGLE_MANIFEST_PATH, manifest_url
from ..security import node_of, xml_response

__all__ = ["router"]

router = APIRouter()


@router.get(MANIFEST_PATH)
async def manifest(request: Request, hei_id: str) -> Response:
    body = node_of(request).manifest_xml(hei_id)
    if body is None:
        raise NotFound(f"this node serves no HEI {hei_id!r}", status=404)
    return xml_response(body)


@router.get(SINGLE_MANIFEST_PATH)
async def single_manifest(request: Request) -> Response:
    config = node_of(request).config
    if len(config.hei_ids) != 1:
        urls = ", ".join(manifest_url(config, h) for h in config.hei_ids)
        raise NotFound(f"this node serves several HEIs, one manifest each: {urls}", status=404)
    return await manifest(request, config.hei_ids[0])
