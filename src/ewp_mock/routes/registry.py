"""The node's own Registry catalogue, so that a client can use the mock as its Registry.

Served with an ``ETag`` and answered ``304`` on a matching ``If-None-Match``,
as the Registry does; ``Cache-Control: no-cache`` makes clients revalidate,
since the catalogue changes whenever a client is admitted.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..security import node_of, xml_response

__all__ = ["PATH", "router"]

PATH: Final = "/catalogue-v1.xml"

router = APIRouter()


@router.get(PATH)
async def catalogue(request: Request) -> Response:
    published = node_of(request).published
    headers = [("ETag", published.etag), ("Cache-Control", "no-cache")]
    if published.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=dict(headers))
    return xml_response(published.xml, headers=headers)


def _etags(value: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in value.split(",") if tag.strip()}
