"""``@pytest.mark.ewp_network(scenarios={"b": [...]})``: one node of a network plays a scenario.

Run on small suites with ``pytester``: node ``b`` answers unsigned while node
``a`` stays clean (in process and on loopback ports over TLS), node ``b``'s
control API switches it off, and a misused option fails the test saying why.
"""

from __future__ import annotations

import pytest

from tests.mock.plugin.test_pytest_plugin import run

pytest_plugins = ["pytester"]

SUITE = """
    import pytest
    from ewp_client import EchoClient
    from ewp_client.errors import UnsignedResponseError

    A, B = "uni-a.example.org", "uni-b.example.org"
    UNSIGNED = "httpsig-response-unsigned"

    def echo(network, hei):
        with network.client() as client:
            return EchoClient(client).echo(hei, ["hi"])

    @pytest.mark.ewp_network(scenarios={"b": [UNSIGNED]})
    def test_only_b_plays_it(ewp_network):
        with pytest.raises(UnsignedResponseError) as unsigned:
            echo(ewp_network, B)
        assert unsigned.value.known_issue == UNSIGNED
        assert echo(ewp_network, A).echoes == ("hi",)
        assert ewp_network.control("b").scenarios().active == (UNSIGNED,)
        assert ewp_network.control("a").scenarios().active == ()
        ewp_network.control("b").remove_scenario(UNSIGNED)
        assert echo(ewp_network, B).echoes == ("hi",)

    @pytest.mark.ewp_network(mode="loopback", scenarios={"a": UNSIGNED})
    def test_on_loopback_ports(ewp_network):
        assert ewp_network.url("a").startswith("https://")
        with pytest.raises(UnsignedResponseError):
            echo(ewp_network, A)
        assert echo(ewp_network, B).echoes == ("hi",)

    def test_none_by_default(ewp_network):
        assert echo(ewp_network, A).echoes == echo(ewp_network, B).echoes == ("hi",)
"""

MISUSED = """
    import pytest

    @pytest.mark.ewp_network(scenarios={"c": ["httpsig-clock-skew"]})
    def test_not_a_node(ewp_network):
        pass

    @pytest.mark.ewp_network(scenarios={"b": ["partner-down"]})
    def test_unknown(ewp_network):
        pass

    @pytest.mark.ewp_network(scenarios={"b": ["tls-expired"]})
    def test_tls(ewp_network):
        pass

    @pytest.mark.ewp_network(settings={"scenarios": ["httpsig-clock-skew"]})
    def test_for_every_node(ewp_network):
        pass
"""


def test_the_network_marker_plays_scenarios_on_the_nodes_named(
    pytester: pytest.Pytester,
) -> None:
    result = run(pytester, SUITE)
    result.assert_outcomes(passed=3)


def test_a_misused_scenarios_option_says_what_is_wrong(pytester: pytest.Pytester) -> None:
    result = run(pytester, MISUSED)
    result.assert_outcomes(errors=4)
    result.stdout.fnmatch_lines(
        [
            "*cannot make the mock partner: scenarios for 'c', not a node of the network "
            "(its nodes: a, b)*",
            "*cannot make the mock partner: unknown scenario 'partner-down'; known: *",
            "*cannot make the mock partner: node b: tls-expired changes the TLS certificate*",
            "*cannot make the mock partner: a network's scenarios are given per node*",
        ],
        consecutive=False,
    )
