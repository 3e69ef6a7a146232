"""``EwpAuth`` with real httpx clients: MockTransport and a loopback HTTP server, sync and async.

The partner (:mod:`tests.security.partner`) verifies each request with
:class:`RequestVerifier` and signs its answer with :class:`ResponseSigner`; the
client must see a verified response, or a typed error naming the fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ewp_client.errors import (
    DigestError,
    MissingSignatureError,
    SignatureMismatchError,
    UnknownKeyError,
    UnsignedResponseError,
)
from ewp_client.registry import AsyncRegistryClient, CachePolicy, RegistryClient
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    VERIFIED,
    EwpAuth,
    InMemoryKeyResolver,
    RequestSigner,
    RequestVerifier,
    ResponseVerifier,
    SigningKey,
    VerifyResult,
)
from tests.support.network import PARTNER_BASE, AsyncPartner, Network, make_network

from .conftest import CLIENT_HEIS
from .partner import Partner, serve

MOCK_BASE = "https://partner.example.org"


def _resolver(client_key: SigningKey, server_key: SigningKey, base: str) -> InMemoryKeyResolver:
    keys = InMemoryKeyResolver()
    keys.add_client_key(client_key.public_key, CLIENT_HEIS)
    keys.add_server_key(server_key.public_key, [base + "/"])
    return keys


def _auth(client_key: SigningKey, resolver: InMemoryKeyResolver) -> EwpAuth:
    return EwpAuth(RequestSigner(client_key), ResponseVerifier(resolver))


def _mock(partner: Partner) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        status, headers, body = partner.handle(
            request.method,
            request.url.raw_path.decode(),
            tuple(request.headers.multi_items()),
            request.content,
        )
        return httpx.Response(status, headers=list(headers), content=body)

    return httpx.MockTransport(handler)


@pytest.fixture
def mock_setup(
    client_key: SigningKey, server_key: SigningKey
) -> tuple[Partner, EwpAuth, InMemoryKeyResolver]:
    resolver = _resolver(client_key, server_key, MOCK_BASE)
    partner = Partner(RequestVerifier(resolver), server_key)
    return partner, _auth(client_key, resolver), resolver


def _check_verified(response: httpx.Response, server_key: SigningKey) -> None:
    result = response.extensions[VERIFIED]
    assert isinstance(result, VerifyResult)
    assert result.key_id == server_key.key_id
    assert response.headers["X-Request-Id"] == result.request_id


def test_sync_client_signs_and_verifies_over_mock_transport(
    mock_setup: tuple[Partner, EwpAuth, InMemoryKeyResolver], server_key: SigningKey
) -> None:
    partner, auth, _ = mock_setup
    with httpx.Client(transport=_mock(partner), auth=auth, base_url=MOCK_BASE) as client:
        response = client.post("/ewp/echo?x=%20y", data={"echo": ["a", "b"]})
    assert response.status_code == 200
    assert b"uni.example.org" in response.content
    assert b"echo=a&echo=b" in response.content
    _check_verified(response, server_key)
    signed_by_client = {n.lower() for n, _ in partner.seen[0]}
    assert {"host", "date", "digest", "x-request-id", "content-type"} <= signed_by_client


async def test_async_client_signs_and_verifies_over_mock_transport(
    mock_setup: tuple[Partner, EwpAuth, InMemoryKeyResolver], server_key: SigningKey
) -> None:
    partner, auth, _ = mock_setup
    async with httpx.AsyncClient(transport=_mock(partner), auth=auth, base_url=MOCK_BASE) as client:
        response = await client.get("/ewp/echo", params={"echo": "é"})
    assert response.status_code == 200
    _check_verified(response, server_key)


def test_unsigned_headers_are_stripped_from_the_verified_response(
    mock_setup: tuple[Partner, EwpAuth, InMemoryKeyResolver],
) -> None:
    partner, auth, _ = mock_setup
    with httpx.Client(transport=_mock(partner), auth=auth, base_url=MOCK_BASE) as client:
        response = client.get("/ewp/echo")
    assert "content-length" not in response.headers
    assert response.headers["content-type"] == "application/xml"


def test_unsigned_response_raises(
    mock_setup: tuple[Partner, EwpAuth, InMemoryKeyResolver],
) -> None:
    partner, auth, _ = mock_setup
    partner.mode = "unsigned"
    with (
        httpx.Client(transport=_mock(partner), auth=auth, base_url=MOCK_BASE) as client,
        pytest.raises(UnsignedResponseError),
    ):
        client.get("/ewp/echo")


def test_unsigned_error_response_reaches_the_caller(
    client_key: SigningKey, server_key: SigningKey, stranger_key: SigningKey
) -> None:
    resolver = _resolver(client_key, server_key, MOCK_BASE)
    partner = Partner(RequestVerifier(resolver), server_key, mode="unsigned-error")
    auth = _auth(stranger_key, resolver)
    with httpx.Client(transport=_mock(partner), auth=auth, base_url=MOCK_BASE) as client:
        response = client.get("/ewp/echo")
    assert response.status_code == 403
    assert VERIFIED not in response.extensions


def test_signed_401_carries_the_challenge(
    mock_setup: tuple[Partner, EwpAuth, InMemoryKeyResolver], server_key: SigningKey
) -> None:
    partner, _, resolver = mock_setup
    auth = EwpAuth(None, ResponseVerifier(resolver))  # no client signature at all
    with httpx.Client(transport=_mock(partner), auth=auth, base_url=MOCK_BASE) as client:
        response = client.get("/ewp/echo")
    assert response.status_code == MissingSignatureError.status
    assert response.headers["WWW-Authenticate"] == 'Signature realm="EWP"'
    assert response.headers["Want-Digest"] == "SHA-256"
    _check_verified(response, server_key)


def test_response_from_an_unpublished_key_raises(
    client_key: SigningKey, server_key: SigningKey, stranger_key: SigningKey
) -> None:
    resolver = _resolver(client_key, server_key, MOCK_BASE)
    partner = Partner(RequestVerifier(resolver), stranger_key)
    with (
        httpx.Client(
            transport=_mock(partner), auth=_auth(client_key, resolver), base_url=MOCK_BASE
        ) as client,
        pytest.raises(UnknownKeyError),
    ):
        client.get("/ewp/echo")


def test_response_tampered_in_transit_raises(
    mock_setup: tuple[Partner, EwpAuth, InMemoryKeyResolver],
) -> None:
    partner, auth, _ = mock_setup
    inner = _mock(partner)

    def tamper(request: httpx.Request) -> httpx.Response:
        original = inner.handle_request(request)
        original.read()
        headers = [(n, v) for n, v in original.headers.multi_items() if n != "content-type"]
        return httpx.Response(
            original.status_code, headers=[*headers, ("Content-Type", "text/html")],
            content=original.content,
        )  # fmt: skip

    with (
        httpx.Client(transport=httpx.MockTransport(tamper), auth=auth, base_url=MOCK_BASE) as c,
        pytest.raises(SignatureMismatchError),
    ):
        c.get("/ewp/echo")


# ------------------------------------------------------------------ loopback server


@pytest.fixture
def loopback(
    client_key: SigningKey, server_key: SigningKey
) -> Iterator[tuple[str, Partner, EwpAuth]]:
    partner = Partner(RequestVerifier(InMemoryKeyResolver()), server_key)
    with serve(partner) as base:
        resolver = _resolver(client_key, server_key, base)
        partner.verifier = RequestVerifier(resolver)
        yield base, partner, _auth(client_key, resolver)


@pytest.mark.parametrize("mode", ["correct", "gzip"])
def test_sync_round_trip_on_loopback(
    loopback: tuple[str, Partner, EwpAuth], server_key: SigningKey, mode: str
) -> None:
    base, partner, auth = loopback
    partner.mode = mode
    with httpx.Client(auth=auth, base_url=base) as client:
        response = client.post("/ewp/echo", data={"echo": "a"})
    assert response.status_code == 200
    assert response.content.startswith(b"<echo-response>")
    _check_verified(response, server_key)
    raw = response.extensions[VERIFIED].body
    assert (raw != response.content) is (mode == "gzip")


@pytest.mark.parametrize("mode", ["correct", "gzip"])
async def test_async_round_trip_on_loopback(
    loopback: tuple[str, Partner, EwpAuth], server_key: SigningKey, mode: str
) -> None:
    base, partner, auth = loopback
    partner.mode = mode
    async with httpx.AsyncClient(auth=auth, base_url=base) as client:
        response = await client.post("/ewp/echo", data={"echo": "a"})
    assert response.status_code == 200
    assert response.content.startswith(b"<echo-response>")
    _check_verified(response, server_key)


def test_digest_computed_before_gzip_is_caught_on_loopback(
    loopback: tuple[str, Partner, EwpAuth],
) -> None:
    base, partner, auth = loopback
    partner.mode = "digest-before-gzip"
    with httpx.Client(auth=auth, base_url=base) as client, pytest.raises(DigestError, match="gzip"):
        client.post("/ewp/echo", data={"echo": "a"})


# ------------------------------------------------- unknown response keys: refresh in the flow


def _rotated_partner(tmp_path: Path) -> tuple[Network, Network, list[bytes], list[int]]:
    """The partner's old catalogue entry, its new one (server key 5), what the Registry
    serves (a list to append to) and a counter of Registry fetches."""
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = make_network(tmp_path / "old")
    new = make_network(tmp_path / "new", partner_key=5)
    return old, new, [old.catalogue_path.read_bytes()], [0]


async def test_async_flow_refreshes_the_catalogue_for_an_unknown_key_and_checks_again(
    tmp_path: Path,
) -> None:
    old, new, served, fetches = _rotated_partner(tmp_path)
    now = [1000.0]

    async def registry_answer(request: httpx.Request) -> httpx.Response:
        fetches[0] += 1
        return httpx.Response(200, content=served[-1], headers={"Cache-Control": "max-age=3600"})

    registry = AsyncRegistryClient(
        "https://registry.example/catalogue-v1.xml",
        http=httpx.AsyncClient(transport=httpx.MockTransport(registry_answer)),
        clock=lambda: now[0],
    )
    await registry.catalogue()  # a fresh copy, from before the rotation
    served.append(new.catalogue_path.read_bytes())
    now[0] += 300
    auth = EwpAuth(
        RequestSigner(old.our_key),
        ResponseVerifier(CatalogueKeyResolver(registry)),
        arefresh_keys=registry.refresh_for_unknown,
    )
    transport = AsyncPartner(new.partner(lambda r: httpx.Response(200, content=b"<ok/>")))
    async with httpx.AsyncClient(transport=transport, auth=auth) as http:
        response = await http.get(f"{PARTNER_BASE}/echo")
    assert response.extensions[VERIFIED].key_id == new.partner_key.key_id
    assert fetches == [2]  # the first copy, and one refresh
    assert len(new.requests) == 1  # the same response checked again, the partner asked once
    await registry.aclose()


async def test_async_flow_without_a_refresh_reports_the_unknown_key(tmp_path: Path) -> None:
    old, new, _, _ = _rotated_partner(tmp_path)
    registry = AsyncRegistryClient(old.catalogue_path)
    await registry.catalogue()
    auth = EwpAuth(RequestSigner(old.our_key), ResponseVerifier(CatalogueKeyResolver(registry)))
    transport = AsyncPartner(new.partner(lambda r: httpx.Response(200, content=b"<ok/>")))
    async with httpx.AsyncClient(transport=transport, auth=auth) as http:
        with pytest.raises(UnknownKeyError) as info:
            await http.get(f"{PARTNER_BASE}/echo")
    assert info.value.key_id == new.partner_key.key_id
    assert not hasattr(info.value, "retry_verification")


@pytest.mark.parametrize("refresh", [True, False], ids=["refresh", "no-refresh"])
def test_sync_flow_refreshes_the_catalogue_for_an_unknown_key(
    tmp_path: Path, refresh: bool
) -> None:
    old, new, _, _ = _rotated_partner(tmp_path)
    now = [1000.0]
    policy = CachePolicy(min_ttl=600, forced_refresh_interval=60)  # still fresh after 61 s
    registry = RegistryClient(old.catalogue_path, clock=lambda: now[0], policy=policy)
    registry.catalogue()
    old.catalogue_path.write_bytes(new.catalogue_path.read_bytes())  # the Registry now says so
    now[0] += 61
    auth = EwpAuth(
        RequestSigner(old.our_key),
        ResponseVerifier(CatalogueKeyResolver(registry)),
        refresh_keys=registry.refresh_for_unknown if refresh else None,
    )
    transport = new.partner(lambda r: httpx.Response(200, content=b"<ok/>"))
    with httpx.Client(transport=transport, auth=auth) as http:
        if not refresh:
            with pytest.raises(UnknownKeyError):
                http.get(f"{PARTNER_BASE}/echo")
            return
        response = http.get(f"{PARTNER_BASE}/echo")
    assert response.extensions[VERIFIED].key_id == new.partner_key.key_id
    assert len(new.requests) == 1
