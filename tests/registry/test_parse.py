"""Reading catalogue bytes: the official example, hostile or broken input, tampered keys."""

from __future__ import annotations

import base64

import pytest

from ewp_client.errors import DtdForbiddenError, MalformedXmlError, UnknownDocumentError
from ewp_client.namespaces import CLIAUTH_HTTPSIG_NS, REGISTRY_NS, SRVAUTH_HTTPSIG_NS
from ewp_client.registry import key_fingerprint, parse_catalogue, render_catalogue

from .helpers import key_id, network, network_xml, public_key


@pytest.fixture(scope="module")
def official_example(reference_pack):
    return (reference_pack / "examples" / "registry-v1" / "catalogue-example.xml").read_bytes()


def test_official_example_is_read_completely(official_example):
    cat = parse_catalogue(official_example)
    assert len(cat.hosts) == 2
    assert cat.problems == ()
    registry_host, example_host = cat.hosts
    assert [e.name for e in registry_host.apis] == ["discovery", "registry"]
    assert len(registry_host.client_certificates) == 2
    assert registry_host.client_keys == ()
    echo = example_host.apis[1]
    assert (echo.name, echo.version, echo.url) == ("echo", "2.0.0", "https://example.com/ewp/echo")
    assert echo.accepts_client_auth(CLIAUTH_HTTPSIG_NS)
    assert echo.offers_server_auth(SRVAUTH_HTTPSIG_NS)
    assert [m.label for m in echo.http_security.client_auth] == [
        "sec-cliauth-tlscert",
        "sec-cliauth-httpsig",
    ]
    assert dict(echo.http_security.client_auth[0].attributes) == {"allows-self-signed": "true"}
    assert len(echo.admin_emails) == 2
    hei = cat.hei("uw.edu.pl")
    assert [o.type for o in hei.other_ids] == ["erasmus", "erasmus-charter", "pic"]
    assert hei.names[0].lang == "en"


def test_official_example_key_lookups(official_example):
    cat = parse_catalogue(official_example)
    (key_id_,) = cat.binaries
    key = cat.client_key(key_id_)
    assert key is not None
    assert key_fingerprint(key.der) == key_id_
    assert key.hei_ids == {"uw.edu.pl"}
    echo = cat.find_api("uw.edu.pl", "echo", major=2)
    assert cat.is_server_key_for(key_id_, echo.entry.urls["url"])


def test_official_example_survives_our_rendering(official_example):
    cat = parse_catalogue(official_example)
    assert parse_catalogue(render_catalogue(cat)) == cat


def test_doctype_is_refused_before_parsing():
    evil = (
        b'<?xml version="1.0"?>\n<!DOCTYPE catalogue [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        b'<catalogue xmlns="' + REGISTRY_NS.encode() + b'"><host>&x;</host></catalogue>'
    )
    with pytest.raises(DtdForbiddenError):
        parse_catalogue(evil)


def test_truncated_catalogue_is_malformed_with_a_line_number():
    data = network_xml()
    with pytest.raises(MalformedXmlError) as info:
        parse_catalogue(data[: len(data) // 2])
    assert info.value.line is not None
    assert info.value.line > 1


def test_other_document_is_not_a_catalogue():
    with pytest.raises(UnknownDocumentError) as info:
        parse_catalogue(b'<manifest xmlns="urn:x"/>')
    assert (info.value.namespace, info.value.root) == ("urn:x", "manifest")


def test_key_whose_content_does_not_match_its_fingerprint_is_dropped():
    # Key 2's bytes under key 1's fingerprint must not make key 2 usable as key 1.
    good = base64.b64encode(public_key(1))
    bad = base64.b64encode(public_key(2))
    data = network_xml().replace(good, bad)
    cat = parse_catalogue(data)
    assert key_id(1) not in cat.binaries
    assert cat.client_key(key_id(1)) is None
    assert any(key_id(1) in p and key_id(2) in p for p in cat.problems)


def test_key_that_is_not_base64_is_dropped():
    data = network_xml().replace(base64.b64encode(public_key(3)), b"!!not base64!!")
    cat = parse_catalogue(data)
    assert cat.client_key(key_id(3)) is None
    assert any("not base64" in p for p in cat.problems)


def test_entry_without_version_parses_as_version_zero():
    xml = network_xml().replace(b' version="2.0.1"', b"", 1)
    cat = parse_catalogue(xml)
    entry = next(e for e in cat.hosts[0].apis if e.name == "echo")
    assert (entry.version, entry.major) == ("", 0)


def test_wrapped_base64_is_accepted():
    cat = network()
    body = base64.b64encode(public_key(1)).decode()
    wrapped = "\n      ".join(body[i : i + 64] for i in range(0, len(body), 64))
    xml = render_catalogue(cat).replace(body.encode(), wrapped.encode())
    assert parse_catalogue(xml).public_key(key_id(1)) == public_key(1)
