"""An in-process mock node (ASGI, no sockets) and a client key admitted to it."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import (
    EwpAuth,
    RequestSigner,
    ResponseVerifier,
    SigningKey,
    generate_private_key,
)
from ewp_mock import MockConfig, create_app, node_of_app

BASE = "http://mock.test"
CLIENT_HEI = "client.example.org"


@functools.cache
def key(n: int) -> SigningKey:
    """Test key number ``n`` (RSA 2048), generated once per session."""
    return SigningKey(generate_private_key())


def make_config(**overrides: object) -> MockConfig:
    settings: dict[str, object] = {
        "base_url": BASE,
        "server_key": key(1),
        "client_key": key(2),
        **overrides,
    }
    return MockConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture
def app() -> FastAPI:
    app = create_app(make_config())
    node_of_app(app).register_client(key(3).public_key, [CLIENT_HEI])
    return app


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


def verifier(app: FastAPI) -> ResponseVerifier:
    """Verifies responses against the catalogue the mock publishes."""
    return ResponseVerifier(CatalogueKeyResolver(node_of_app(app).catalogue))


def auth(app: FastAPI, signing_key: SigningKey | None = None) -> EwpAuth:
    """The ewp_client send path: sign with the admitted key, verify the mock's answer."""
    return EwpAuth(RequestSigner(signing_key or key(3)), verifier(app))
