"""A test suite that tests against a mock EWP partner through the pytest plugin.

Installing ``ewp-client[mock]`` registers the plugin with pytest: the
``ewp_partner`` fixture (and its siblings) are there with no import and no
conftest. Each test gets its own partner node, serving ``uni-a.example.org``
with the built-in demo data, our key admitted for ``uni-b.example.org``,
and clients that already trust it.

Run: ``pytest examples/pytest_partner.py`` (or ``python examples/pytest_partner.py``,
which runs pytest on this file).
"""

from __future__ import annotations

import pytest

from ewp_client import AsyncIiasClient, EchoClient, Forbidden, IiasClient, SigningKey
from ewp_client.security import generate_private_key
from ewp_mock.testing import Partner, PartnerNetwork

PARTNER = "uni-a.example.org"  # what the mock partner serves (the demo data's first HEI)
US = "uni-b.example.org"  # what our key is admitted for


def test_the_partner_knows_us(ewp_partner: Partner) -> None:
    with ewp_partner.client() as client:  # signs our requests, verifies the partner's answers
        answer = EchoClient(client).echo(PARTNER, ["ping"])
    assert answer.hei_ids == (US,)
    assert answer.echoes == ("ping",)


def test_we_read_its_agreements(ewp_partner: Partner) -> None:
    with ewp_partner.client() as client:
        iias = IiasClient(client)
        ids = iias.index(PARTNER)
        copies = iias.get(PARTNER, ids)
    assert {copy.iia_id for copy in copies} == set(ids)
    assert all(copy.hash_verified for copy in copies)


def test_a_stranger_is_refused(ewp_partner: Partner) -> None:
    stranger = SigningKey(generate_private_key())
    with ewp_partner.client(key=stranger) as client, pytest.raises(Forbidden):
        EchoClient(client).echo(PARTNER, ["ping"])


@pytest.mark.ewp_partner(heis=["partner.example.org"], data=None, admit=["my-uni.example.org"])
def test_a_partner_of_our_own(ewp_partner: Partner) -> None:
    with ewp_partner.client() as client:
        assert EchoClient(client).echo("partner.example.org", []).hei_ids == ("my-uni.example.org",)
        assert IiasClient(client).index("partner.example.org") == ()  # no data set: no IIAs


@pytest.mark.asyncio
async def test_over_a_real_port_with_tls(ewp_partner_server: Partner) -> None:
    async with ewp_partner_server.async_client() as client:
        ids = await AsyncIiasClient(client).index(PARTNER)
    assert ids


def test_two_nodes_share_one_catalogue(ewp_network: PartnerNetwork) -> None:
    with ewp_network.client("b") as as_b:  # node b (uni-b) reads node a's agreements
        assert IiasClient(as_b).index(PARTNER)


if __name__ == "__main__":
    # "-p": load the plugin even where the package's entry points are not installed;
    # "-W": this script imported httpx (and anyio) before pytest could rewrite asserts
    options = ["-p", "ewp_mock.pytest_plugin", "-p", "no:cacheprovider", "-v"]
    options += ["-W", "ignore::pytest.PytestAssertRewriteWarning"]
    raise SystemExit(pytest.main([__file__, *options]))
