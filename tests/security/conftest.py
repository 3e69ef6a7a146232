"""Keys, resolvers and verifiers shared by the signature tests."""

from __future__ import annotations

import pytest

from ewp_client.security import (
    InMemoryKeyResolver,
    RequestVerifier,
    ResponseVerifier,
    SigningKey,
    generate_private_key,
)

from .messages import ENDPOINT, HOST, Sender

CLIENT_HEIS = frozenset({"uni.example.org", "college.example.org"})


@pytest.fixture(scope="session")
def client_key() -> SigningKey:
    return SigningKey(generate_private_key())


@pytest.fixture(scope="session")
def server_key() -> SigningKey:
    return SigningKey(generate_private_key())


@pytest.fixture(scope="session")
def stranger_key() -> SigningKey:
    """A key nobody published."""
    return SigningKey(generate_private_key())


@pytest.fixture(scope="session")
def other_host_key() -> SigningKey:
    """A server key of another host."""
    return SigningKey(generate_private_key())


@pytest.fixture(scope="session")
def resolver(
    client_key: SigningKey, server_key: SigningKey, other_host_key: SigningKey
) -> InMemoryKeyResolver:
    keys = InMemoryKeyResolver()
    keys.add_client_key(client_key.public_key, CLIENT_HEIS)
    keys.add_server_key(server_key.public_key, [f"https://{HOST}/"])
    keys.add_server_key(other_host_key.public_key, ["https://elsewhere.example.net/"])
    return keys


@pytest.fixture
def request_verifier(resolver: InMemoryKeyResolver) -> RequestVerifier:
    return RequestVerifier(resolver)


@pytest.fixture
def response_verifier(resolver: InMemoryKeyResolver) -> ResponseVerifier:
    return ResponseVerifier(resolver)


@pytest.fixture
def client(client_key: SigningKey) -> Sender:
    return Sender(client_key)


@pytest.fixture
def endpoint() -> str:
    return ENDPOINT
