"""What real partners' catalogue entries and responses look like, and the client still copes.

Catalogue URLs may carry a query or spell the host differently from how httpx
sends it; a partner may rotate its server key before our catalogue copy knows
it; a broken ``Content-Encoding`` must come out as one of our errors.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec as ec_keys
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ewp_client.client import AsyncEwpClient, EwpCall, EwpClient, RetryPolicy
from ewp_client.errors import ConfigError, RegistryError, TransportError
from ewp_client.namespaces import ECHO_API
from ewp_client.registry import AsyncRegistryClient, Host, RegistryClient, build_catalogue
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import ResponseSigner, key_fingerprint
from tests.client.test_client_core import ECHO, echo_handler
from tests.support.network import PARTNER, AsyncPartner, AsyncSleeps, Sleeps, make_network


def echoes(answer_tree: object) -> list[str | None]:
    root = answer_tree.getroot()  # type: ignore[attr-defined]
    return [e.text for e in root[1:]]


@pytest.mark.parametrize(
    ("catalogue_url", "sent"),
    [
        (
            "https://b.example.org/ewp/index.php?api=echo",
            "https://b.example.org/ewp/index.php?api=echo&echo=a&echo=b",
        ),
        ("https://B.Example.org:443/ewp/echo", "https://b.example.org/ewp/echo?echo=a&echo=b"),
        ("https://b.example.org/ewp/echo?", "https://b.example.org/ewp/echo?echo=a&echo=b"),
    ],
    ids=["query", "host-case-and-port", "empty-query"],
)
def test_catalogue_urls_are_used_as_published_and_responses_verified(
    tmp_path: Path, catalogue_url: str, sent: str
) -> None:
    net = make_network(tmp_path, echo_url=catalogue_url)
    with net.client(echo_handler) as client:
        answer = client.call(ECHO)
    assert [str(r.url) for r in net.requests] == [sent]
    assert answer.verified is not None  # the server key check matched the catalogue entry
    assert echoes(answer.tree) == ["a", "b"]


def test_a_body_httpx_cannot_decode_is_a_transport_error(tmp_path: Path) -> None:
    net = make_network(tmp_path)
    signer = ResponseSigner(net.partner_key)

    def broken_gzip(request: httpx.Request) -> httpx.Response:
        raw = b"this is not gzip"
        headers = [("Content-Type", "text/xml"), ("Content-Encoding", "gzip")]
        headers += list(
            signer.sign(request_headers=request.headers.multi_items(), headers=headers, body=raw)
        )
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(raw))

    sleeps = Sleeps()
    http = httpx.Client(transport=httpx.MockTransport(broken_gzip))
    client = EwpClient(
        RegistryClient(net.catalogue_path),
        key=net.our_key,
        http=http,
        sleep=sleeps,
        retry=RetryPolicy(attempts=2),
    )
    with client, pytest.raises(TransportError, match="DecodingError"):
        client.call(ECHO)
    assert sleeps == [0.5]  # a read: tried again once


async def test_async_client_refreshes_the_catalogue_for_a_rotated_server_key(
    tmp_path: Path,
) -> None:
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = make_network(tmp_path / "old")
    new = make_network(tmp_path / "new", partner_key=5)  # the partner's next key
    served = [old.catalogue_path.read_bytes()]
    now = [1000.0]

    async def registry(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=served[-1], headers={"Cache-Control": "max-age=3600"})

    catalogue = AsyncRegistryClient(
        "https://registry.example/catalogue-v1.xml",
        http=httpx.AsyncClient(transport=httpx.MockTransport(registry)),
        clock=lambda: now[0],
    )
    http = httpx.AsyncClient(transport=AsyncPartner(new.partner(echo_handler)))
    async with AsyncEwpClient(catalogue, key=old.our_key, http=http, sleep=AsyncSleeps()) as c:
        await catalogue.catalogue()  # a fresh copy, from before the rotation
        served.append(new.catalogue_path.read_bytes())
        now[0] += 300
        answer = await c.call(
            EwpCall(api=ECHO_API, hei_id=PARTNER, endpoint="url", params=(("echo", "x"),))
        )
    assert answer.verified is not None
    assert answer.verified.key_id == new.partner_key.key_id
    assert len(new.requests) == 1  # verified again after the refresh, not asked twice


def test_bad_arguments_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        RetryPolicy(attempts=0)
    with pytest.raises(ConfigError):
        RegistryClient("https://[::1/catalogue-v1.xml")


def test_an_unusable_catalogue_url_is_a_registry_error(tmp_path: Path) -> None:
    net = make_network(tmp_path, echo_url="http://[::1/ewp/echo")
    with net.client(echo_handler) as client, pytest.raises(RegistryError, match="usable URL"):
        client.call(ECHO)
    assert net.requests == []


def test_a_published_client_key_that_is_not_rsa_reads_as_unknown() -> None:
    ec = ec_keys.generate_private_key(ec_keys.SECP256R1()).public_key()
    der = ec.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    kid = key_fingerprint(der)
    host = Host(apis=(), hei_ids=(PARTNER,), client_keys=(kid,))
    resolver = CatalogueKeyResolver(build_catalogue([host], public_keys=[der]))
    assert resolver.client_key(kid) is None  # the mock answers 403, not 500
