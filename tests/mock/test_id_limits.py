"""The ``max-*-ids`` a node publishes are its configuration's, and it enforces exactly those."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from ewp_client.codec import decode
from ewp_client.errors import ConfigError
from ewp_client.models import (
    IiasEntry,
    InstitutionsEntry,
    LaCnrEntry,
    LasEntry,
    Manifest,
    OunitsEntry,
)
from ewp_client.security import RequestSigner
from ewp_mock import MockConfig, create_app, node_of_app
from ewp_mock.config import IdLimits
from ewp_mock.data import UNI_A, UNI_B, demo_dataset
from tests.mock.conftest import BASE, key

LIMITS = IdLimits(
    iia_ids=3, omobility_ids=2, la_cnr_omobility_ids=4, hei_ids=5, ounit_ids=6, ounit_codes=7
)


@pytest.fixture(scope="module")
def app() -> object:
    config = MockConfig(
        base_url=BASE,
        server_key=key(1),
        client_key=key(2),
        hei_ids=(UNI_A,),
        replay_protection=False,
        max_ids=LIMITS,
    )
    app = create_app(config, dataset=demo_dataset())
    node_of_app(app).register_client(key(3).public_key, [UNI_B])
    return app


async def call(app: object, method: str, path: str, params: list[tuple[str, str]]) -> int:
    body = urlencode(params).encode()
    target = path if method == "POST" else f"{path}?{urlencode(params)}"
    form = [("Content-Type", "application/x-www-form-urlencoded")] if method == "POST" else []
    sent = body if method == "POST" else b""
    signed = RequestSigner(key(3)).sign(
        method=method, target=target, body=sent, headers=form, host="mock.test"
    )
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        response = await http.request(
            method, target, headers={**dict(signed.headers), **dict(form)}, content=sent
        )
    return response.status_code


def test_manifest_publishes_the_configured_limits(app: object) -> None:
    xml = node_of_app(app).manifest_xml(UNI_A)  # type: ignore[arg-type]
    assert xml is not None
    host = decode(xml, Manifest).host
    assert host is not None
    assert host.apis_implemented is not None
    published = {type(e): e for e in host.apis_implemented.entries}
    assert published[IiasEntry].max_iia_ids == 3  # type: ignore[attr-defined]
    assert published[LasEntry].max_omobility_ids == 2  # type: ignore[attr-defined]
    assert published[LaCnrEntry].max_omobility_ids == 4  # type: ignore[attr-defined]
    assert published[InstitutionsEntry].max_hei_ids == 5  # type: ignore[attr-defined]
    assert published[OunitsEntry].max_ounit_ids == 6  # type: ignore[attr-defined]
    assert published[OunitsEntry].max_ounit_codes == 7  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "params", "limit"),
    [
        (f"/ewp/iias/{UNI_A}/get", [("iia_id", "x")], 3),
        ("/ewp/las/get", [("sending_hei_id", UNI_A), ("omobility_id", "x")], 2),
        (f"/ewp/la-cnr/{UNI_A}", [("sending_hei_id", UNI_B), ("omobility_id", "x")], 4),
        ("/ewp/institutions", [("hei_id", UNI_A)], 5),
        ("/ewp/ounits", [("hei_id", UNI_A), ("ounit_id", "x")], 6),
        ("/ewp/ounits", [("hei_id", UNI_A), ("ounit_code", "x")], 7),
    ],
    ids=["iias", "las", "la-cnr", "institutions", "ounit-ids", "ounit-codes"],
)
async def test_the_limit_is_enforced_duplicates_counted(
    app: object, path: str, params: list[tuple[str, str]], limit: int
) -> None:
    fixed, repeated = params[:-1], params[-1]
    assert await call(app, "POST", path, [*fixed, *[repeated] * limit]) == 200
    assert await call(app, "POST", path, [*fixed, *[repeated] * (limit + 1)]) == 400


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_a_limit_below_one_or_not_whole_is_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"max_ids\.iia_ids"):
        IdLimits(iia_ids=bad)  # type: ignore[arg-type]
