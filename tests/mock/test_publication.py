"""What the mock publishes: the catalogue (usable as a Registry), manifests, and admission rules."""

from __future__ import annotations

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from ewp_client.codec import decode
from ewp_client.errors import ConfigError
from ewp_client.models import EchoEntry, Manifest
from ewp_client.namespaces import ECHO_API
from ewp_client.registry import parse_catalogue
from ewp_client.registry.resolver import CatalogueKeyResolver
from ewp_client.security import public_key_pem
from ewp_client.xml import validate
from ewp_mock import DEFAULT_HEI, MockConfig, create_app, node_of_app
from tests.mock.conftest import BASE, CLIENT_HEI, key, make_config


async def test_the_catalogue_validates_and_lists_host_heis_and_keys(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/catalogue-v1.xml")
    assert response.status_code == 200
    validate(response.content)
    catalogue = parse_catalogue(response.content)
    echo = catalogue.find_api(DEFAULT_HEI, ECHO_API)
    assert echo.entry.url == f"{BASE}/ewp/echo"
    # Asked as signature verification asks it: may this key sign answers from this URL?
    resolver = CatalogueKeyResolver(catalogue)
    assert resolver.is_server_key_for(key(1).key_id, echo.entry.url)
    assert not resolver.is_server_key_for(key(2).key_id, echo.entry.url)
    client = catalogue.client_key(key(3).key_id)
    assert client is not None
    assert client.hei_ids == frozenset({CLIENT_HEI})
    own = catalogue.client_key(key(2).key_id)
    assert own is not None
    assert own.hei_ids == frozenset({DEFAULT_HEI})
    assert catalogue.client_key(key(1).key_id) is None


async def test_the_catalogue_answers_304_to_a_matching_etag(http: httpx.AsyncClient) -> None:
    first = await http.get("/catalogue-v1.xml")
    again = await http.get("/catalogue-v1.xml", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_admitting_a_client_changes_the_catalogue(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    before = await http.get("/catalogue-v1.xml")
    kid = node_of_app(app).register_client(public_key_pem(key(4).public_key), ["other.example.org"])
    after = await http.get("/catalogue-v1.xml", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    client = parse_catalogue(after.content).client_key(kid)
    assert client is not None
    assert client.hei_ids == frozenset({"other.example.org"})


def test_registering_a_key_again_adds_heis() -> None:
    node = node_of_app(create_app(make_config()))
    node.register_client(key(3).public_key, ["a.example.org"])
    kid = node.register_client(key(3).public_key, ["b.example.org"])
    client = node.catalogue.client_key(kid)
    assert client is not None
    assert client.hei_ids == frozenset({"a.example.org", "b.example.org"})


def test_a_client_key_under_2048_bits_is_refused() -> None:
    node = node_of_app(create_app(make_config()))
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    with pytest.raises(ConfigError, match="1024 bits"):
        node.register_client(small, [CLIENT_HEI])
    assert node.clients == ()


@pytest.mark.parametrize(
    "overrides",
    [
        {"hei_ids": ()},
        {"clock_skew": 60.0},
        {"min_client_key_bits": 1024},
        {"base_url": "ftp://mock.test"},
    ],
    ids=["no-hei", "skew-below-floor", "weaker-key-floor", "not-http"],
)
def test_unusable_configurations_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        make_config(**overrides)


def test_defaults_generate_2048_bit_keys_and_turn_replay_protection_on() -> None:
    config = MockConfig(port=8123)
    assert config.server_key.private_key.key_size == 2048
    assert config.client_key.key_id != config.server_key.key_id
    assert config.replay_protection
    assert config.authority == "127.0.0.1:8123"


async def test_each_hei_has_a_valid_manifest(http: httpx.AsyncClient) -> None:
    response = await http.get(f"/manifests/{DEFAULT_HEI}.xml")
    assert response.status_code == 200
    manifest = decode(response.content, Manifest)
    assert manifest.host is not None
    entries = manifest.host.apis_implemented.entries if manifest.host.apis_implemented else ()
    echo = [e for e in entries if isinstance(e, EchoEntry)]
    assert [e.url for e in echo] == [f"{BASE}/ewp/echo"]
    missing = await http.get("/manifests/nobody.example.org.xml")
    assert missing.status_code == 404


def test_a_node_serving_two_heis_publishes_one_host_per_manifest() -> None:
    node = node_of_app(create_app(make_config(hei_ids=("a.example.org", "b.example.org"))))
    catalogue = node.catalogue
    validate(node.published.xml)
    for hei in ("a.example.org", "b.example.org"):
        assert catalogue.find_api(hei, ECHO_API).entry.url == f"{BASE}/ewp/echo"
        assert node.manifest_xml(hei) is not None
