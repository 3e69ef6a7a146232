"""Fault scenarios switched through the control API, then seen by a plain EWP client.

Each switch is followed by a signed call of our :class:`~ewp_client.EchoClient`:
with ``httpsig-response-unsigned`` on, the answer carries no ``Signature`` and
the client raises :class:`~ewp_client.errors.UnsignedResponseError` naming the
known issue; off again, the same call succeeds. In process, on a served
partner, and on an ``ewp-mock serve --control --scenario`` node (where a reset
goes back to the scenario it started with).
"""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from ewp_client import EchoClient
from ewp_client.errors import (
    ControlBadRequest,
    ControlConflict,
    ControlNotFound,
    UnsignedResponseError,
)
from ewp_client.security import RequestSigner
from ewp_mock.control import CONTROL_PREFIX, AsyncControlClient, ControlClient, ScenarioState
from ewp_mock.data import UNI_A, UNI_B
from ewp_mock.testing import Partner
from tests.mock.conftest import key
from tests.mock.control.conftest import keys
from tests.mock.test_cli_serve import _key_files, _public_key_file, start

UNSIGNED = "httpsig-response-unsigned"
SKEW = "httpsig-clock-skew"


def unsigned_error(partner: Partner) -> UnsignedResponseError | None:
    """What our signed echo call raised for an unsigned answer (``None``: it succeeded)."""
    with partner.client() as client:
        try:
            answer = EchoClient(client).echo(UNI_A, ["hi"])
        except UnsignedResponseError as exc:
            return exc
    assert answer.hei_ids == (UNI_B,)
    return None


def echo_is_signed(partner: Partner) -> bool:
    """Whether our echo call got a signed answer; if not, the client named the known issue."""
    error = unsigned_error(partner)
    if error is not None:
        assert (error.known_issue, error.response_status) == (UNSIGNED, 200)
    return error is None


def signature_on_the_wire(partner: Partner) -> str | None:
    """The ``Signature`` header of the latest answer the node sent, as its log recorded it."""
    (latest,) = [r for r in partner.control.exchanges() if "/ewp/echo" in r["url"]][-1:]
    headers = {name.lower(): value for name, value in latest["response_headers"]}
    return headers.get("signature")


def test_a_scenario_switched_on_is_played_from_the_next_request_and_off_again(
    ewp_partner: Partner,
) -> None:
    control = ewp_partner.control
    assert echo_is_signed(ewp_partner)
    state = control.use_scenarios([UNSIGNED])
    assert state.active == (UNSIGNED,)
    assert not echo_is_signed(ewp_partner)
    assert signature_on_the_wire(ewp_partner) is None
    assert control.use_scenarios([]).active == ()
    assert echo_is_signed(ewp_partner)
    assert signature_on_the_wire(ewp_partner) is not None


def test_the_scenarios_listed_are_the_active_ones_and_every_known_one(
    ewp_partner: Partner,
) -> None:
    state = ewp_partner.control.scenarios()
    assert (state.active, state.started_with) == ((), ())
    known = {k.name: k for k in state.known}
    assert known[UNSIGNED].tls is False
    assert known[UNSIGNED].source == "built-in"
    assert known["tls-expired"].tls is True
    assert "iia-hash-invalid" in known


def test_an_unknown_name_is_a_400_naming_the_known_ones_and_nothing_changes(
    ewp_partner: Partner,
) -> None:
    control = ewp_partner.control
    control.use_scenarios([SKEW])
    with pytest.raises(ControlBadRequest) as refused:
        control.use_scenarios([UNSIGNED, "no-such-scenario"])
    assert refused.value.kind == "unknown-scenario"
    assert "'no-such-scenario'" in str(refused.value.detail)
    assert UNSIGNED in str(refused.value.detail)  # the known ones are named
    assert control.scenarios().active == (SKEW,)


def test_one_scenario_is_added_and_removed_by_name(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    assert control.add_scenario(SKEW).active == (SKEW,)
    assert control.add_scenario(UNSIGNED).active == (SKEW, UNSIGNED)
    assert control.add_scenario(UNSIGNED).active == (SKEW, UNSIGNED)  # once only
    assert not echo_is_signed(ewp_partner)
    assert control.remove_scenario(UNSIGNED).active == (SKEW,)
    assert control.remove_scenario(UNSIGNED).active == (SKEW,)  # not played: no change
    with pytest.raises(ControlNotFound) as unknown:
        control.add_scenario("no-such-scenario")
    assert unknown.value.kind == "unknown-scenario"
    assert SKEW in str(unknown.value.detail)
    with pytest.raises(ControlNotFound):
        control.remove_scenario("no-such-scenario")
    assert control.scenarios().active == (SKEW,)


def test_a_tls_scenario_cannot_change_on_a_running_node(ewp_partner: Partner) -> None:
    control = ewp_partner.control
    for switch in (
        lambda: control.use_scenarios(["tls-expired"]),
        lambda: control.add_scenario("tls-self-signed"),
    ):
        with pytest.raises(ControlConflict) as refused:
            switch()
        assert refused.value.kind == "tls-scenario"
        assert "--scenario" in str(refused.value.detail)
    assert control.scenarios().active == ()


def test_a_node_started_with_a_tls_scenario_keeps_it_and_switches_the_others() -> None:
    with Partner.in_process(keys=keys(), scenarios=["tls-expired"]) as partner:
        control = partner.control
        with pytest.raises(ControlConflict):
            control.remove_scenario("tls-expired")
        with pytest.raises(ControlConflict):
            control.use_scenarios([UNSIGNED])  # would drop tls-expired
        state = control.use_scenarios(["tls-expired", UNSIGNED])
        assert state.active == ("tls-expired", UNSIGNED)
        assert state.started_with == ("tls-expired",)


def test_a_reset_goes_back_to_the_scenarios_the_node_started_with() -> None:
    with Partner.in_process(keys=keys(), scenarios=[UNSIGNED]) as partner:
        control = partner.control
        assert not echo_is_signed(partner)
        assert control.use_scenarios([SKEW]).active == (SKEW,)
        control.reset()
        assert control.scenarios().active == (UNSIGNED,)
        assert not echo_is_signed(partner)


def test_scenarios_of_the_nodes_own_files_are_known_and_played(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text(
        '[[scenario]]\nname = "echo-unsigned"\nsummary = "Echo answers not signed"\n'
        '[[scenario.behaviour]]\ntype = "unsigned"\napis = ["echo"]\n',
        encoding="utf-8",
    )
    settings = {"scenario_files": [own]}
    with Partner.in_process(keys=keys(), settings=settings) as partner:
        state = partner.control.add_scenario("echo-unsigned")
        (known,) = [k for k in state.known if k.name == "echo-unsigned"]
        assert known.source == str(own)
        assert not echo_is_signed(partner)


def test_a_served_node_switches_over_its_real_socket() -> None:
    with Partner.served(keys=keys()) as partner:
        control = partner.control
        assert partner.url.startswith("https://127.0.0.1:")
        control.use_scenarios(UNSIGNED)  # one name alone
        assert not echo_is_signed(partner)
        control.use_scenarios(())
        assert echo_is_signed(partner)


def test_a_bad_body_is_a_400(ewp_partner: Partner) -> None:
    answer = ewp_partner.http().put(
        f"{ewp_partner.url}{CONTROL_PREFIX}/scenarios", json={"names": "not-a-list"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "bad-request"


async def test_the_async_client_switches_scenarios_too(ewp_partner: Partner) -> None:
    async with (
        ewp_partner.async_http() as http,
        AsyncControlClient(ewp_partner.url, http=http) as control,
    ):
        state = await control.use_scenarios([UNSIGNED])
        assert isinstance(state, ScenarioState)
        assert state.active == (UNSIGNED,)
        assert (await control.add_scenario(SKEW)).active == (UNSIGNED, SKEW)
        assert (await control.remove_scenario(UNSIGNED)).active == (SKEW,)
        assert (await control.scenarios()).active == (SKEW,)
        with pytest.raises(ControlBadRequest):
            await control.use_scenarios(["no-such-scenario"])


def test_ewp_mock_serve_starts_with_its_scenario_and_the_control_api_switches_it(
    tmp_path: Path,
) -> None:
    node = start(
        *_key_files(tmp_path),
        "--state-dir",
        str(tmp_path / "state"),
        "--admit",
        f"{_public_key_file(tmp_path, 3)}={UNI_B}",
        "--control",
        "--scenario",
        UNSIGNED,
    )
    try:
        base = node.document["url"]
        host = base.split("://")[1]
        context = ssl.create_default_context(cafile=node.document["ca"])
        signer = RequestSigner(key(3))
        with httpx.Client(verify=context) as http:
            control = ControlClient(base, http=http)

            def signature() -> str | None:
                target = f"/ewp/iias/{UNI_A}/index"
                signed = signer.sign(method="GET", target=target, body=b"", host=host)
                answer = http.get(base + target, headers=signed.headers)
                assert answer.status_code == 200
                return answer.headers.get("signature")

            assert control.scenarios().started_with == (UNSIGNED,)
            assert signature() is None
            assert control.use_scenarios([]).active == ()
            assert signature() is not None
            with pytest.raises(ControlConflict):
                control.add_scenario("tls-expired")
            control.reset()
            assert control.scenarios().active == (UNSIGNED,)
            assert signature() is None
    finally:
        assert node.stop() == 0
