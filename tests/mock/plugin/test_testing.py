"""ewp_mock.testing used directly, outside the plugin: what a suite with its own fixtures sees."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx
import pytest
import respx
from respx.models import AllMockedAssertionError

from ewp_client import EchoClient, EwpClient, Forbidden, RegistryClient
from ewp_client.errors import ConfigError
from ewp_mock import UNI_A, UNI_B, MockConfig, create_app
from ewp_mock.testing import AppTransport, Partner, PartnerKeys, PartnerNetwork, route_partner


@pytest.fixture(scope="module")
def keys() -> PartnerKeys:
    return PartnerKeys.generate()


@pytest.fixture
def partner(keys: PartnerKeys) -> Iterator[Partner]:
    with Partner.in_process(keys=keys) as partner:
        yield partner


def test_the_app_transport_records_and_serves_from_its_own_thread() -> None:
    sent: list[httpx.Request] = []
    app = create_app(MockConfig(base_url="https://t.test"))
    transport = AppTransport(app, sent)
    with httpx.Client(transport=transport) as http:
        answer = http.get("https://t.test/catalogue-v1.xml")
    assert answer.status_code == 200
    assert answer.content.startswith(b"<?xml")
    assert [str(r.url) for r in sent] == ["https://t.test/catalogue-v1.xml"]
    assert not transport.thread.is_alive()  # httpx.Client.close stopped the loop
    with pytest.raises(ConfigError, match="closed"):
        transport.handle_request(httpx.Request("GET", "https://t.test/catalogue-v1.xml"))


def test_an_encoded_body_reaches_the_client_as_sent(keys: PartnerKeys) -> None:
    """A gzip body is passed on still encoded, as over a socket: httpx decodes it once."""
    with Partner.in_process(keys=keys, scenarios=["httpsig-digest-mismatch"]) as partner:
        answer = partner.http().get(f"{partner.url}/ewp/echo")
        with respx.mock(assert_all_called=False) as router:
            route_partner(router, partner)
            routed = httpx.get(f"{partner.url}/ewp/echo")
    for received in (answer, routed):
        assert received.headers["content-encoding"] == "gzip"
        assert received.content.startswith(b"<?xml")


def test_two_in_process_partners_have_their_own_hosts(keys: PartnerKeys) -> None:
    with Partner.in_process(keys=keys) as one, Partner.in_process(keys=keys) as two:
        assert one.url != two.url
        assert one.catalogue_xml != two.catalogue_xml


def test_a_closed_partner_hands_out_nothing(keys: PartnerKeys) -> None:
    partner = Partner.in_process(keys=keys, data=None)
    client = partner.client()
    partner.close()
    partner.close()  # a second close does nothing
    with pytest.raises(ConfigError, match="closed"):
        partner.client()
    with pytest.raises(RuntimeError, match="client has been closed"):
        EchoClient(client).echo(UNI_A, [])  # the partner closed the clients it handed out


def test_settings_the_partner_sets_itself_are_refused(keys: PartnerKeys) -> None:
    with pytest.raises(ConfigError, match="sets \\['port'\\] itself"):
        Partner.in_process(keys=keys, settings={"port": 9})
    with pytest.raises(ConfigError, match=r"unknown scenario 'partner-down'; known: .*tls-expired"):
        Partner.in_process(keys=keys, scenarios=["partner-down"])
    with pytest.raises(ConfigError, match="sets \\['scenarios'\\] itself"):
        Partner.in_process(keys=keys, settings={"scenarios": ("httpsig-clock-skew",)})
    with pytest.raises(ConfigError, match="'demo', None, a Dataset or a directory"):
        Partner.in_process(keys=keys, data=42)  # type: ignore[arg-type]


def test_a_served_partner_releases_its_port(keys: PartnerKeys) -> None:
    with Partner.served(keys=keys) as partner:
        assert partner.served_on is not None
        host, port = partner.served_on
        with partner.client() as client:
            assert EchoClient(client).echo(UNI_A, []).hei_ids == (UNI_B,)
        assert partner.ca_file is not None
        assert partner.ca_file.is_file()
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect((host, port))
    assert not partner.ca_file.exists()


def test_a_respx_router_of_our_own_reaches_the_partner(partner: Partner) -> None:
    with respx.mock(assert_all_mocked=True) as router:
        route_partner(router, partner)
        with (
            RegistryClient(partner.catalogue_url) as registry,
            EwpClient(registry, key=partner.key) as client,
        ):
            assert EchoClient(client).echo(UNI_A, ["r"]).echoes == ("r",)
            with pytest.raises(AllMockedAssertionError):
                httpx.get("https://elsewhere.test/")  # not routed: left to the router's rules


async def test_a_respx_router_serves_async_clients_in_the_callers_loop(partner: Partner) -> None:
    async with respx.mock() as router, httpx.AsyncClient() as http:
        route_partner(router, partner)
        answer = await http.get(partner.catalogue_url)
    assert answer.status_code == 200
    assert answer.content == partner.catalogue_xml


def test_a_stranger_key_is_refused_until_admitted(partner: Partner) -> None:
    other = PartnerKeys.generate().ours
    with partner.client(key=other) as client:
        with pytest.raises(Forbidden):
            EchoClient(client).echo(UNI_A, [])
        partner.admit(other, ["z.example.org"])
        assert EchoClient(client).echo(UNI_A, []).hei_ids == ("z.example.org",)


def test_a_network_needs_a_node_and_a_known_mode() -> None:
    with pytest.raises(ConfigError, match="at least one node"):
        PartnerNetwork.start({})
    with pytest.raises(ConfigError, match="mode"):
        PartnerNetwork.start(mode="carrier-pigeon")  # type: ignore[arg-type]
