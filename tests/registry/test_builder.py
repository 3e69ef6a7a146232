"""The catalogue builder: what it writes validates against the official schemas and reads back."""

from __future__ import annotations

import pytest
from lxml import etree

from ewp_client.errors import ConfigError
from ewp_client.namespaces import ECHO_ENTRY_NS, IIAS_V6_ENTRY_NS, IIAS_V7_ENTRY_NS, REGISTRY_NS
from ewp_client.registry import (
    Hei,
    Host,
    HttpSecurity,
    build_catalogue,
    parse_catalogue,
    render_catalogue,
)
from tests.conformance import reference

from .helpers import echo, hei, iias, key_id, network, network_xml, public_key


@pytest.fixture(scope="module")
def official_catalogue_schema() -> etree.XMLSchema:
    if not reference.available():
        pytest.skip(reference.MISSING_REASON)
    path = reference.OFFICIAL_SCHEMAS / "ewp-specs-api-registry-v1.5.0" / "catalogue.xsd"
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def test_built_catalogue_validates_against_the_official_schema(official_catalogue_schema):
    doc = etree.fromstring(network_xml())
    assert official_catalogue_schema.validate(doc), official_catalogue_schema.error_log


def test_minimal_catalogue_validates_against_the_official_schema(official_catalogue_schema):
    # One host with nothing but an API: the smallest catalogue the schema allows.
    xml = render_catalogue(build_catalogue([Host(apis=(echo("https://x.example"),))]))
    assert official_catalogue_schema.validate(etree.fromstring(xml)), (
        official_catalogue_schema.error_log
    )


@pytest.mark.parametrize("namespace", [IIAS_V7_ENTRY_NS, IIAS_V6_ENTRY_NS, ECHO_ENTRY_NS])
def test_api_entries_validate_against_their_official_manifest_entry_schema(namespace):
    # The helpers give properties out of order; the builder must put them in schema order.
    if not reference.available():
        pytest.skip(reference.MISSING_REASON)
    schema = reference.official_schema(namespace)
    root = etree.fromstring(network_xml())
    r = f"{{{REGISTRY_NS}}}"
    entries = root.findall(f"{r}host/{r}apis-implemented/{{{namespace}}}*")
    assert entries
    for entry in entries:
        standalone = etree.fromstring(etree.tostring(entry))
        errors = list(schema.iter_errors(standalone))
        assert not errors, errors[0]


def test_rendering_reads_back_as_the_same_catalogue():
    assert parse_catalogue(network_xml()) == network()


def test_public_keys_are_published_under_their_fingerprint():
    root = etree.fromstring(network_xml())
    published = {
        el.get("sha-256")
        for el in root.iterfind(f"{{{REGISTRY_NS}}}binaries/{{{REGISTRY_NS}}}rsa-public-key")
    }
    assert published == {key_id(1), key_id(2), key_id(3)}


def test_key_used_but_not_given_is_refused():
    host = Host(client_keys=(key_id(1),))
    with pytest.raises(ConfigError, match=key_id(1)):
        build_catalogue([host], public_keys=[public_key(2)])


@pytest.mark.parametrize("bad", ["ABCDEF" * 10 + "ABCD", "1234", key_id(1).upper()])
def test_fingerprint_must_be_lower_case_sha256_hex(bad):
    with pytest.raises(ConfigError, match="lower-case hex SHA-256"):
        build_catalogue([Host(client_certificates=(bad,))])


def test_catalogue_needs_a_host():
    with pytest.raises(ConfigError, match="at least one host"):
        build_catalogue([])


def test_hei_needs_a_name():
    with pytest.raises(ConfigError, match="needs at least one name"):
        build_catalogue([Host()], heis=[Hei(id="x.example", names=())])


def test_empty_security_list_is_refused_at_rendering():
    entry = echo("https://x.example", security=HttpSecurity(client_auth=()))
    with pytest.raises(ConfigError, match="client-auth-methods"):
        render_catalogue(build_catalogue([Host(apis=(entry,))]))


def test_hei_names_keep_their_language():
    cat = build_catalogue([Host(hei_ids=("x.example",))], heis=[hei("x.example", "X")])
    xml = render_catalogue(cat)
    assert b'xml:lang="en"' in xml
    assert parse_catalogue(xml).hei("x.example").names[0].lang == "en"


def test_iias_entry_lists_children_in_schema_order():
    built = build_catalogue([Host(apis=(iias("7.0.0", "https://x.example"),))])
    assert [name for name, _ in built.hosts[0].apis[0].properties] == [
        "get-url",
        "max-iia-ids",
        "index-url",
    ]
