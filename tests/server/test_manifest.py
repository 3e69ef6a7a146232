"""The Discovery v6 manifest builder: one HEI, its APIs, its keys, a schema-valid document."""

from __future__ import annotations

import base64
import functools

from ewp_client.codec import decode, encode
from ewp_client.models import EchoEntry, Manifest
from ewp_client.namespaces import ECHO_API
from ewp_client.security import SigningKey, generate_private_key, public_key_der
from ewp_client.server import HTTPSIG_ONLY, build_manifest
from ewp_client.xml.validate import validate


@functools.cache
def key(n: int) -> SigningKey:
    return SigningKey(generate_private_key())


def test_a_manifest_covers_one_hei_announces_itself_and_publishes_both_keys() -> None:
    echo = EchoEntry(version=ECHO_API.version, http_security=HTTPSIG_ONLY, url="https://a/echo")
    manifest = build_manifest(
        hei_id="uni-a.example.org",
        manifest_url="https://a/manifest.xml",
        entries=(echo,),
        admin_emails=("admin@a.example.org",),
        admin_provider="test",
        client_keys=(key(1).public_key,),
        server_keys=(key(2).public_key,),
    )
    document = encode(manifest)
    validate(document)
    host = decode(document, Manifest).host
    assert host is not None
    assert host.institutions_covered is not None
    hei = host.institutions_covered.hei
    assert hei is not None
    assert hei.id == "uni-a.example.org"
    assert host.apis_implemented is not None
    discovery, served = host.apis_implemented.entries
    assert getattr(discovery, "url", None) == "https://a/manifest.xml"
    assert served == echo
    assert host.client_credentials_in_use is not None
    (client,) = host.client_credentials_in_use.rsa_public_keys
    assert base64.b64decode(client) == public_key_der(key(1).public_key)
    assert host.server_credentials_in_use is not None
    (server,) = host.server_credentials_in_use.rsa_public_keys
    assert base64.b64decode(server) == public_key_der(key(2).public_key)
