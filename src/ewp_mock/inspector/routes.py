"""The inspector's routes: the page, the node list and the exchanges feed.

They live in the control API's app (:func:`~ewp_mock.control.api.control_app`),
which :class:`~ewp_mock.control.api.ControlDispatch` reaches before the EWP
layers: no HTTP signature is asked for, and the inspector's own requests are
not recorded as exchanges.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from ..directory import catalogue_host
from ..node import MockNode
from .page import NodeColumn, render_page

__all__ = ["FEED_PATH", "INSPECTOR_PATH", "NODES_PATH", "router"]

#: The page (beside the control API, under ``/_mock/``).
INSPECTOR_PATH: Final = "/_mock/inspector"
#: The exchanges of the node as JSON, oldest first, those numbered above ``since``.
FEED_PATH: Final = f"{INSPECTOR_PATH}/exchanges"
#: The columns the page shows: this node, then its peers.
NODES_PATH: Final = f"{INSPECTOR_PATH}/nodes"
#: Records one poll answers at most (the page asks again at once for more).
FEED_LIMIT: Final = 200
_LOOPBACK_NAMES: Final = frozenset({"localhost", "localhost.localdomain"})

router = APIRouter(prefix=INSPECTOR_PATH)


def _node(request: Request) -> MockNode:
    node = getattr(request.app.state.control, "node", None)
    if not isinstance(node, MockNode):
        raise TypeError("the inspector runs in a node's control app")
    return node


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL; ``None`` for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
        return None
    if not all(c.isalnum() or c in ".-:" for c in host):
        return None
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


def is_loopback(origin: str) -> bool:
    """Whether ``origin`` names this machine (127.0.0.0/8, ``::1``, ``localhost``)."""
    host = urlsplit(origin).hostname or ""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def columns(node: MockNode, extra: list[str]) -> list[NodeColumn]:
    """This node's column, one per peer node (HEIs of one base URL together), then ``extra``."""
    found = [NodeColumn(", ".join(node.config.hei_ids), node.config.public_url, FEED_PATH)]
    by_origin: dict[str, list[str]] = {}
    for manifest in node.peer_manifests:
        host, _, _ = catalogue_host(manifest)
        urls = [v for api in host.apis for _, v in api.properties]
        origin = next((o for o in map(origin_of, urls) if o is not None), None)
        if origin is not None:
            by_origin.setdefault(origin, []).extend(host.hei_ids)
    own = origin_of(node.config.public_url)
    for origin, heis in by_origin.items():
        if origin != own:
            found.append(NodeColumn(", ".join(heis), origin, f"{origin}{FEED_PATH}"))
    known = {c.url for c in found} | {own}
    for url in extra:
        origin = origin_of(url)
        if origin is not None and origin not in known:
            known.add(origin)
            found.append(NodeColumn(origin, origin, f"{origin}{FEED_PATH}"))
    return found


def _cors(request: Request) -> dict[str, str]:
    """The CORS header letting a page of another loopback origin (a peer's inspector) read."""
    origin = request.headers.get("origin")
    if origin is not None and origin_of(origin) == origin and is_loopback(origin):
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


@router.get("", response_class=HTMLResponse, summary="The exchange inspector (an HTML page)")
async def page(request: Request) -> HTMLResponse:
    """Query ``node`` (repeatable): base URLs of more nodes to show (serving the inspector)."""
    shown = columns(_node(request), request.query_params.getlist("node")[:8])
    html, policy = render_page(shown)
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": policy,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/exchanges", summary="The exchanges recorded, oldest first, those numbered above since"
)
async def feed(
    request: Request, since: int = Query(0, ge=0), limit: int = Query(FEED_LIMIT, ge=1)
) -> JSONResponse:
    node = _node(request)
    ring = node.exchanges
    document: dict[str, Any] = {
        "node": {"name": ", ".join(node.config.hei_ids), "url": node.config.public_url},
        "latest": ring.latest,
        "personal_data": "kept" if ring.keep_personal_data else "masked",
        "exchanges": ring.as_json(since=since, limit=min(limit, FEED_LIMIT)),
    }
    return JSONResponse(document, headers={**_cors(request), "Cache-Control": "no-store"})


@router.get("/nodes", summary="The nodes the page shows: this one, then its peers")
async def nodes(request: Request) -> JSONResponse:
    extra = request.query_params.getlist("node")[:8]
    shown = [c.as_dict() for c in columns(_node(request), extra)]
    return JSONResponse({"nodes": shown}, headers=_cors(request))
