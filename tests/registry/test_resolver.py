"""The catalogue as the signature verifier's KeyResolver (the protocol of ewp_client.security)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ewp_client.errors import RegistryUnavailableError
from ewp_client.registry import (
    AsyncRegistryClient,
    Host,
    RegistryClient,
    build_catalogue,
    parse_catalogue,
)
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security.resolver import KeyResolver

from .helpers import echo, key_id, network_xml, public_key


@pytest.fixture(scope="module")
def resolver():
    return CatalogueKeyResolver(parse_catalogue(network_xml()))


def der(key):
    return key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def test_satisfies_the_key_resolver_protocol(resolver):
    assert isinstance(resolver, KeyResolver)


def test_client_key_carries_the_key_and_its_heis(resolver):
    info = resolver.client_key(key_id(1))
    assert info.key_id == key_id(1)
    assert der(info.public_key) == public_key(1)
    assert info.heis == {"alpha.example", "alpha-arts.example"}


def test_server_only_key_is_no_client_key_but_is_published(resolver):
    assert resolver.client_key(key_id(2)) is None
    assert der(resolver.public_key(key_id(2))) == public_key(2)
    assert resolver.public_key("f" * 64) is None


@pytest.mark.parametrize(
    ("key", "endpoint", "expected"),
    [
        (2, "https://alpha.example/iias/get", True),
        (2, "https://alpha.example/iias/get?iia_id=1", True),
        (3, "https://alpha.example/iias/get", False),
        (3, "https://beta.example/echo", True),
        (2, "https://beta.example/echo", False),
        (1, "https://alpha.example/echo", False),  # a client key of the same host
        (2, "https://unknown.example/echo", False),
    ],
)
def test_server_key_is_bound_to_the_host_publishing_the_url(resolver, key, endpoint, expected):
    assert resolver.is_server_key_for(key_id(key), endpoint) is expected


def test_url_claimed_by_two_hosts_lends_neither_hosts_key():
    shared = echo("https://shared.example")
    cat = build_catalogue(
        [
            Host(apis=(shared,), server_keys=(key_id(1),)),
            Host(apis=(shared,), server_keys=(key_id(2),)),
        ],
        public_keys=[public_key(1), public_key(2)],
    )
    resolver = CatalogueKeyResolver(cat)
    assert not resolver.is_server_key_for(key_id(1), "https://shared.example/echo")
    assert not resolver.is_server_key_for(key_id(2), "https://shared.example/echo")


def test_sync_client_refreshes_once_for_an_unknown_key(registry, clock):
    registry.publish(network_xml())
    with RegistryClient(registry.url, clock=clock) as client:
        resolver = CatalogueKeyResolver(client, refresh_unknown=True)
        assert resolver.client_key(key_id(1)) is not None
        registry.publish(network_xml(rotated=True))
        clock.advance(61)
        assert resolver.client_key(key_id(4)).heis == {"alpha.example", "alpha-arts.example"}
        assert len(registry.requests) == 2


def test_without_refresh_unknown_the_copy_answers(registry, clock):
    registry.publish(network_xml())
    with RegistryClient(registry.url, clock=clock) as client:
        resolver = CatalogueKeyResolver(client)
        client.catalogue()
        registry.publish(network_xml(rotated=True))
        clock.advance(61)
        assert resolver.client_key(key_id(4)) is None
        assert len(registry.requests) == 1


async def test_async_client_answers_from_memory_after_a_load(registry, clock):
    registry.publish(network_xml())
    async with AsyncRegistryClient(registry.url, clock=clock) as client:
        resolver = CatalogueKeyResolver(client)
        with pytest.raises(RegistryUnavailableError, match="await its catalogue"):
            resolver.client_key(key_id(1))
        await client.catalogue()
        assert resolver.client_key(key_id(1)) is not None
        registry.publish(network_xml(rotated=True))
        clock.advance(61)
        assert resolver.client_key(key_id(4)) is None
        await client.refresh_for_unknown()
        assert resolver.client_key(key_id(4)) is not None
