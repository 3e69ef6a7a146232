"""``@pytest.mark.ewp_partner(scenarios=[...])``: a CI suite's partner plays the scenarios named.

Run on small suites with ``pytester``, as a CI author would write them: a
built-in scenario by name, and one declared in a TOML file next to the test
module (``settings={"scenario_files": [...]}``); an unknown name fails the
test with the known ones.
"""

from __future__ import annotations

import pytest

from tests.mock.plugin.test_pytest_plugin import run

pytest_plugins = ["pytester"]

SUITE = """
    import pytest
    from ewp_client import EchoClient
    from ewp_client.errors import UnsignedResponseError, SchemaValidationError

    A = "uni-a.example.org"

    @pytest.mark.ewp_partner(scenarios=["httpsig-response-unsigned"])
    def test_unsigned(ewp_partner):
        with ewp_partner.client() as client:
            with pytest.raises(UnsignedResponseError):
                EchoClient(client).echo(A, ["hi"])

    def test_clean(ewp_partner):
        with ewp_partner.client() as client:
            assert EchoClient(client).echo(A, ["hi"]).hei_ids == ("uni-b.example.org",)

    @pytest.mark.ewp_partner(scenarios=["echo-unsigned"], settings={"scenario_files": ["own.toml"]})
    def test_from_a_file_next_to_the_module(ewp_partner):
        assert ewp_partner.node.config.scenarios == ("echo-unsigned",)
        with ewp_partner.client() as client:
            with pytest.raises(UnsignedResponseError):
                EchoClient(client).echo(A, ["hi"])

    @pytest.mark.ewp_partner(scenarios=["no-such-scenario"])
    def test_unknown(ewp_partner):
        pass
"""

OWN = """
[[scenario]]
name = "echo-unsigned"
summary = "Echo answers not signed"
api = "Echo"

[[scenario.behaviour]]
type = "unsigned"
apis = ["echo"]
"""


def test_the_marker_plays_built_in_and_file_scenarios(pytester: pytest.Pytester) -> None:
    (pytester.path / "own.toml").write_text(OWN, encoding="utf-8")
    result = run(pytester, SUITE)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        ["*cannot make the mock partner: unknown scenario 'no-such-scenario'; known: *"]
    )
