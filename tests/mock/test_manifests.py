"""Discovery v6 at the mock: one HEI per manifest, ``/manifest.xml`` on a one-HEI node."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from ewp_client.codec import decode
from ewp_client.error_response import parse_error_response
from ewp_client.models import DiscoveryEntry, IiasEntry, Manifest
from ewp_mock import DEFAULT_HEI, create_app
from tests.mock.conftest import BASE, make_config


def entries(document: bytes) -> list[object]:
    host = decode(document, Manifest).host
    assert host is not None
    assert host.apis_implemented is not None
    return list(host.apis_implemented.entries)


async def get(app: FastAPI, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        return await http.get(path)


async def test_a_one_hei_node_serves_its_manifest_at_manifest_xml(app: FastAPI) -> None:
    response = await get(app, "/manifest.xml")
    assert response.status_code == 200
    (discovery,) = [e for e in entries(response.content) if isinstance(e, DiscoveryEntry)]
    assert discovery.url == f"{BASE}/manifest.xml"
    (iias,) = [e for e in entries(response.content) if isinstance(e, IiasEntry)]
    assert iias.get_url == f"{BASE}/ewp/iias/{DEFAULT_HEI}/get"
    assert iias.max_iia_ids >= 1
    assert (await get(app, f"/manifests/{DEFAULT_HEI}.xml")).content == response.content


async def test_a_node_of_two_heis_has_one_manifest_each_announcing_itself() -> None:
    app = create_app(make_config(hei_ids=("a.example.org", "b.example.org")))
    for hei in ("a.example.org", "b.example.org"):
        response = await get(app, f"/manifests/{hei}.xml")
        assert response.status_code == 200
        host = decode(response.content, Manifest).host
        assert host is not None
        assert host.institutions_covered is not None
        assert host.institutions_covered.hei is not None
        assert host.institutions_covered.hei.id == hei
        (discovery,) = [e for e in entries(response.content) if isinstance(e, DiscoveryEntry)]
        assert discovery.url == f"{BASE}/manifests/{hei}.xml"
        (iias,) = [e for e in entries(response.content) if isinstance(e, IiasEntry)]
        assert iias.index_url == f"{BASE}/ewp/iias/{hei}/index"
    single = await get(app, "/manifest.xml")
    assert single.status_code == 404
    assert "/manifests/b.example.org.xml" in (parse_error_response(single.content).developer or "")
