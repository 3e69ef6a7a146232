"""Lookups on a parsed catalogue: endpoints by HEI, API, major version and security; keys."""

from __future__ import annotations

import pytest

from ewp_client.errors import NoEndpointError
from ewp_client.namespaces import CLIAUTH_NONE_NS, IIAS_API, SRVAUTH_HTTPSIG_NS
from ewp_client.registry import Catalogue, Host, build_catalogue, parse_catalogue

from .helpers import ANONYMOUS_ONLY, echo, iias, key_id, network, network_xml, public_key


@pytest.fixture(scope="module")
def catalogue():
    # Parsed from our rendered XML, so the lookups are tested on what a client really reads.
    return parse_catalogue(network_xml())


def test_highest_compatible_version_wins_across_hosts(catalogue):
    found = catalogue.find_api("alpha.example", "iias", major=7)
    assert found.entry.version == "7.1.0"
    assert found.entry.urls["get-url"] == "https://beta.example/iias/get"
    assert [f.entry.version for f in catalogue.find_apis("alpha.example", "iias", major=7)] == [
        "7.1.0",
        "7.0.0",
    ]


def test_api_version_constant_selects_its_major(catalogue):
    assert catalogue.find_api("alpha.example", IIAS_API).entry.major == IIAS_API.major


def test_older_major_is_found_when_asked_for(catalogue):
    found = catalogue.find_api("alpha.example", "iias", major=6)
    assert found.entry.version == "6.3.0"
    assert found.entry.max_ids == {"max-iia-ids": 3, "max-iia-codes": 2}


def test_no_major_means_highest_of_all(catalogue):
    versions = [f.entry.version for f in catalogue.find_apis("alpha.example", "iias")]
    assert versions == ["7.1.0", "7.0.0", "6.3.0"]


def test_hei_only_on_one_host_gets_only_that_hosts_entries(catalogue):
    found = catalogue.find_apis("alpha-arts.example", "iias", major=7)
    assert [f.entry.version for f in found] == ["7.0.0"]


def test_hei_ids_compare_case_insensitively(catalogue):
    assert catalogue.find_api("ALPHA.example", "echo").entry.url == "https://alpha.example/echo"


def test_missing_major_version_names_the_versions_there_are(catalogue):
    with pytest.raises(NoEndpointError) as info:
        catalogue.find_api("alpha.example", "iias", major=8)
    assert info.value.hei_id == "alpha.example"
    assert info.value.api == "iias"
    assert "6.3.0, 7.0.0, 7.1.0" in str(info.value)


def test_unknown_hei_is_no_endpoint(catalogue):
    with pytest.raises(NoEndpointError, match="no host in the catalogue covers"):
        catalogue.find_api("nowhere.example", "echo")


def test_api_not_implemented_is_no_endpoint(catalogue):
    with pytest.raises(NoEndpointError, match="implements the 'omobility-las' API") as info:
        catalogue.find_api("beta.example", "omobility-las")
    assert info.value.api == "omobility-las"


def _single_host(*entries):
    host = Host(apis=entries, hei_ids=("solo.example",))
    return parse_catalogue_of(host)


def parse_catalogue_of(host):
    from ewp_client.registry import render_catalogue

    return parse_catalogue(render_catalogue(build_catalogue([host])))


def test_entry_without_http_security_does_not_offer_http_signatures():
    # No <http-security>: the spec's defaults (TLS client certificates) apply.
    cat = _single_host(echo("https://solo.example", security=None))
    with pytest.raises(NoEndpointError, match="client authentication"):
        cat.find_api("solo.example", "echo")
    assert cat.find_api("solo.example", "echo", client_auth=None).entry.url


def test_security_filter_picks_the_entry_that_accepts_our_method():
    cat = _single_host(
        iias("7.2.0", "https://anon.example", security=ANONYMOUS_ONLY),
        iias("7.0.0", "https://sig.example"),
    )
    assert cat.find_api("solo.example", "iias", major=7).entry.version == "7.0.0"
    anonymous = cat.find_api("solo.example", "iias", major=7, client_auth=CLIAUTH_NONE_NS)
    assert anonymous.entry.version == "7.2.0"
    signed = cat.find_apis("solo.example", "iias", major=7, server_auth=SRVAUTH_HTTPSIG_NS)
    assert [f.entry.version for f in signed] == ["7.0.0"]


def test_missing_or_garbled_max_ids_default_to_one():
    cat = _single_host(iias("7.0.0", "https://a.example", max_ids="many"))
    entry = cat.find_api("solo.example", "iias").entry
    assert entry.max_ids == {}
    assert entry.max_ids_of("max-iia-ids") == 1


def test_client_key_speaks_for_every_hei_of_its_hosts(catalogue):
    key = catalogue.client_key(key_id(1))
    assert key is not None
    assert key.hei_ids == {"alpha.example", "alpha-arts.example"}
    assert key.der == public_key(1)
    assert key.public_key().key_size == 2048
    assert catalogue.heis_covered_by(key_id(3)) == {"alpha.example", "beta.example"}


def test_server_key_is_not_a_client_key(catalogue):
    assert catalogue.client_key(key_id(2)) is None
    assert catalogue.heis_covered_by(key_id(2)) == frozenset()
    assert catalogue.is_server_key(key_id(2))


def test_key_ids_match_exactly_lower_case(catalogue):
    assert catalogue.client_key(key_id(1).upper()) is None
    assert catalogue.public_key(key_id(1).upper()) is None


def test_server_key_counts_only_for_the_host_that_serves_the_endpoint(catalogue):
    alpha_iias = catalogue.find_api("alpha-arts.example", "iias", major=7).entry.urls["get-url"]
    beta_iias = catalogue.find_api("beta.example", "iias", major=7).entry.urls["get-url"]
    assert catalogue.is_server_key_for(key_id(2), alpha_iias)
    assert catalogue.is_server_key_for(key_id(2), alpha_iias + "?iia_id=1"), "query ignored"
    assert not catalogue.is_server_key_for(key_id(3), alpha_iias)
    assert catalogue.is_server_key_for(key_id(3), beta_iias)
    assert not catalogue.is_server_key_for(key_id(1), alpha_iias), "client key of the same host"
    assert not catalogue.is_server_key_for(key_id(2), "https://unknown.example/iias/get")


def test_one_lookup_answers_whether_a_key_signs_for_an_endpoint():
    """``Catalogue.is_server_key_for(key_id, url)`` is the only such question in the API."""
    import inspect

    from ewp_client.registry import AsyncRegistryClient, RegistryClient
    from ewp_client.registry import resolver as resolver_module
    from ewp_client.security.resolver import KeyResolver

    params = list(inspect.signature(Catalogue.is_server_key_for).parameters)
    assert params == ["self", "key_id", "endpoint"]
    assert list(inspect.signature(KeyResolver.is_server_key_for).parameters) == params
    assert not hasattr(RegistryClient, "is_server_key_for")
    assert not hasattr(AsyncRegistryClient, "is_server_key_for")
    assert not hasattr(resolver_module, "server_key_for_url")


def test_other_ids_map_to_schac_ids(catalogue):
    assert [h.id for h in catalogue.heis_by_other_id("erasmus", "xx   alpha01")] == [
        "alpha.example"
    ]
    # "euc" is the deprecated alias of "erasmus-charter".
    assert [h.id for h in catalogue.heis_by_other_id("erasmus-charter", "12345-EPP")] == [
        "alpha-arts.example"
    ]
    assert catalogue.hei("beta.example").other_ids_of("erasmus") == ("XX BETA01",)
    assert catalogue.heis_by_other_id("pic", "999") == ()


def test_entries_at_url_names_the_publishing_host(catalogue):
    found = catalogue.entries_at("https://beta.example/echo")
    assert [f.host.admin_emails for f in found] == [("admin@beta.example",)]


def test_network_model_equals_its_parsed_rendering():
    assert parse_catalogue(network_xml()) == network()
