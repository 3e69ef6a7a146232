"""Golden round trip of the official Institutions, OUnits and Discovery manifest examples.

The Registry catalogue example (``registry-v1``) is not a model document: the
catalogue is read by :mod:`ewp_client.registry`, which has its own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ewp_client.codec import encode
from ewp_client.models import (
    AnyElement,
    ClientAuthHttpSig,
    DiscoveryEntry,
    EchoEntry,
    InstitutionsResponse,
    Manifest,
    OtherHeiIdType,
    OunitsResponse,
    ServerAuthHttpSig,
    ServerAuthTlsCert,
)
from tests.codec.lexical import assert_same_content
from tests.codec.roundtrip import assert_round_trip
from tests.conformance import reference

#: Addresses in these examples are left empty around a comment ("as described before").
EMPTY_ADDRESSES = ("street-address", "mailing-address")

#: Official example -> (root model, compare the XML exactly).
EXAMPLES: dict[str, tuple[type, bool]] = {
    "institutions-v2/response-example.xml": (InstitutionsResponse, False),
    "ounits-v2/response-example.xml": (OunitsResponse, False),
    "discovery-v6/manifest-example.xml": (Manifest, True),
}


def _example(name: str) -> bytes:
    if not reference.available():
        pytest.skip(reference.MISSING_REASON)
    return (reference.EXAMPLES / name).read_bytes()


def _round_trip(name: str) -> object:
    model, exact = EXAMPLES[name]
    data = _example(name)
    decoded: object = assert_round_trip(data, model, compare_xml=exact)
    if not exact:
        assert_same_content(data, encode(decoded), element_only=EMPTY_ADDRESSES)
    return decoded


def test_every_full_directory_example_round_trips(
    reference_pack: Path, figures: Callable[[str], None]
) -> None:
    examples = reference_pack / "examples"
    full = {
        p.relative_to(examples).as_posix()
        for folder in ("institutions-v2", "ounits-v2", "discovery-v6")
        for p in (examples / folder).rglob("*.xml")
    }
    failed = []
    for name in sorted(full):
        try:
            _round_trip(name)
        except (AssertionError, KeyError) as exc:  # KeyError: a file EXAMPLES does not list
            failed.append(f"{name}: {exc!r}")
    passed = len(full) - len(failed)
    figures(f"Institutions, OUnits, manifest example round trips: {passed}/{len(full)}")
    assert failed == []
    assert full == set(EXAMPLES)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_official_example_round_trips(name: str) -> None:
    _round_trip(name)


def test_institutions_example_reads_as_the_document_says() -> None:
    response = _round_trip("institutions-v2/response-example.xml")
    assert isinstance(response, InstitutionsResponse)
    (hei,) = response.heis
    assert hei.hei_id == "uio.no"
    assert [(o.type, o.known_type) for o in hei.other_ids] == [
        ("erasmus", OtherHeiIdType.ERASMUS),
        ("erasmus-charter", OtherHeiIdType.ERASMUS_CHARTER),
        ("local", None),
    ]
    assert next((n.lang, n.value) for n in hei.names) == ("en", "University of Oslo")
    assert hei.street_address is not None
    assert hei.street_address.address_lines == ("University of Oslo",)
    assert hei.mailing_address is not None
    assert hei.mailing_address.post_office_box == "1072"
    ivan = hei.contacts[1]
    assert [p.ext for p in ivan.phone_numbers] == [None, "3407"]
    assert ivan.fax_numbers[0].other_format == "(23) 456789"
    assert ivan.street_address is not None
    assert ivan.street_address.address_lines == ()
    assert hei.ounit_ids == ("fsat.no", "matnat.uio.no", "hf.uio.no")


def test_ounits_example_reads_as_the_document_says() -> None:
    response = _round_trip("ounits-v2/response-example.xml")
    assert isinstance(response, OunitsResponse)
    unit = response.ounits[0]
    assert (unit.ounit_id, unit.ounit_code, unit.parent_ounit_id) == ("73", "10000000", "5")
    assert unit.website_urls[1].value == "http://www.mimuw.edu.pl/?LANG=en"


def test_manifest_example_reads_as_the_document_says() -> None:
    manifest = _round_trip("discovery-v6/manifest-example.xml")
    assert isinstance(manifest, Manifest)
    host = manifest.host
    assert host is not None
    assert host.admin_provider == "MUCI (USOS)"
    assert host.apis_implemented is not None
    discovery, echo = host.apis_implemented.entries
    assert isinstance(discovery, DiscoveryEntry)
    assert (discovery.version, discovery.url) == ("6.0.0", "https://example.com/manifest.xml")
    assert isinstance(echo, EchoEntry)
    assert echo.admin_emails[1] == "some-other-developer@example.com"
    assert echo.http_security is not None
    client = echo.http_security.client_auth_methods
    server = echo.http_security.server_auth_methods
    assert client is not None
    assert server is not None
    # TLS client certificates have no bundled schema: kept verbatim, attribute included.
    tls, httpsig = client.methods
    assert isinstance(tls, AnyElement)
    assert b'allows-self-signed="true"' in tls.xml
    assert httpsig == ClientAuthHttpSig()
    assert server.methods == (ServerAuthTlsCert(), ServerAuthHttpSig())
    covered = host.institutions_covered
    assert covered is not None
    assert covered.hei is not None
    assert covered.hei.id == "uw.edu.pl"
    assert covered.hei.other_ids[0].value == "999572294"
    assert host.client_credentials_in_use is not None
    (key,) = host.client_credentials_in_use.rsa_public_keys
    assert "".join(key.split()).startswith("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A")


def test_manifest_is_written_with_conventional_prefixes() -> None:
    written = encode(_round_trip("discovery-v6/manifest-example.xml"))
    assert b"<r:apis-implemented>" in written
    assert b"<sec:client-auth-methods>" in written
